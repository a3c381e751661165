import type { Clock } from '../clock.js'
import type { Sender } from '../store/store.js'

/**
 * Remembers senders looked up for authentication for a short time, so an emit costs no database
 * read for its credentials. Only found senders are kept (a sender created elsewhere works at once);
 * a sender removed through this Rio is forgotten at once, one removed by another process within
 * `ttlMs`.
 */
export class SenderCache {
  readonly #entries = new Map<string, { sender: Sender; until: number }>()
  readonly #clock: Clock
  readonly #ttlMs: number
  readonly #max: number

  /**
   * @param clock - whose `now()` decides expiry
   * @param ttlMs - how long a lookup is trusted @default 1000
   * @param max - most senders kept; the oldest entry goes first @default 10000
   */
  constructor(clock: Clock, ttlMs = 1000, max = 10_000) {
    this.#clock = clock
    this.#ttlMs = ttlMs
    this.#max = max
  }

  /** The cached sender, or what `load` finds (kept when found). */
  async get(project: string, name: string, load: () => Promise<Sender | null>): Promise<Sender | null> {
    const key = `${project}/${name}`
    const now = this.#clock.now()
    const cached = this.#entries.get(key)
    if (cached && cached.until > now) return cached.sender
    const sender = await load()
    if (!sender) {
      this.#entries.delete(key)
      return null
    }
    this.#entries.delete(key)
    if (this.#entries.size >= this.#max) this.#entries.delete(this.#entries.keys().next().value!)
    this.#entries.set(key, { sender, until: now + this.#ttlMs })
    return sender
  }

  forget(project: string, name: string): void {
    this.#entries.delete(`${project}/${name}`)
  }
}
