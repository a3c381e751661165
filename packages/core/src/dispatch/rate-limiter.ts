/**
 * A token bucket: `rate` tokens a second, holding at most `max(1, rate)`, so a handler's rate limit
 * is enforced over any one-second window without bursts beyond it.
 */
export class RateLimiter {
  readonly #rate: number
  readonly #capacity: number
  #tokens: number
  #at: number

  constructor(rate: number, now: number) {
    this.#rate = rate
    this.#capacity = Math.max(1, rate)
    this.#tokens = this.#capacity
    this.#at = now
  }

  /** Whole tokens available now. */
  available(now: number): number {
    this.#refill(now)
    return Math.floor(this.#tokens)
  }

  /** Spends `n` tokens (the caller checked {@link RateLimiter.available}). */
  take(n: number, now: number): void {
    this.#refill(now)
    this.#tokens -= n
  }

  /** Milliseconds until the next whole token. */
  waitMs(now: number): number {
    this.#refill(now)
    return this.#tokens >= 1 ? 0 : Math.ceil(((1 - this.#tokens) / this.#rate) * 1000)
  }

  #refill(now: number): void {
    if (now > this.#at) {
      this.#tokens = Math.min(this.#capacity, this.#tokens + ((now - this.#at) / 1000) * this.#rate)
      this.#at = now
    }
  }
}
