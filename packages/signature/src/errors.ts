/**
 * Why a request was refused. Stable: switch on it, never on the message.
 *
 * | reason | meaning |
 * | --- | --- |
 * | `missing_header` | `webhook-id`, `webhook-timestamp` or `webhook-signature` is absent or empty |
 * | `malformed_header` | a header is present but unparseable (a timestamp that is not a plain integer, an id that is not printable ASCII or holds `.`, `,` or a space, no `version,value` entry, more than 32 entries) |
 * | `timestamp_too_old` | `webhook-timestamp` is older than the tolerance (a replay, or a slow queue) |
 * | `timestamp_too_new` | `webhook-timestamp` is further in the future than the tolerance (clock skew) |
 * | `no_matching_signature` | no signature in the header matches any configured secret or public key |
 * | `body_too_large` | the body exceeds `maxBodyBytes` |
 * | `malformed_body` | the body is not raw bytes, or (adapters) its JSON does not parse after a valid signature |
 * | `invalid_secret` | a secret given to `verify()` is empty, not a string, not valid base64, a key of the wrong length, or a `whsk_` private key (receivers verify with the `whpk_` public key) |
 */
export type WebhookVerificationReason =
  | 'missing_header'
  | 'malformed_header'
  | 'timestamp_too_old'
  | 'timestamp_too_new'
  | 'no_matching_signature'
  | 'body_too_large'
  | 'malformed_body'
  | 'invalid_secret'

/** The three headers a signed webhook carries. */
export type WebhookHeaderName = 'webhook-id' | 'webhook-timestamp' | 'webhook-signature'

/**
 * Why the calling code or the server's setup is wrong. Never caused by the request itself.
 *
 * - `invalid_secret`: `sign()` was given an empty, non-base64 or public (`whpk_`) key, or an
 *   adapter was set up with an unusable secret;
 * - `invalid_id` / `invalid_timestamp` / `invalid_body`: bad input to `sign()`;
 * - `invalid_option`: an option such as `toleranceSeconds` has the wrong type or is out of range;
 * - `raw_body_unavailable`: a body parser consumed the request before the adapter could read the
 *   raw bytes the signature covers.
 */
export type WebhookUsageErrorCode =
  | 'invalid_secret'
  | 'invalid_id'
  | 'invalid_timestamp'
  | 'invalid_body'
  | 'invalid_option'
  | 'raw_body_unavailable'

/**
 * The base of every error `@rio/signature` throws; `code` is stable.
 */
export abstract class WebhookError extends Error {
  abstract readonly code: string
}

/**
 * A webhook request was refused: it is not provably from Rio, or not fresh. The only error
 * `verify()` and `verifyAsync()` throw for whatever body, headers or secrets they are given.
 *
 * @example
 * ```ts
 * try {
 *   verify(body, headers, secret)
 * } catch (error) {
 *   if (error instanceof WebhookVerificationError && error.reason === 'timestamp_too_old') {
 *     // a replay, or a delivery that sat in a queue too long
 *   }
 *   throw error
 * }
 * ```
 */
export class WebhookVerificationError extends WebhookError {
  override name = 'WebhookVerificationError'
  /** Why the request was refused; the same value as {@link WebhookVerificationError.code}. */
  readonly reason: WebhookVerificationReason
  /** The header at fault, for `missing_header`, `malformed_header` and the timestamp reasons. */
  readonly header: WebhookHeaderName | undefined

  /**
   * @param reason - why the request was refused
   * @param message - what was wrong and, where there is one, the fix
   * @param options - `header` names the header at fault; `cause` chains a lower-level error
   */
  constructor(
    reason: WebhookVerificationReason,
    message: string,
    options: { header?: WebhookHeaderName; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.reason = reason
    this.header = options.header
  }

  /** The same value as {@link WebhookVerificationError.reason}. */
  get code(): WebhookVerificationReason {
    return this.reason
  }
}

/**
 * The calling code or the server's setup is wrong: a bad argument to `sign()`, an unusable secret
 * given to an adapter, or a body parser mounted before the verifying middleware.
 * Adapters never answer these themselves: they pass them on to the framework's error handler
 * (`next(error)`, Fastify's handler, a rethrow from `webhookResponse()`), which logs them and
 * answers 500, since the sender cannot fix them and the server's owner has to see them.
 */
export class WebhookUsageError extends WebhookError {
  override name = 'WebhookUsageError'
  readonly code: WebhookUsageErrorCode

  /**
   * @param code - what kind of misuse
   * @param message - the subject, the bad value (never a secret) and the fix
   * @param options - `cause` chains a lower-level error
   */
  constructor(code: WebhookUsageErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
  }
}
