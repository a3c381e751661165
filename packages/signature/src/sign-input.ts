import { WebhookUsageError } from './errors.js'
import { WEBHOOK_ID_RULE, webhookIdProblem } from './headers.js'
import { type DecodedSecret, decodeSecret, secretList } from './secret.js'

/** What `sign()` and `signAsync()` sign. */
export interface SignInput {
  /** The message id, unchanged across retries: printable ASCII without `.`, `,` or spaces. */
  id: string
  /** When this attempt is signed: Unix seconds (a non-negative integer below 10^11) or a `Date`. */
  timestamp: number | Date
  /** The exact bytes that will be sent; a string is signed as its UTF-8 bytes. */
  body: string | Uint8Array
  /**
   * One secret or several (each adds a signature, so receivers on the old or the new secret both
   * pass during rotation): `whsec_…` or a raw string for `v1`, `whsk_…` for `v1a`.
   */
  secret: string | readonly string[]
}

/** `SignInput`, checked: the header values and the decoded signing keys. */
export interface CheckedSignInput {
  readonly id: string
  readonly timestampText: string
  /** `{id}.{timestamp}.`, which the body follows in the signed content. */
  readonly prefix: string
  readonly body: string | Uint8Array
  readonly secrets: readonly string[]
}

/**
 * Checks the input of `sign()`/`signAsync()`.
 *
 * @throws WebhookUsageError `invalid_id`, `invalid_timestamp`, `invalid_body` or `invalid_secret`
 */
export function checkSignInput(input: SignInput): CheckedSignInput {
  const { id, timestamp, body, secret } = input
  if (typeof id !== 'string') {
    throw new WebhookUsageError('invalid_id', `sign(): id must be a string, got ${typeof id}`)
  }
  const idProblem = webhookIdProblem(id)
  if (idProblem !== undefined) {
    throw new WebhookUsageError(
      'invalid_id',
      `sign(): id must be ${WEBHOOK_ID_RULE}, such as "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"; ${idProblem}`,
    )
  }
  const seconds = timestamp instanceof Date ? Math.floor(timestamp.getTime() / 1000) : timestamp
  if (typeof seconds !== 'number' || !Number.isSafeInteger(seconds) || seconds < 0) {
    throw new WebhookUsageError(
      'invalid_timestamp',
      `sign(): timestamp must be a Date or a non-negative integer of Unix seconds, got ${String(timestamp)}`,
    )
  }
  // 10^11 s is the year 5138; a number that large is Date.now() passed as seconds by mistake, and
  // every receiver would refuse it as timestamp_too_new.
  if (seconds >= 1e11) {
    throw new WebhookUsageError(
      'invalid_timestamp',
      `sign(): timestamp ${seconds} looks like milliseconds; pass Unix seconds (Math.floor(Date.now() / 1000)) or a Date`,
    )
  }
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) {
    throw new WebhookUsageError('invalid_body', 'sign(): body must be the exact string or bytes to be sent')
  }
  const secrets = secretList(secret)
  if (secrets === undefined || secrets.some((item) => typeof item !== 'string')) {
    throw new WebhookUsageError(
      'invalid_secret',
      'sign(): secret must be a string or a non-empty array of strings',
    )
  }
  const timestampText = String(seconds)
  return { id, timestampText, prefix: `${id}.${timestampText}.`, body, secrets: secrets as readonly string[] }
}

/**
 * Decodes a secret for signing.
 *
 * @throws WebhookUsageError `invalid_secret` for an unusable secret or a public key
 */
export function decodeSigningSecret(
  secret: string,
): Exclude<DecodedSecret, { kind: 'invalid' | 'ed25519-public' }> {
  const decoded = decodeSecret(secret)
  if (decoded.kind === 'invalid') throw new WebhookUsageError('invalid_secret', `sign(): ${decoded.problem}`)
  if (decoded.kind === 'ed25519-public') {
    throw new WebhookUsageError(
      'invalid_secret',
      'sign(): a whpk_ public key cannot sign; sign with the whsk_ private key and give receivers the whpk_ key',
    )
  }
  return decoded
}
