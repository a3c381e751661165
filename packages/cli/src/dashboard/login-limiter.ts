/** Remote addresses tracked at most; beyond it the oldest windows are dropped. */
const MAX_TRACKED = 10_000

/**
 * Counts failed dashboard logins per remote address in fixed windows: after `limit` failures the
 * address gets 429 until its window ends, so the admin token cannot be guessed at speed. Memory is
 * bounded by {@link MAX_TRACKED} addresses. Behind a proxy every client shares the proxy's address.
 */
export class LoginLimiter {
  readonly #windows = new Map<string, { failures: number; resetAt: number }>()

  /**
   * @param limit - failures allowed per address per window
   * @param windowMs - the window length in ms
   * @param now - the time source (ms)
   */
  constructor(
    readonly limit: number,
    readonly windowMs: number,
    readonly now: () => number,
  ) {}

  /** Seconds until `address` may try again, or 0 when it may try now. */
  retryAfter(address: string): number {
    const window = this.#windows.get(address)
    if (!window) return 0
    const now = this.now()
    if (now >= window.resetAt) {
      this.#windows.delete(address)
      return 0
    }
    return window.failures >= this.limit ? Math.max(1, Math.ceil((window.resetAt - now) / 1000)) : 0
  }

  /** Records one failed login from `address`. */
  fail(address: string): void {
    const now = this.now()
    const window = this.#windows.get(address)
    if (window && now < window.resetAt) {
      window.failures++
      return
    }
    if (this.#windows.size >= MAX_TRACKED) this.#sweep(now)
    this.#windows.set(address, { failures: 1, resetAt: now + this.windowMs })
  }

  #sweep(now: number): void {
    for (const [address, window] of this.#windows) if (now >= window.resetAt) this.#windows.delete(address)
    for (const address of this.#windows.keys()) {
      if (this.#windows.size < MAX_TRACKED) break
      this.#windows.delete(address)
    }
  }
}
