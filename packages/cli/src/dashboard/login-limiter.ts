/** Remote addresses tracked at most; beyond it the oldest windows are dropped. */
const MAX_TRACKED = 10_000

interface Window {
  failures: number
  readonly resetAt: number
}

/** A login attempt admitted by {@link LoginLimiter.attempt}, counted as a failure until it succeeds. */
export interface LoginAttempt {
  /** Un-counts the attempt: the token was right. */
  succeeded(): void
}

/**
 * Counts failed dashboard logins per remote address in fixed windows: after `limit` failures the
 * address gets 429 until its window ends, so the admin token cannot be guessed at speed. An attempt
 * counts as a failure from the moment it is admitted until it succeeds, so guesses sent at once
 * (their bodies still arriving, their tokens not yet compared) cannot all slip in before the first
 * failure is counted: at most `limit` are ever checked per window. Memory is bounded by
 * {@link MAX_TRACKED} addresses. Which address a request counts against is the caller's choice
 * (the dashboard's `trustProxy`: behind proxies, the forwarded one).
 */
export class LoginLimiter {
  readonly #windows = new Map<string, Window>()

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

  /**
   * Admits one login attempt from `address` and counts it as a failure, or refuses it.
   * @returns the attempt (call `succeeded()` when the token was right), or the seconds to wait
   *   before the address may try again
   */
  attempt(address: string): LoginAttempt | { retryAfter: number } {
    const now = this.now()
    let window = this.#windows.get(address)
    if (window && now >= window.resetAt) {
      this.#windows.delete(address)
      window = undefined
    }
    if (window && window.failures >= this.limit)
      return { retryAfter: Math.max(1, Math.ceil((window.resetAt - now) / 1000)) }
    if (!window) {
      if (this.#windows.size >= MAX_TRACKED) this.#sweep(now)
      window = { failures: 0, resetAt: now + this.windowMs }
      this.#windows.set(address, window)
    }
    window.failures++
    const counted = window
    return {
      succeeded: () => {
        // Only the window the attempt was counted in; a later one starts from its own count.
        if (this.#windows.get(address) === counted && counted.failures > 0) counted.failures--
      },
    }
  }

  #sweep(now: number): void {
    for (const [address, window] of this.#windows) if (now >= window.resetAt) this.#windows.delete(address)
    for (const address of this.#windows.keys()) {
      if (this.#windows.size < MAX_TRACKED) break
      this.#windows.delete(address)
    }
  }
}
