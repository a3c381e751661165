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

/**
 * Checks that `body` is raw bytes within `maxBodyBytes`.
 *
 * @throws WebhookVerificationError `malformed_body` or `body_too_large`
 * @throws WebhookUsageError `invalid_option` for a negative or non-integer `maxBodyBytes`
 */
export function checkBody(body: unknown, options: VerifyOptions | undefined): void {
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) {
    throw new WebhookVerificationError(
      'malformed_body',
      `the body must be the raw request body as a string or Uint8Array, got ${body === null ? 'null' : typeof body}; ` +
        'a parsed JSON object cannot be verified, since re-serialising it changes the bytes',
    )
  }
  const max = options?.maxBodyBytes
  if (max === undefined) return
  if (typeof max !== 'number' || Number.isNaN(max) || max < 0) {
    throw new WebhookUsageError('invalid_option', `maxBodyBytes must be a number >= 0, got ${String(max)}`)
  }
  const size = typeof body === 'string' ? utf8Length(body, max) : body.byteLength
  if (size > max) {
    throw new WebhookVerificationError(
      'body_too_large',
      `the body is larger than maxBodyBytes (${max} bytes)`,
    )
  }
}

/**
 * Checks `timestamp` (Unix seconds) against the clock and tolerance.
 *
 * @throws WebhookVerificationError `timestamp_too_old` or `timestamp_too_new`
 * @throws WebhookUsageError `invalid_option` for a bad `toleranceSeconds` or `now()`
 */
export function checkTimestamp(timestamp: number, options: VerifyOptions | undefined): void {
  const tolerance = options?.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS
  if (typeof tolerance !== 'number' || Number.isNaN(tolerance) || tolerance < 0) {
    throw new WebhookUsageError(
      'invalid_option',
      `toleranceSeconds must be a number >= 0, got ${String(tolerance)}`,
    )
  }
  const nowMs = options?.now === undefined ? Date.now() : options.now()
  if (typeof nowMs !== 'number' || !Number.isFinite(nowMs)) {
    throw new WebhookUsageError(
      'invalid_option',
      `now() must return milliseconds since the epoch, got ${String(nowMs)}`,
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
