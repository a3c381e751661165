import { z } from 'zod'
import { formatIssues, RioValidationError } from '../errors.js'

/** Options of {@link RetryPolicy}. */
export interface RetryPolicyOptions {
  /**
   * Delays in ms before each attempt; its length is the number of attempts. The first entry is
   * the delay before the first attempt, which Rio makes at once (Svix lists it as "immediately").
   * @default [0, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h]
   */
  schedule?: readonly number[]
  /** Up to this fraction is added to each delay (never subtracted, so no retry comes early). @default 0.2 */
  jitter?: number
  /** The most a `Retry-After` hint can delay the next attempt, in ms. @default 36000000 (10 h) */
  maxRetryAfterMs?: number
  /** A timeout or a 429 waits at least this long, in ms. @default 60000 */
  throttleMinDelayMs?: number
  /** Random numbers in [0, 1), for tests. @default Math.random */
  random?: () => number
}

/** What went wrong with the attempt that just failed. */
export interface FailedAttempt {
  /** Attempts made so far in this round, including the one that just failed. */
  readonly attempts: number
  /** A per-handler schedule overriding the policy's; null or absent uses the policy's. */
  readonly schedule?: readonly number[] | null
  /** The HTTP status of a webhook's answer; null when none arrived (network error, function handler). */
  readonly status?: number | null
  /** The attempt ran out of time: waits at least `throttleMinDelayMs`, as the endpoint is probably overloaded. */
  readonly timedOut?: boolean
  /** From a `Retry-After` header, in ms; only heeded with status 429 or 503. */
  readonly retryAfterMs?: number | null
  /**
   * From a function handler's `RetryLaterError`, in ms: replaces the schedule's step (shorter or
   * longer, capped at `maxRetryAfterMs`); the schedule still bounds the number of attempts.
   */
  readonly requestedDelayMs?: number | null
}

/** Retry after `delayMs`, or give up. */
export type RetryDecision = { readonly retry: true; readonly delayMs: number } | { readonly retry: false }

const ms = z.number().nonnegative()
const schema = z.object({
  schedule: z.array(ms).min(1).max(100),
  jitter: ms,
  maxRetryAfterMs: ms,
  throttleMinDelayMs: ms,
  random: z.custom<() => number>((v) => typeof v === 'function', 'must be a function'),
})

/** Svix's schedule: 8 attempts over about 27 hours. */
const DEFAULT_SCHEDULE = [0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]

/**
 * Decides when a failed delivery is tried again. Attempt n + 1 comes `schedule[n]` ms after
 * attempt n failed; after `schedule.length` attempts the delivery is dead. A `Retry-After` hint on
 * 429/503 can lengthen (never shorten) the wait, up to `maxRetryAfterMs`; timeouts and 429s wait at
 * least `throttleMinDelayMs`; jitter then multiplies the delay by 1 + `jitter` × random(), so it
 * spreads a burst of retries out without ever bringing one forward.
 *
 * @example
 * ```ts
 * const policy = new RetryPolicy({ schedule: [0, 1000, 60_000] })
 * policy.next({ attempts: 1, status: 500 }) // { retry: true, delayMs: 1000..1200 }
 * policy.next({ attempts: 3, status: 500 }) // { retry: false }
 * ```
 */
export class RetryPolicy {
  readonly #options: Required<RetryPolicyOptions>

  /**
   * @param options - see {@link RetryPolicyOptions}; every field has a default
   * @throws {@link RioValidationError} (`invalid_options`) naming the bad field, e.g.
   *   `invalid retry policy options: schedule.2: …`
   */
  constructor(options: RetryPolicyOptions = {}) {
    const parsed = schema.safeParse({
      schedule: options.schedule ?? DEFAULT_SCHEDULE,
      jitter: options.jitter ?? 0.2,
      maxRetryAfterMs: options.maxRetryAfterMs ?? 36_000_000,
      throttleMinDelayMs: options.throttleMinDelayMs ?? 60_000,
      random: options.random ?? Math.random,
    })
    if (!parsed.success) {
      throw new RioValidationError(
        'invalid_options',
        `invalid retry policy options: ${formatIssues(parsed.error.issues)}`,
        {
          issues: parsed.error.issues,
        },
      )
    }
    this.#options = parsed.data
  }

  /**
   * Decides what happens after a failed attempt.
   * @param failed - what the attempt that just failed reported; see {@link FailedAttempt}
   * @returns `{ retry: true, delayMs }` (the next attempt's delay from now), or `{ retry: false }`
   *   when the schedule is used up and the delivery is dead
   */
  next(failed: FailedAttempt): RetryDecision {
    const options = this.#options
    const schedule = failed.schedule ?? options.schedule
    if (failed.attempts >= schedule.length) return { retry: false }
    let delay = schedule[Math.max(0, failed.attempts)] ?? 0
    const requested = failed.requestedDelayMs
    if (isDelay(requested)) {
      // A function handler's RetryLaterError names the delay itself: it replaces the step, shorter or longer.
      delay = Math.min(requested, options.maxRetryAfterMs)
    } else if ((failed.status === 429 || failed.status === 503) && isDelay(failed.retryAfterMs)) {
      // Retry-After only ever lengthens the wait; the cap stops an endpoint parking a delivery for days.
      delay = Math.max(delay, Math.min(failed.retryAfterMs, options.maxRetryAfterMs))
    }
    if (failed.timedOut || failed.status === 429) delay = Math.max(delay, options.throttleMinDelayMs)
    if (options.jitter > 0 && delay > 0) {
      const r = options.random()
      // Clamped so a misbehaving random() can neither bring a retry forward nor exceed the jitter.
      delay += delay * options.jitter * (r > 0 ? Math.min(r, 1) : 0)
    }
    // Rounded up: a retry is never scheduled before its step.
    return { retry: true, delayMs: Math.ceil(delay) }
  }
}

function isDelay(value: number | null | undefined): value is number {
  return typeof value === 'number' && value >= 0 && Number.isFinite(value)
}
