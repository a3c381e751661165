/**
 * Sign and verify Rio webhooks, the Standard Webhooks way (the scheme Svix uses): headers
 * `webhook-id`, `webhook-timestamp` and `webhook-signature`, HMAC-SHA256 (`v1`) or ed25519 (`v1a`)
 * over `{id}.{timestamp}.{body}`, a five-minute freshness window, several secrets during rotation.
 *
 * Receivers use a framework adapter from a subpath — `@rio/signature/express`, `/fastify`, `/node`,
 * `/web` — or call {@link verify} themselves with the raw body. The adapters that need no framework
 * types (`verifyWebhook`, `verifyNodeRequest`, `verifyRequest`, `webhookResponse`) are re-exported
 * here too; the Fastify plugin is only on its subpath.
 *
 * This entry loads `node:crypto`. Where there is none (Workers, Deno, browsers), import
 * {@link verifyAsync}, {@link signAsync}, the error classes and {@link generateSecret} from
 * `@rio/signature/web`, which imports nothing from `node:`.
 *
 * @example
 * ```ts
 * import { sign, verify } from '@rio/signature'
 *
 * const headers = sign({ id: 'msg_1', timestamp: new Date(), body, secret: 'whsec_…' })
 * const { id, timestamp } = verify(body, headers, 'whsec_…')
 * ```
 *
 * @module
 */
export { verifyWebhook, type WebhookMiddleware } from './adapters/express.js'
export { verifyNodeRequest } from './adapters/node.js'
export type { WebhookOptions } from './adapters/options.js'
export { verifyRequest, webhookResponse } from './adapters/web.js'
export type { Webhook } from './adapters/webhook.js'
export {
  WebhookError,
  type WebhookHeaderName,
  WebhookUsageError,
  type WebhookUsageErrorCode,
  WebhookVerificationError,
  type WebhookVerificationReason,
} from './errors.js'
export type { WebhookHeaders, WebhookHeadersInput } from './headers.js'
export { generateKeyPair, type KeyPair } from './key-pair.js'
export { generateSecret } from './secret.js'
export { sign } from './sign.js'
export { signAsync } from './sign-async.js'
export type { SignInput } from './sign-input.js'
export { type VerifiedWebhook, verify } from './verify.js'
export { verifyAsync } from './verify-async.js'
export type { VerifyOptions } from './verify-options.js'
