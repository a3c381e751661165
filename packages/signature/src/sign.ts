import { createHmac, createPrivateKey, type KeyObject, sign as signEd25519 } from 'node:crypto'
import type { WebhookHeaders } from './headers.js'
import { ed25519Pkcs8 } from './secret.js'
import { checkSignInput, decodeSigningSecret, type SignInput } from './sign-input.js'

type SigningKey =
  | { readonly kind: 'hmac'; readonly key: Buffer }
  | { readonly kind: 'ed25519'; readonly key: KeyObject }

// Rio signs every delivery: decode each secret once (see the same cache in verify.ts).
const keyCache = new Map<string, SigningKey>()
const KEY_CACHE_LIMIT = 256

/**
 * Signs a webhook on Node (`node:crypto`) the Standard Webhooks way: `v1,<base64 HMAC-SHA256>` for
 * each `whsec_`/raw secret and `v1a,<base64 ed25519>` for each `whsk_` key, over
 * `{id}.{timestamp}.{body}`.
 *
 * @param input - `id`, `timestamp` (Unix seconds or `Date`), `body` (the exact bytes sent) and
 *   `secret` (one, or several to sign with each)
 * @returns the `webhook-id`, `webhook-timestamp` and `webhook-signature` headers to send
 * @throws WebhookUsageError `invalid_id`, `invalid_timestamp`, `invalid_body` or `invalid_secret`
 * @example
 * ```ts
 * const body = JSON.stringify({ comment: { id: 42, text: 'hi' } })
 * const headers = sign({ id: 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W', timestamp: new Date(), body, secret })
 * await fetch(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body })
 * ```
 */
export function sign(input: SignInput): WebhookHeaders {
  const { id, timestampText, prefix, body, secrets } = checkSignInput(input)
  const signatures: string[] = []
  let signed: Buffer | undefined
  for (const secret of secrets) {
    const key = signingKey(secret)
    if (key.kind === 'hmac') {
      signatures.push(`v1,${createHmac('sha256', key.key).update(prefix).update(body).digest('base64')}`)
    } else {
      signed ??= Buffer.concat([Buffer.from(prefix), typeof body === 'string' ? Buffer.from(body) : body])
      signatures.push(`v1a,${signEd25519(null, signed, key.key).toString('base64')}`)
    }
  }
  return { 'webhook-id': id, 'webhook-timestamp': timestampText, 'webhook-signature': signatures.join(' ') }
}

function signingKey(secret: string): SigningKey {
  const cached = keyCache.get(secret)
  if (cached !== undefined) return cached
  const decoded = decodeSigningSecret(secret)
  const key: SigningKey =
    decoded.kind === 'hmac'
      ? { kind: 'hmac', key: Buffer.from(decoded.key) }
      : {
          kind: 'ed25519',
          key: createPrivateKey({
            key: Buffer.from(ed25519Pkcs8(decoded.seed)),
            format: 'der',
            type: 'pkcs8',
          }),
        }
  if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear()
  keyCache.set(secret, key)
  return key
}
