import type { VerifiedWebhook } from '../verify.js'
import { parsePayload } from './payload.js'

/**
 * A verified webhook as the adapters hand it to a route: `req.webhook` (Express, node:http),
 * `request.webhook` (Fastify), or what `verifyRequest()` resolves to (Web `Request`).
 */
export interface Webhook<TPayload = unknown, TRawBody extends Uint8Array = Uint8Array> {
  /** `webhook-id`: the same on every retry of one message; use it to drop duplicates. */
  id: string
  /** `webhook-timestamp` in Unix seconds. */
  timestamp: number
  /**
   * The body, parsed by its content type: `application/json` → the JSON value;
   * `application/x-www-form-urlencoded` with a single `payload` field holding JSON → that JSON;
   * other form bodies → an object of fields (repeated fields as arrays); anything else → the text.
   * An empty body is `null` (`{}` for a form).
   */
  payload: TPayload
  /** The exact bytes that were signed. */
  rawBody: TRawBody
}

/**
 * Parses a verified body into a {@link Webhook}.
 *
 * @throws WebhookVerificationError `malformed_body` when a JSON body does not parse
 */
export function toWebhook<TRawBody extends Uint8Array>(
  verified: VerifiedWebhook<TRawBody>,
  contentType: unknown,
): Webhook<unknown, TRawBody> {
  return {
    id: verified.id,
    timestamp: verified.timestamp,
    payload: parsePayload(verified.body, contentType),
    rawBody: verified.body,
  }
}
