import { encodeBase64 } from './base64.js'
import type { WebhookHeaders } from './headers.js'
import { checkSignInput, type SignInput } from './sign-input.js'
import { signingKey } from './web-crypto-keys.js'

const utf8 = new TextEncoder()

/**
 * Signs a webhook with WebCrypto (`crypto.subtle`), for runtimes without `node:crypto`. Produces
 * exactly the headers {@link sign} does.
 *
 * @param input - `id`, `timestamp` (Unix seconds or `Date`), `body` (the exact bytes sent) and
 *   `secret` (one, or several to sign with each)
 * @returns the `webhook-id`, `webhook-timestamp` and `webhook-signature` headers to send
 * @throws WebhookUsageError (as a rejection) `invalid_id`, `invalid_timestamp`, `invalid_body` or
 *   `invalid_secret`
 * @example
 * ```ts
 * const headers = await signAsync({ id: 'msg_1', timestamp: new Date(), body, secret: env.SECRET })
 * ```
 */
export async function signAsync(input: SignInput): Promise<WebhookHeaders> {
  const { id, timestampText, prefix, body, secrets } = checkSignInput(input)
  const head = utf8.encode(prefix)
  const bytes = typeof body === 'string' ? utf8.encode(body) : body
  const signed = new Uint8Array(head.length + bytes.length)
  signed.set(head)
  signed.set(bytes, head.length)

  const signatures: string[] = []
  for (const secret of secrets) {
    const { kind, key } = await signingKey(secret)
    const algorithm = kind === 'hmac' ? 'HMAC' : 'Ed25519'
    const signature = encodeBase64(
      new Uint8Array(await globalThis.crypto.subtle.sign(algorithm, key, signed)),
    )
    signatures.push(`${kind === 'hmac' ? 'v1' : 'v1a'},${signature}`)
  }
  return { 'webhook-id': id, 'webhook-timestamp': timestampText, 'webhook-signature': signatures.join(' ') }
}
