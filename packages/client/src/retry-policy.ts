/** The options a {@link RetryPolicy} reads (see {@link ClientOptions}). */
export interface RetryPolicyOptions {
  readonly retries: number
  readonly retryBudgetMs: number
  readonly retryDelayMs: number
  readonly retryMaxDelayMs: number
}

/** What to do after a failed attempt: wait and retry, or stop and say why. */
export type RetryDecision =
  | { readonly retry: true; readonly delayMs: number }
  | { readonly retry: false; readonly reason: 'attempts' | 'budget' | 'retry_after' }

/**
 * When to retry a request that got no answer, a 408, a 5xx or a 429: exponential backoff with
 * jitter, at most `retries` retries, none scheduled past `retryBudgetMs` from the first attempt,
 * and never sooner than Rio's `Retry-After` (itself jittered, so shed clients do not return together).
 *
 * @example
 * ```ts
 * const policy = new RetryPolicy({ retries: 4, retryBudgetMs: 30_000, retryDelayMs: 500, retryMaxDelayMs: 8_000 })
 * policy.decide(1, 120) // { retry: true, delayMs: 250…500 }
 * ```
 */
export class RetryPolicy {
  readonly #options: RetryPolicyOptions
  readonly #random: () => number

  /**
   * @param options - attempts, budget and backoff bounds
   * @param random - numbers in [0, 1) for jitter (default `Math.random`)
   */
  constructor(options: RetryPolicyOptions, random: () => number = Math.random) {
    this.#options = options
    this.#random = random
  }

  /**
   * The backoff before retry number `retry`: `retryDelayMs · 2^(retry-1)`, capped at
   * `retryMaxDelayMs`, then scaled by a random 50–100 % so clients that failed together do not
   * come back together.
   *
   * @param retry - 1 for the first retry
   * @returns the delay in ms
   */
  backoff(retry: number): number {
    const { retryDelayMs, retryMaxDelayMs } = this.#options
    const exponential = Math.min(retryMaxDelayMs, retryDelayMs * 2 ** Math.min(retry - 1, 30))
    return Math.round(exponential * (0.5 + this.#random() / 2))
  }

  /**
   * Decides about the next attempt after attempt number `attempt` failed in a retryable way.
   *
   * @param attempt - the attempt that just failed, 1-based
   * @param elapsedMs - time since the first attempt started
   * @param retryAfterMs - Rio's `Retry-After`, when it sent one: the wait is at least that long
   * @returns retry after `delayMs` (the backoff, cut to the budget left; after a `Retry-After`,
   *   a random 100–150 % of it, or the backoff when longer, within the budget), or stop: out of attempts, out of budget (whatever Rio asked for), or Rio
   *   asked for a wait that reaches past what is left of the budget (`retry_after`)
   */
  decide(attempt: number, elapsedMs: number, retryAfterMs?: number): RetryDecision {
    const { retries, retryBudgetMs } = this.#options
    if (attempt > retries) return { retry: false, reason: 'attempts' }
    const remaining = retryBudgetMs - elapsedMs
    // Checked first: once the budget is spent any Retry-After, even 0, "reaches past" it, but it
    // is the budget that ends the call.
    if (remaining <= 0) return { retry: false, reason: 'budget' }
    // Retrying before Rio's Retry-After only earns another 429; stop now and let the caller
    // (who sees retryAfterMs on the error) reschedule, rather than sleep through the budget.
    if (retryAfterMs !== undefined && retryAfterMs > remaining) return { retry: false, reason: 'retry_after' }
    // The backoff is cut to what is left of the budget, so the last attempt still happens in it.
    const backoff = Math.min(this.backoff(attempt), remaining)
    if (retryAfterMs === undefined) return { retry: true, delayMs: backoff }
    // Rio answers every client it sheds with the same Retry-After: waiting exactly that long would
    // bring them all back in the same instant, to be shed again. Up to half as long again spreads
    // them out (never sooner than asked, nor past the budget).
    const spread = Math.round((retryAfterMs / 2) * this.#random())
    return { retry: true, delayMs: Math.max(backoff, Math.min(retryAfterMs + spread, remaining)) }
  }
}
