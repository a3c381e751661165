import { type WebhookError, WebhookUsageError, type WebhookVerificationReason } from '../errors.js'

/** The JSON body the adapters answer a refused request with. */
export interface WebhookErrorBody {
  error: {
    /** The `reason` of the error, e.g. `no_matching_signature`. */
    code: string
    message: string
  }
}

/**
 * The HTTP status for each reason: 400 when the request is not a well-formed webhook, 401 when it
 * is not provably from Rio or not fresh. A typed record, so a new reason without a status does not
 * compile.
 */
export const STATUS_BY_REASON: Readonly<Record<WebhookVerificationReason, 400 | 401 | 413 | 500>> = {
  missing_header: 400,
  malformed_header: 400,
  malformed_body: 400,
  timestamp_too_old: 401,
  timestamp_too_new: 401,
  no_matching_signature: 401,
  body_too_large: 413,
  // Adapters check secrets at set-up; a bad one at request time is the server's fault.
  invalid_secret: 500,
}

/**
 * The HTTP status and JSON body answering a webhook error, for receivers written by hand.
 *
 * @param error - a `WebhookVerificationError` (400/401/413 by its reason, the message included) or
 *   a `WebhookUsageError` (500, details withheld from the client). A `WebhookUsageError` is a
 *   mistake in the receiver's own set-up: log it too, or it goes unseen.
 * @returns `{ status, body }`, the body to send as JSON
 * @example
 * ```ts
 * if (error instanceof WebhookUsageError) console.error(error) // the receiver's set-up: fix it
 * const { status, body } = errorResponse(error)
 * res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
 * ```
 */
export function errorResponse(error: WebhookError): { status: number; body: WebhookErrorBody } {
  if (error instanceof WebhookUsageError) {
    // The sender cannot fix the receiver's set-up; the details are for the server's logs only.
    return {
      status: 500,
      body: { error: { code: error.code, message: 'the webhook receiver is misconfigured; see its logs' } },
    }
  }
  const status = STATUS_BY_REASON[error.code as WebhookVerificationReason] ?? 500
  return { status, body: { error: { code: error.code, message: error.message } } }
}
