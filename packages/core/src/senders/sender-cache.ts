import { type Clock, monotonicOf } from '../clock.js'
import type { Sender } from '../store/store.js'

/**
 * Remembers senders looked up for authentication for a short time, so an emit costs no database
 * read for its credentials. Only found senders are kept (a sender created elsewhere works at once);
 * a sender removed through this Rio is forgotten at once, one removed by another process within
 * `ttlMs`.
 */
export class SenderCache {
  readonly #entries = new Map<string, { sender: Sender; until: number }>()
  /** Monotonic ms: a wall clock stepped back an hour must not keep a removed sender for that hour. */
  readonly #now: () => number
  readonly #ttlMs: number
  readonly #max: number
  /** Counts {@link SenderCache.forget} calls: a lookup that a forget overlapped is not kept. */
  #forgets = 0

  /**
   * @param clock - whose monotonic time decides expiry (its `now()` for a clock without one)
   * @param ttlMs - how long a lookup is trusted @default 1000
   * @param max - most senders kept; the oldest entry goes first @default 10000
   */
  constructor(clock: Clock, ttlMs = 1000, max = 10_000) {
    this.#now = monotonicOf(clock)
    this.#ttlMs = ttlMs
    this.#max = max
  }

  /**
   * The cached sender, or what `load` finds — kept when found, unless a {@link SenderCache.forget}
   * came while it loaded: the row it read may be one a removal has deleted since, and keeping it
   * would hand the removed sender to every lookup for `ttlMs`.
   */
  async get(project: string, name: string, load: () => Promise<Sender | null>): Promise<Sender | null> {
    const key = `${project}/${name}`
    const now = this.#now()
    const cached = this.#entries.get(key)
    if (cached && cached.until > now) return cached.sender
    const forgets = this.#forgets
    const sender = await load()
    if (!sender || forgets !== this.#forgets) {
      this.#entries.delete(key)
      return sender
    }
    this.#entries.delete(key)
    if (this.#entries.size >= this.#max) this.#entries.delete(this.#entries.keys().next().value!)
    this.#entries.set(key, { sender, until: now + this.#ttlMs })
    return sender
  }

  /** Drops `project/name`, and keeps no lookup that is under way now (see {@link SenderCache.get}). */
  forget(project: string, name: string): void {
    this.#forgets++
    this.#entries.delete(`${project}/${name}`)
  }
}
