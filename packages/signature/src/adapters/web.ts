/**
 * Verify Rio webhooks arriving as a Web `Request` (Hono, Next.js route handlers, Cloudflare Workers,
 * Deno, Bun), and sign or verify them by hand where `node:crypto` is missing. Uses WebCrypto only;
 * imports nothing from `node:`, unlike the package root, which loads `node:crypto`.
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
import { WebhookUsageError, WebhookVerificationError } from '../errors.js'
import { verifyAsync } from '../verify-async.js'
import { errorResponse, STATUS_BY_REASON } from './error-response.js'
import { resolveWebhookOptions, type WebhookOptions } from './options.js'
import { toWebhook, type Webhook } from './webhook.js'

export {
  WebhookError,
  type WebhookHeaderName,
  WebhookUsageError,
  type WebhookUsageErrorCode,
  WebhookVerificationError,
  type WebhookVerificationReason,
} from '../errors.js'
export type { WebhookHeaders, WebhookHeadersInput } from '../headers.js'
export { generateSecret } from '../secret.js'
export { signAsync } from '../sign-async.js'
export type { SignInput } from '../sign-input.js'
export type { VerifiedWebhook } from '../verify.js'
export { verifyAsync } from '../verify-async.js'
export type { VerifyOptions } from '../verify-options.js'
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
 *   `invalid_secret`/`invalid_option` for bad options. {@link webhookResponse} rethrows these, so
 *   they reach the framework's error handler and its logs.
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
 * The `Response` refusing a request {@link verifyRequest} rejected: JSON
 * `{ error: { code, message } }` with 400 (missing or malformed headers or body), 401 (no matching
 * signature, stale or future timestamp) or 413 (too large).
 *
 * @param error - what `verifyRequest()` (or `verifyAsync()`) rejected with
 * @returns the response to send
 * @throws the `error` itself when the request is not at fault: a `WebhookUsageError` (a body read
 *   before `verifyRequest()`, a bad secret or option), an `invalid_secret` refusal, or any other
 *   error. The sender cannot fix these, so they go to the framework's error handler, which logs
 *   them and answers 500, instead of becoming a 500 nobody sees.
 * @example
 * ```ts
 * try { await verifyRequest(request, { secret }) } catch (error) { return webhookResponse(error) }
 * ```
 */
export function webhookResponse(error: unknown): Response {
  if (!(error instanceof WebhookVerificationError && STATUS_BY_REASON[error.reason] < 500)) throw error
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
