/**
 * Verify Rio webhooks arriving at a plain `node:http` server (and anything built on it).
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http'
 * import { WebhookVerificationError } from '@rio/signature'
 * import { errorResponse, verifyNodeRequest } from '@rio/signature/node'
 *
 * createServer(async (req, res) => {
 *   try {
 *     const webhook = await verifyNodeRequest(req, { secret: process.env.RIO_WEBHOOK_SECRET! })
 *     res.end(JSON.stringify({ received: webhook.id }))
 *   } catch (error) {
 *     if (error instanceof WebhookVerificationError) {
 *       const { status, body } = errorResponse(error)
 *       res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
 *     } else {
 *       console.error(error) // set-up mistake, dropped connection or bug; a rethrow would crash the server
 *       res.writeHead(500).end()
 *     }
 *   }
 * })
 * ```
 *
 * @module
 */
import type { IncomingMessage } from 'node:http'
import { verifyNodeRequestWith } from './node-request.js'
import { resolveWebhookOptions, type WebhookOptions } from './options.js'
import type { Webhook } from './webhook.js'

export type { WebhookErrorBody } from './error-response.js'
export { errorResponse, STATUS_BY_REASON } from './error-response.js'
export type { WebhookOptions } from './options.js'
export type { Webhook } from './webhook.js'

/**
 * Reads, verifies and parses a webhook request on `node:http`. Reads the raw body from the stream
 * itself (up to `maxBodyBytes`), or takes bytes a body parser already captured: a `Buffer`/string
 * `req.rawBody`, or a `Buffer`/string `req.body` from `express.raw()`/`express.text()`.
 *
 * @param req - the incoming request, its body not yet read (or read into `req.rawBody`/`req.body`)
 * @param options - `secret` (or several), `toleranceSeconds` (default 300), `maxBodyBytes`
 *   (default 1 MiB), `now`
 * @returns the verified webhook: id, timestamp, payload parsed by content type, raw body
 * @throws WebhookVerificationError (as a rejection) when the request is refused; answer it with
 *   {@link errorResponse}
 * @throws WebhookUsageError (as a rejection) `raw_body_unavailable` when a body parser consumed the
 *   body and kept only a parsed object; `invalid_secret`/`invalid_option` for bad options. Log
 *   these: they are the server's own mistakes, and the sender cannot fix them.
 * @throws the stream's error (as a rejection) when the client drops the connection mid-body
 * @example
 * ```ts
 * try {
 *   const { payload } = await verifyNodeRequest(req, { secret })
 * } catch (error) {
 *   if (!(error instanceof WebhookVerificationError)) {
 *     console.error(error)
 *     return res.writeHead(500).end()
 *   }
 *   const { status, body } = errorResponse(error)
 *   res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
 * }
 * ```
 */
export async function verifyNodeRequest(
  req: IncomingMessage,
  options: WebhookOptions,
): Promise<Webhook<unknown, Buffer>> {
  return verifyNodeRequestWith(req, resolveWebhookOptions(options))
}
