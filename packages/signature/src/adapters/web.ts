/**
 * Verify Rio webhooks arriving as a Web `Request`: Hono, Next.js route handlers, Cloudflare Workers,
 * Deno, Bun. Uses WebCrypto only; imports nothing from `node:`.
 *
 * @example
 * ```ts
 * import { verifyRequest, webhookResponse } from '@rio/signature/web'
 *
 * export async function POST(request: Request) {
 *   try {
 *     const webhook = await verifyRequest(request, { secret: process.env.RIO_WEBHOOK_SECRET! })
 *     return Response.json({ received: webhook.id })
 *   } catch (error) {
 *     return webhookResponse(error)
 *   }
 * }
 * ```
 *
 * @module
 */
import { WebhookError, WebhookUsageError, WebhookVerificationError } from '../errors.js'
import { verifyAsync } from '../verify-async.js'
import { errorResponse } from './error-response.js'
import { resolveWebhookOptions, type WebhookOptions } from './options.js'
import { toWebhook, type Webhook } from './webhook.js'

export type { WebhookErrorBody } from './error-response.js'
export type { WebhookOptions } from './options.js'
export type { Webhook } from './webhook.js'

/**
 * Reads the body of `request` (up to `maxBodyBytes`), verifies it with WebCrypto and parses the
 * payload by content type. Call it before anything else reads the body.
 *
 * @param request - the incoming Web `Request`, body unread (Hono: `c.req.raw`)
 * @param options - `secret` (or several during rotation), `toleranceSeconds` (default 300),
 *   `maxBodyBytes` (default 1 MiB), `now`
 * @returns the verified webhook: id, timestamp, payload parsed by content type, raw bytes
 * @throws WebhookVerificationError (as a rejection) when the request is refused; answer with
 *   {@link webhookResponse}
 * @throws WebhookUsageError (as a rejection) `raw_body_unavailable` when the body was already read;
 *   `invalid_secret`/`invalid_option` for bad options
 * @example
 * ```ts
 * // Hono
 * app.post('/webhook', async (c) => {
 *   try {
 *     const { payload } = await verifyRequest(c.req.raw, { secret: c.env.RIO_WEBHOOK_SECRET })
 *     return c.json({ ok: true })
 *   } catch (error) {
 *     return webhookResponse(error)
 *   }
 * })
 * ```
 */
export async function verifyRequest(
  request: Request,
  options: WebhookOptions,
): Promise<Webhook<unknown, Uint8Array>> {
  const resolved = resolveWebhookOptions(options)
  const body = await readBody(request, resolved.maxBodyBytes)
  const verified = await verifyAsync(body, request.headers, resolved.secret, resolved)
  return toWebhook(verified, request.headers.get('content-type'))
}

/**
 * The `Response` for an error from {@link verifyRequest}: JSON `{ error: { code, message } }` with
 * 400 (missing or malformed headers or body), 401 (no matching signature, stale or future
 * timestamp), 413 (too large) or 500 (the receiver's own set-up is wrong).
 *
 * @param error - what `verifyRequest()` rejected with
 * @returns the response to send
 * @throws the `error` itself when it is not a webhook error, so real failures reach the framework's
 *   error handling instead of becoming a quiet 500
 * @example
 * ```ts
 * try { await verifyRequest(request, { secret }) } catch (error) { return webhookResponse(error) }
 * ```
 */
export function webhookResponse(error: unknown): Response {
  if (!(error instanceof WebhookError)) throw error
  const { status, body } = errorResponse(error)
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
  })
}

async function readBody(request: Request, limit: number): Promise<Uint8Array> {
  if (request.bodyUsed) {
    throw new WebhookUsageError(
      'raw_body_unavailable',
      'the request body was already read (e.g. by request.json() or c.req.json()), and the signature covers ' +
        'the raw bytes. Fix: call verifyRequest() before anything reads the body; the parsed payload is on its result',
    )
  }
  if (request.body === null) return new Uint8Array(0)
  const declared = Number(request.headers.get('content-length') ?? Number.NaN)
  if (declared > limit) throw tooLarge(limit)
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel()
      throw tooLarge(limit)
    }
    chunks.push(value)
  }
  if (chunks.length === 1) return chunks[0]!
  const body = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    body.set(chunk, offset)
    offset += chunk.byteLength
  }
  return body
}

function tooLarge(limit: number): WebhookVerificationError {
  return new WebhookVerificationError(
    'body_too_large',
    `the body is larger than maxBodyBytes (${limit} bytes)`,
  )
}
