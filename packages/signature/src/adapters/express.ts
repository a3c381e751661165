/**
 * Verify Rio webhooks in Express (4 and 5), Connect, or any `(req, res, next)` stack on node:http.
 *
 * @example
 * ```ts
 * import express from 'express'
 * import { verifyWebhook } from '@rio/signature/express'
 *
 * const app = express()
 * app.post('/webhook', verifyWebhook({ secret: process.env.RIO_WEBHOOK_SECRET! }), (req, res) => {
 *   res.json({ received: req.webhook!.id })
 * })
 * ```
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { WebhookVerificationError } from '../errors.js'
import { errorResponse } from './error-response.js'
import { type NodeRequest, verifyNodeRequestWith } from './node-request.js'
import { resolveWebhookOptions, type WebhookOptions } from './options.js'
import type { Webhook } from './webhook.js'

export type { WebhookErrorBody } from './error-response.js'
export type { WebhookOptions } from './options.js'
export type { Webhook } from './webhook.js'

declare global {
  // Express's own extension point for request properties; needs no import of express.
  namespace Express {
    interface Request {
      /** The verified webhook, set by `verifyWebhook()` before the route runs. */
      webhook?: Webhook<unknown, Buffer>
    }
  }
}

/** A `(req, res, next)` middleware, as Express, Connect and similar stacks call it. */
export type WebhookMiddleware = (
  req: IncomingMessage,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void

/**
 * Makes a middleware that verifies the request and sets `req.webhook` (`{ id, timestamp, payload,
 * rawBody }`) before calling `next()`. It reads the raw body itself, so mount it before
 * `express.json()`, or after `express.raw({ type: () => true })`. A refused request gets a JSON
 * `{ error: { code, message } }` with 400 (missing or malformed headers or body), 401 (no matching
 * signature, stale or future timestamp) or 413 (too large), and the route never runs.
 *
 * @param options - `secret` (or several during rotation), `toleranceSeconds` (default 300),
 *   `maxBodyBytes` (default 1 MiB), `now`
 * @returns the middleware
 * @throws WebhookUsageError `invalid_secret` or `invalid_option` at once, for bad options. At
 *   request time, when a body parser has already turned the body into an object, the middleware
 *   calls `next(error)` with a `WebhookUsageError` (`raw_body_unavailable`) that says how to fix the
 *   mounting, and the error handler answers 500.
 * @example
 * ```ts
 * app.post('/webhook/comment/antispam', verifyWebhook({ secret: [oldSecret, newSecret] }), (req, res) => {
 *   const { payload } = req.webhook!
 *   res.json({ is_spam: false })
 * })
 * ```
 */
export function verifyWebhook(options: WebhookOptions): WebhookMiddleware {
  const resolved = resolveWebhookOptions(options)
  return (req, res, next) => {
    verifyNodeRequestWith(req as NodeRequest, resolved).then(
      (webhook) => {
        ;(req as NodeRequest & { webhook?: Webhook<unknown, Buffer> }).webhook = webhook
        next()
      },
      (error: unknown) => {
        if (!(error instanceof WebhookVerificationError)) return next(error)
        const { status, body } = errorResponse(error)
        res.statusCode = status
        res.setHeader('content-type', 'application/json; charset=utf-8')
        res.end(JSON.stringify(body))
      },
    )
  }
}
