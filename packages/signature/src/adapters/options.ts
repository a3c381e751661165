import { WebhookUsageError } from '../errors.js'
import { decodeSecret, secretList } from '../secret.js'
import type { VerifyOptions } from '../verify-options.js'

/** Options of every receiver adapter (`verifyWebhook`, `rioWebhooks`, `verifyNodeRequest`, `verifyRequest`). */
export interface WebhookOptions {
  /**
   * The secret, or several during rotation (old and new; a request passes if it matches any):
   * `whsec_…` or a raw string for `v1` signatures, `whpk_…` public keys for `v1a`.
   */
  secret: string | readonly string[]
  /**
   * How far, in seconds, `webhook-timestamp` may be from now, either way.
   * @default 300
   */
  toleranceSeconds?: number
  /**
   * Larger bodies are refused with 413 `body_too_large`, before they are read in full.
   * @default 1048576 (1 MiB)
   */
  maxBodyBytes?: number
  /**
   * The current time in milliseconds since the epoch; inject a fixed clock in tests.
   * @default Date.now
   */
  now?: () => number
}

/** {@link WebhookOptions}, checked once, with defaults filled in. */
export interface ResolvedWebhookOptions extends VerifyOptions {
  readonly secret: readonly string[]
  readonly maxBodyBytes: number
}

/** The adapters' default body limit: 1 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024

/**
 * Checks adapter options once, when the adapter is set up, so a bad secret fails at start-up rather
 * than on the first request.
 *
 * @throws WebhookUsageError `invalid_secret` or `invalid_option`
 */
export function resolveWebhookOptions(options: WebhookOptions): ResolvedWebhookOptions {
  if (typeof options !== 'object' || options === null) {
    throw new WebhookUsageError(
      'invalid_option',
      'webhook options must be an object with at least { secret }',
    )
  }
  const list = secretList(options.secret)
  if (list === undefined) {
    throw new WebhookUsageError(
      'invalid_secret',
      'the `secret` option must be a secret string or a non-empty array of them (e.g. process.env.RIO_WEBHOOK_SECRET)',
    )
  }
  list.forEach((secret, index) => {
    const decoded = decodeSecret(secret)
    const which = list.length > 1 ? `secret[${index}]` : 'secret'
    if (decoded.kind === 'invalid')
      throw new WebhookUsageError('invalid_secret', `${which}: ${decoded.problem}`)
    if (decoded.kind === 'ed25519-private') {
      throw new WebhookUsageError(
        'invalid_secret',
        `${which} is a whsk_ private key; receivers verify with the whpk_ public key from generateKeyPair()`,
      )
    }
  })
  const { toleranceSeconds, maxBodyBytes = DEFAULT_MAX_BODY_BYTES, now } = options
  if (toleranceSeconds !== undefined && !(typeof toleranceSeconds === 'number' && toleranceSeconds >= 0)) {
    throw new WebhookUsageError(
      'invalid_option',
      `toleranceSeconds must be a number >= 0, got ${String(toleranceSeconds)}`,
    )
  }
  if (!(typeof maxBodyBytes === 'number' && Number.isInteger(maxBodyBytes) && maxBodyBytes >= 0)) {
    throw new WebhookUsageError(
      'invalid_option',
      `maxBodyBytes must be an integer >= 0, got ${String(maxBodyBytes)}`,
    )
  }
  if (now !== undefined && typeof now !== 'function') {
    throw new WebhookUsageError(
      'invalid_option',
      'now must be a function returning milliseconds since the epoch',
    )
  }
  return Object.freeze({
    secret: Object.freeze([...list]) as readonly string[],
    toleranceSeconds,
    maxBodyBytes,
    now,
  })
}
