/**
 * Verify Rio webhooks in Fastify (4 and 5).
 *
 * @example
 * ```ts
 * import Fastify from 'fastify'
 * import rioWebhooks from '@rio/signature/fastify'
 *
 * const app = Fastify()
 * // A scope of its own: the raw-body parser and the check apply only to the routes inside it.
 * app.register(async (scope) => {
 *   await scope.register(rioWebhooks, { secret: process.env.RIO_WEBHOOK_SECRET! })
 *   scope.post('/webhook', async (request) => ({ received: request.webhook.id }))
 * })
 * ```
 *
 * @module
 */
import type { FastifyPluginAsync } from 'fastify'
import { WebhookUsageError, WebhookVerificationError } from '../errors.js'
import { verify } from '../verify.js'
import { errorResponse } from './error-response.js'
import { resolveWebhookOptions, type WebhookOptions } from './options.js'
import { toWebhook, type Webhook } from './webhook.js'

export type { WebhookErrorBody } from './error-response.js'
export type { WebhookOptions } from './options.js'
export type { Webhook } from './webhook.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified webhook, on routes in the scope where `rioWebhooks` is registered. */
    webhook: Webhook<unknown, Buffer>
  }
}

const EMPTY = Buffer.alloc(0)

/**
 * A Fastify plugin for the scope it is registered in: it replaces that scope's body parsers with
 * one that keeps the raw bytes (every content type, up to `maxBodyBytes`), and adds a `preHandler`
 * that verifies each request and sets `request.webhook` (`{ id, timestamp, payload, rawBody }`).
 * A refused request gets a JSON `{ error: { code, message } }` with 400 or 401 and the route never
 * runs; a body over `maxBodyBytes` gets Fastify's own 413.
 *
 * Register it inside `app.register(async (scope) => …)` with the webhook routes, so other routes
 * keep Fastify's JSON parser.
 *
 * @param options - `secret` (or several during rotation), `toleranceSeconds` (default 300),
 *   `maxBodyBytes` (default 1 MiB), `now`
 * @throws WebhookUsageError `invalid_secret` or `invalid_option` when registered with bad options
 * @example
 * ```ts
 * app.register(async (scope) => {
 *   await scope.register(rioWebhooks, { secret: [oldSecret, newSecret] })
 *   scope.post('/webhook/comment/antispam', async (request) => ({ is_spam: false }))
 * })
 * ```
 */
export const rioWebhooks: FastifyPluginAsync<WebhookOptions> = async (fastify, options) => {
  const resolved = resolveWebhookOptions(options)
  fastify.removeAllContentTypeParsers()
  fastify.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: resolved.maxBodyBytes },
    (_request, body, done) => done(null, body),
  )
  if (!fastify.hasRequestDecorator('webhook'))
    fastify.decorateRequest('webhook', null as unknown as Webhook<unknown, Buffer>)
  fastify.addHook('preHandler', async (request, reply) => {
    const body = request.body ?? EMPTY
    if (!Buffer.isBuffer(body)) {
      throw new WebhookUsageError(
        'raw_body_unavailable',
        'request.body is not the raw bytes: a content-type parser added after rioWebhooks parsed it. ' +
          'Register rioWebhooks in a scope of its own and add no parsers there',
      )
    }
    try {
      request.webhook = toWebhook(
        verify(body, request.headers, resolved.secret, resolved),
        request.headers['content-type'],
      )
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error
      const { status, body: answer } = errorResponse(error)
      return reply.code(status).send(answer)
    }
  })
}

// Like fastify-plugin, without the dependency: run in the registering scope rather than a child,
// so the parser and hook reach the routes declared next to the registration.
Object.assign(rioWebhooks, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'rio-webhooks',
})

export default rioWebhooks
