/** Most remote addresses tracked at once; beyond it the oldest windows are dropped. */
const MAX_TRACKED = 10_000

/**
 * Counts failed authentications per remote address in fixed windows, so credentials cannot be
 * guessed at full speed: after `limit` failures in a window the address is refused until the window
 * ends. Memory is bounded by {@link MAX_TRACKED} addresses.
 */
export class FailedAuthLimiter {
  readonly #limit: number
  readonly #windowMs: number
  readonly #now: () => number
  readonly #windows = new Map<string, { failures: number; resetAt: number }>()

  /**
   * @param limit - failures allowed per address per window
   * @param windowMs - the window length in ms
   * @param now - the time source (ms)
   */
  constructor(limit: number, windowMs: number, now: () => number = Date.now) {
    this.#limit = limit
    this.#windowMs = windowMs
    this.#now = now
  }

  /** Seconds until `address` may try again, or 0 when it may try now. */
  retryAfter(address: string): number {
    const window = this.#windows.get(address)
    if (!window) return 0
    const now = this.#now()
    if (now >= window.resetAt) {
      this.#windows.delete(address)
      return 0
    }
    return window.failures >= this.#limit ? Math.max(1, Math.ceil((window.resetAt - now) / 1000)) : 0
  }

  /** Records one failed authentication from `address`. */
  fail(address: string): void {
    const now = this.#now()
    const window = this.#windows.get(address)
    if (window && now < window.resetAt) {
      window.failures++
      return
    }
    if (this.#windows.size >= MAX_TRACKED) this.#sweep(now)
    this.#windows.set(address, { failures: 1, resetAt: now + this.#windowMs })
  }

  #sweep(now: number): void {
    for (const [address, window] of this.#windows) if (now >= window.resetAt) this.#windows.delete(address)
    // Still full: drop the oldest entries (Map keeps insertion order).
    for (const address of this.#windows.keys()) {
      if (this.#windows.size < MAX_TRACKED) break
      this.#windows.delete(address)
    }
  }
}
