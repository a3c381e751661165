import { WebhookUsageError, WebhookVerificationError } from './errors.js'

/** Options of `verify()` and `verifyAsync()`. */
export interface VerifyOptions {
  /**
   * How far, in seconds, `webhook-timestamp` may be from now, either way. `Infinity` turns the
   * check off (only for replaying stored requests in tests).
   * @default 300
   */
  toleranceSeconds?: number
  /**
   * The current time in milliseconds since the epoch; inject a fixed clock in tests.
   * @default Date.now
   */
  now?: () => number
  /**
   * Refuse bodies longer than this many bytes (UTF-8 bytes for a string body) with
   * `body_too_large`. Adapters default it to 1 MiB and enforce it while reading.
   * @default Infinity
   */
  maxBodyBytes?: number
}

/** Standard Webhooks' default: five minutes either way. */
export const DEFAULT_TOLERANCE_SECONDS = 300

/** {@link VerifyOptions}, checked, with the defaults filled in. */
export interface ResolvedVerifyOptions {
  readonly toleranceSeconds: number
  readonly now: () => number
  readonly maxBodyBytes: number
}

// A call, not `Date.now` itself, so a clock faked after this module loads is still the one read.
const DEFAULT_OPTIONS: ResolvedVerifyOptions = Object.freeze({
  toleranceSeconds: DEFAULT_TOLERANCE_SECONDS,
  now: () => Date.now(),
  maxBodyBytes: Number.POSITIVE_INFINITY,
})

/**
 * Checks every option of `verify()`/`verifyAsync()` before anything else, so a mistake in the
 * calling code is reported as such whatever the request, never as a plain `TypeError` or a refusal.
 *
 * @throws WebhookUsageError `invalid_option`, naming the option and the bad value
 */
export function resolveVerifyOptions(options: unknown): ResolvedVerifyOptions {
  if (options === undefined) return DEFAULT_OPTIONS
  if (typeof options !== 'object' || options === null) {
    throw new WebhookUsageError(
      'invalid_option',
      `options must be an object such as { toleranceSeconds: 300 }, got ${options === null ? 'null' : typeof options}`,
    )
  }
  const {
    toleranceSeconds = DEFAULT_OPTIONS.toleranceSeconds,
    now = DEFAULT_OPTIONS.now,
    maxBodyBytes = DEFAULT_OPTIONS.maxBodyBytes,
  } = options as Record<keyof VerifyOptions, unknown>
  if (typeof toleranceSeconds !== 'number' || Number.isNaN(toleranceSeconds) || toleranceSeconds < 0) {
    throw new WebhookUsageError(
      'invalid_option',
      `toleranceSeconds must be a number >= 0, got ${describe(toleranceSeconds)}`,
    )
  }
  if (typeof now !== 'function') {
    throw new WebhookUsageError(
      'invalid_option',
      `now must be a function returning milliseconds since the epoch (such as () => Date.now()), got ${describe(now)}`,
    )
  }
  if (typeof maxBodyBytes !== 'number' || Number.isNaN(maxBodyBytes) || maxBodyBytes < 0) {
    throw new WebhookUsageError(
      'invalid_option',
      `maxBodyBytes must be a number >= 0, got ${describe(maxBodyBytes)}`,
    )
  }
  return { toleranceSeconds, now: now as () => number, maxBodyBytes }
}

/**
 * Checks that `body` is raw bytes within `maxBodyBytes`.
 *
 * @throws WebhookVerificationError `malformed_body` or `body_too_large`
 */
export function checkBody(body: unknown, maxBodyBytes: number): void {
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) {
    throw new WebhookVerificationError(
      'malformed_body',
      `the body must be the raw request body as a string or Uint8Array, got ${body === null ? 'null' : typeof body}; ` +
        'a parsed JSON object cannot be verified, since re-serialising it changes the bytes',
    )
  }
  if (maxBodyBytes === Number.POSITIVE_INFINITY) return
  const size = typeof body === 'string' ? utf8Length(body, maxBodyBytes) : body.byteLength
  if (size > maxBodyBytes) {
    throw new WebhookVerificationError(
      'body_too_large',
      `the body is larger than maxBodyBytes (${maxBodyBytes} bytes)`,
    )
  }
}

/**
 * Checks `timestamp` (Unix seconds) against the clock and tolerance.
 *
 * @throws WebhookVerificationError `timestamp_too_old` or `timestamp_too_new`
 * @throws WebhookUsageError `invalid_option` when `now()` returns something other than a finite number
 */
export function checkTimestamp(timestamp: number, options: ResolvedVerifyOptions): void {
  const tolerance = options.toleranceSeconds
  const nowMs = options.now()
  if (typeof nowMs !== 'number' || !Number.isFinite(nowMs)) {
    throw new WebhookUsageError(
      'invalid_option',
      `now() must return milliseconds since the epoch, got ${describe(nowMs)}`,
    )
  }
  const now = Math.floor(nowMs / 1000)
  if (now - timestamp > tolerance) {
    throw new WebhookVerificationError(
      'timestamp_too_old',
      `webhook-timestamp is ${now - timestamp} s old, more than the ${tolerance} s tolerance: a replay, or a delivery delayed in transit`,
      { header: 'webhook-timestamp' },
    )
  }
  if (timestamp - now > tolerance) {
    throw new WebhookVerificationError(
      'timestamp_too_new',
      `webhook-timestamp is ${timestamp - now} s in the future, more than the ${tolerance} s tolerance: check both clocks`,
      { header: 'webhook-timestamp' },
    )
  }
}

// Strings quoted, so a number passed as text ("300") does not read like the number it should be;
// objects by kind only, since String() throws for some (Object.create(null)).
function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'an array' : 'an object'
  if (typeof value === 'symbol' || typeof value === 'function') return `a ${typeof value}`
  return String(value)
}

/** UTF-8 length of `text`, counting no further than just past `limit`. */
function utf8Length(text: string, limit: number): number {
  // Every UTF-16 unit is 1–3 UTF-8 bytes (a surrogate pair, two units, is 4).
  if (text.length > limit) return text.length
  if (text.length * 3 <= limit) return text.length
  let bytes = 0
  for (let i = 0; i < text.length && bytes <= limit; i++) {
    const unit = text.charCodeAt(i)
    if (unit < 0x80) bytes += 1
    else if (unit < 0x800) bytes += 2
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1)
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4
        i++
      } else bytes += 3
    } else bytes += 3
  }
  return bytes
}
