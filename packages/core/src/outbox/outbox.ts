import type { EventInput, EventOutcome, Store } from '../store/store.js'
import { storeFault } from '../store/store-fault.js'

interface Pending {
  readonly events: readonly EventInput[]
  readonly resolve: (outcomes: EventOutcome[]) => void
  readonly reject: (error: unknown) => void
}

/**
 * Most payload text in one group commit. A transaction is synchronous (better-sqlite3), so its size
 * is how long the event loop stops: at 8 MiB about a tenth of a second on these machines.
 */
export const MAX_BATCH_PAYLOAD_CHARS = 8 * 1024 * 1024

/**
 * Group commit: emits that arrive while the event loop is busy share one transaction (up to
 * `maxBatchSize` events and {@link MAX_BATCH_PAYLOAD_CHARS} of payload, though never fewer than one
 * emit), so durable emits are not bound to one fsync each. Every promise resolves only after the
 * COMMIT that holds its events. When more is queued than one transaction takes, the event loop gets
 * a turn between transactions, so requests and timers are not held back for the whole backlog.
 */
export class Outbox {
  readonly #store: Store
  readonly #maxBatchSize: number
  readonly #onCommit: (events: readonly EventInput[], outcomes: readonly EventOutcome[]) => void
  #queue: Pending[] = []
  #scheduled = false
  #flushing: Promise<void> | null = null

  /**
   * @param store - where events are written
   * @param options.maxBatchSize - most events per transaction
   * @param options.onCommit - called after each commit with what was written (wakes the dispatcher)
   */
  constructor(
    store: Store,
    options: {
      maxBatchSize: number
      onCommit: (events: readonly EventInput[], outcomes: readonly EventOutcome[]) => void
    },
  ) {
    this.#store = store
    this.#maxBatchSize = options.maxBatchSize
    this.#onCommit = options.onCommit
  }

  /** Queues events for the next group commit; resolves with one outcome per event, in order. */
  write(events: readonly EventInput[]): Promise<EventOutcome[]> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ events, resolve, reject })
      if (!this.#scheduled) {
        this.#scheduled = true
        setImmediate(() => void this.#flush())
      }
    })
  }

  /** Resolves when everything queued so far is committed (or failed). */
  async drain(): Promise<void> {
    while (this.#queue.length > 0 || this.#flushing) {
      if (this.#flushing) await this.#flushing
      else await this.#flush()
    }
  }

  async #flush(): Promise<void> {
    if (this.#flushing) {
      await this.#flushing
      return this.#flush()
    }
    this.#scheduled = false
    if (this.#queue.length === 0) return
    const done = this.#flushBatches()
    this.#flushing = done
    try {
      await done
    } finally {
      this.#flushing = null
    }
  }

  async #flushBatches(): Promise<void> {
    let first = true
    while (this.#queue.length > 0) {
      // The store call is synchronous and its promise settles in a microtask: without this, a
      // backlog of big batches ran back to back (32 batches of 1 MiB stopped the loop for 3–8 s).
      if (!first) await new Promise<void>((resolve) => setImmediate(resolve))
      first = false
      const batch: Pending[] = []
      let size = 0
      let chars = 0
      while (this.#queue.length > 0) {
        const next = this.#queue[0]!
        const nextChars = payloadChars(next.events)
        if (
          batch.length > 0 &&
          (size + next.events.length > this.#maxBatchSize || chars + nextChars > MAX_BATCH_PAYLOAD_CHARS)
        ) {
          break
        }
        this.#queue.shift()
        batch.push(next)
        size += next.events.length
        chars += nextChars
      }
      await this.#commit(batch)
    }
  }

  async #commit(batch: Pending[]): Promise<void> {
    const events = batch.flatMap((p) => p.events)
    let outcomes: EventOutcome[]
    try {
      outcomes = await this.#store.insertEvents(events)
    } catch (error) {
      // One bad emit (say, an id that already exists) must not fail the others: retry them alone.
      // Not when the database itself failed (full disk, lock held elsewhere): each retry would fail
      // alike, one write (and, for a lock, one busy timeout blocking the process) per emit.
      if (batch.length > 1 && storeFault(error) === undefined) {
        for (const pending of batch) await this.#commit([pending])
      } else for (const pending of batch) pending.reject(error)
      return
    }
    let offset = 0
    for (const pending of batch) {
      pending.resolve(outcomes.slice(offset, offset + pending.events.length))
      offset += pending.events.length
    }
    this.#onCommit(events, outcomes)
  }
}

/** The payload text of `events`, in UTF-16 code units (a cheap stand-in for bytes). */
function payloadChars(events: readonly EventInput[]): number {
  let chars = 0
  for (const event of events) chars += event.payloadJson.length
  return chars
}
