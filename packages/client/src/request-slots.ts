/** Runs `task` after the I/O already due: `setImmediate` on Node, a 0 ms timer elsewhere. */
const defer: (task: () => void) => void =
  typeof globalThis.setImmediate === 'function'
    ? (task) => void globalThis.setImmediate(task)
    : (task) => void setTimeout(task, 0)

/** A call waiting for a slot: granted in order, or dropped when its wait is cut short. */
interface Waiter {
  readonly grant: () => void
}

/**
 * At most `max` requests of one client on the wire at once; the others wait their turn, first
 * come first served. Without it, 10 000 `emit()` calls started together open 10 000 connections:
 * past the process's file limit (often 1024) most fail with `EMFILE`, and a Rio behind them
 * serves no faster for the crowd.
 *
 * @example
 * ```ts
 * const slots = new RequestSlots(64)
 * if (!slots.tryTake()) await slots.take(signal)
 * try { await send() } finally { slots.give() }
 * ```
 */
export class RequestSlots {
  readonly #max: number
  #taken = 0
  // A Set keeps insertion order (first come, first served) and drops an aborted waiter in O(1).
  readonly #waiting = new Set<Waiter>()
  /** Resolves `idle()` promises once no slot is taken. */
  #onIdle: (() => void)[] = []

  /** @param max - most requests at once, at least 1 */
  constructor(max: number) {
    this.#max = max
  }

  /** Requests holding a slot now. */
  get taken(): number {
    return this.#taken
  }

  /** Calls waiting for a slot now. */
  get waiting(): number {
    return this.#waiting.size
  }

  /**
   * Takes a slot when one is free and nobody waits for one (so a newcomer never jumps the queue).
   * @returns whether a slot was taken; give it back with {@link RequestSlots.give}
   */
  tryTake(): boolean {
    if (this.#taken >= this.#max || this.#waiting.size > 0) return false
    this.#taken++
    return true
  }

  /**
   * Waits for a slot, in turn.
   * @param signal - gives up waiting when it aborts (no slot is then taken)
   * @returns resolves once the slot is the caller's; give it back with {@link RequestSlots.give}
   * @throws the signal's reason when it aborts first
   */
  take(signal: AbortSignal): Promise<void> {
    if (this.tryTake()) return Promise.resolve()
    return new Promise((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason)
        return
      }
      const onAbort = () => {
        this.#waiting.delete(waiter)
        reject(signal.reason)
      }
      const waiter: Waiter = {
        grant: () => {
          signal.removeEventListener('abort', onAbort)
          resolve()
        },
      }
      this.#waiting.add(waiter)
      signal.addEventListener('abort', onAbort, { once: true })
    })
  }

  /** Gives a slot back: to the first caller waiting, or to the pool. */
  give(): void {
    if (this.#waiting.size === 0) {
      this.#release()
      return
    }
    // Handed on a turn of the event loop later: the answer that freed the slot has just been read,
    // and the HTTP layer puts its connection back in the pool only after that. Handed on at once,
    // the next request would find no idle connection and open one more, every time.
    defer(() => {
      for (const next of this.#waiting) {
        // The slot passes straight on: `taken` stays as it is.
        this.#waiting.delete(next)
        next.grant()
        return
      }
      // Everyone waiting gave up in the meantime.
      this.#release()
    })
  }

  #release(): void {
    this.#taken--
    if (this.#taken === 0 && this.#onIdle.length > 0) {
      const idle = this.#onIdle
      this.#onIdle = []
      for (const resolve of idle) resolve()
    }
  }

  /**
   * Waits until no slot is taken and nobody waits for one: every request started or queued so
   * far has been sent and answered (or failed).
   * @returns resolves at once when idle already
   */
  idle(): Promise<void> {
    if (this.#taken === 0) return Promise.resolve()
    return new Promise((resolve) => this.#onIdle.push(resolve))
  }
}
