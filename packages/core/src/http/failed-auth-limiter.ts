/** Most remote addresses tracked at once; beyond it the oldest windows are dropped. */
const MAX_TRACKED = 10_000

/**
 * Counts failed authentications per remote address in fixed windows, so credentials cannot be
 * guessed at full speed: after `limit` failures in a window the address is refused until the window
 * ends. Memory is bounded by {@link MAX_TRACKED} addresses.
 *
 * A slow check (a sender's scrypt) is reserved with {@link acquire} before it starts and counts as a
 * failure until it succeeds, so an address cannot start hundreds of checks at once before the first
 * failure is counted. Concurrent checks of the same credentials share one reservation (and one
 * scrypt), so a client that opens with a burst of correct requests is not held back.
 */
export class FailedAuthLimiter {
  readonly #limit: number
  readonly #windowMs: number
  readonly #now: () => number
  readonly #windows = new Map<string, { failures: number; resetAt: number }>()
  /**
   * Checks in progress per address: credentials key → requests waiting on it. Entries live only
   * while their requests do, so the map is bounded by the requests in progress.
   */
  readonly #pending = new Map<string, Map<string, number>>()

  /**
   * @param limit - failures allowed per address per window
   * @param windowMs - the window length in ms
   * @param now - the time source (ms); monotonic by default, so a step of the wall clock neither
   *   locks an address out for as long as the step back nor lets it guess again early
   */
  constructor(limit: number, windowMs: number, now: () => number = () => performance.now()) {
    this.#limit = limit
    this.#windowMs = windowMs
    this.#now = now
  }

  /** Seconds until `address` may try again, or 0 when it may try now. */
  retryAfter(address: string): number {
    const window = this.#window(address)
    if (!window || window.failures < this.#limit) return 0
    return Math.max(1, Math.ceil((window.resetAt - this.#now()) / 1000))
  }

  /**
   * Reserves a slow check of `credentials` (a key naming them, e.g. a hash) from `address`. Checks
   * in progress count as failures, except that a check of credentials already being checked joins
   * that one. Call {@link release} once the check has finished, whatever its outcome.
   * @returns 0 when the check may start, else the seconds to wait
   */
  acquire(address: string, credentials: string): number {
    const wait = this.retryAfter(address)
    if (wait > 0) return wait
    let pending = this.#pending.get(address)
    const joined = pending?.get(credentials)
    if (pending && joined !== undefined) {
      pending.set(credentials, joined + 1)
      return 0
    }
    // The checks in progress finish within a second or so, freeing their reservations.
    if ((this.#window(address)?.failures ?? 0) + (pending?.size ?? 0) >= this.#limit) return 1
    if (!pending) {
      pending = new Map()
      this.#pending.set(address, pending)
    }
    pending.set(credentials, 1)
    return 0
  }

  /** Ends a reservation made with {@link acquire}; a failed check is recorded with {@link fail} as well. */
  release(address: string, credentials: string): void {
    const pending = this.#pending.get(address)
    const waiting = pending?.get(credentials)
    if (!pending || waiting === undefined) return
    if (waiting > 1) pending.set(credentials, waiting - 1)
    else if (pending.delete(credentials) && pending.size === 0) this.#pending.delete(address)
  }

  /** Records one failed authentication from `address`. */
  fail(address: string): void {
    const now = this.#now()
    const window = this.#windows.get(address)
    if (window && now < window.resetAt) {
      window.failures++
      return
    }
    // A new window goes to the end, so the map stays in order of expiry (every window is as long).
    if (window) this.#windows.delete(address)
    this.#evict(now)
    this.#windows.set(address, { failures: 1, resetAt: now + this.#windowMs })
  }

  /** The current window of `address`, dropping an expired one. */
  #window(address: string): { failures: number; resetAt: number } | undefined {
    const window = this.#windows.get(address)
    if (window && this.#now() >= window.resetAt) {
      this.#windows.delete(address)
      return undefined
    }
    return window
  }

  /**
   * Drops the expired windows, which lead the map, and when it is still full the oldest live ones:
   * a few steps per new window, where a scan of every window would cost each failure from a new
   * address {@link MAX_TRACKED} steps once the map is full.
   */
  #evict(now: number): void {
    for (const [address, window] of this.#windows) {
      if (now < window.resetAt && this.#windows.size < MAX_TRACKED) break
      this.#windows.delete(address)
    }
  }

  /** Addresses with a window right now (at most {@link MAX_TRACKED}), for tests. */
  get tracked(): number {
    return this.#windows.size
  }
}
