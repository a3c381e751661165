/**
 * A sliding-window limit: at most `ceil(rate)` starts in any window of `ceil(rate) / rate`
 * seconds — for whole rates, at most `rate` starts in any one second, with no burst beyond it
 * (a token bucket would let twice the rate through in the first second).
 *
 * Every `now` is monotonic time (`performance.now()`, or the injected clock's `monotonic()`): on
 * the wall clock, a step back of an hour would hold the handler's starts back for that hour.
 */
export class RateLimiter {
  readonly #max: number
  readonly #windowMs: number
  /** Start times within the window, oldest first. */
  readonly #starts: number[] = []

  /** @param rate - starts per second (may be fractional: 0.5 is one start every 2 s) */
  constructor(rate: number) {
    this.#max = Math.max(1, Math.ceil(rate))
    this.#windowMs = (this.#max / rate) * 1000
  }

  /** Starts allowed now. */
  available(now: number): number {
    this.#expire(now)
    return this.#max - this.#starts.length
  }

  /** Records `n` starts (the caller checked {@link RateLimiter.available}). */
  take(n: number, now: number): void {
    for (let i = 0; i < n; i++) this.#starts.push(now)
  }

  /** Milliseconds until another start is allowed (0 when one is). */
  waitMs(now: number): number {
    this.#expire(now)
    if (this.#starts.length < this.#max) return 0
    return Math.max(1, Math.ceil(this.#starts[0]! + this.#windowMs - now))
  }

  #expire(now: number): void {
    let drop = 0
    while (drop < this.#starts.length && this.#starts[drop]! <= now - this.#windowMs) drop++
    if (drop > 0) this.#starts.splice(0, drop)
  }
}
