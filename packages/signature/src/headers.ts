import { type WebhookHeaderName, WebhookVerificationError } from './errors.js'

/**
 * Request headers in any shape a framework hands them over:
 * - a plain object with keys in any case and `string | string[] | undefined` values (`req.headers`
 *   of node:http, Express and Fastify);
 * - a `Headers` instance (fetch, Hono, Next.js, Workers, Deno, Bun);
 * - any Map-like with `get(name)`, which is asked for the lowercase names.
 */
export type WebhookHeadersInput =
  | { get(name: string): string | readonly string[] | null | undefined }
  | Readonly<Record<string, string | readonly string[] | number | undefined>>

/**
 * The headers `sign()` returns and Rio sends; spread them into a request's headers.
 */
// A type, not an interface, so it is assignable to the index-signature shape verify() accepts.
export type WebhookHeaders = {
  /** The message id, the same on every retry: use it to drop duplicates. */
  'webhook-id': string
  /** Unix seconds when this attempt was signed, as a decimal integer. */
  'webhook-timestamp': string
  /** Space-separated `v1,<base64>` (HMAC-SHA256) and `v1a,<base64>` (ed25519) signatures. */
  'webhook-signature': string
}

/** One `<version>,<base64>` entry of `webhook-signature`. */
export interface SignatureEntry {
  readonly version: string
  readonly value: string
}

/** What {@link readWebhookHeaders} found, checked for shape but not yet for freshness or signature. */
export interface ParsedWebhookHeaders {
  readonly id: string
  /** Unix seconds. */
  readonly timestamp: number
  /** The header text, which is what was signed (identical to `String(timestamp)` once parsed). */
  readonly timestampText: string
  readonly signatures: readonly SignatureEntry[]
}

// A larger header is not a sender rotating keys but someone making us verify in a loop.
const MAX_SIGNATURES = 32
// Decimal, no sign, no leading zero, no exponent or fraction, at most 15 digits (a safe integer).
const TIMESTAMP = /^(?:0|[1-9][0-9]{0,14})$/
// Printable ASCII, as Standard Webhooks ids are: anything else cannot be sent as a header value by
// fetch (which throws) or arrives re-encoded. No `.`, since the signed content is
// `{id}.{timestamp}.{body}` and a dot would make it ambiguous; no `,`, which joins repeated lines.
const ID = /^[\x21-\x2b\x2d\x2f-\x7e]+$/

/** The rule {@link webhookIdProblem} checks, for error messages. */
export const WEBHOOK_ID_RULE = 'printable ASCII without ".", "," or spaces'

/**
 * What is wrong with `id` as a `webhook-id`, e.g. `"msg_ł" has the non-ASCII character "ł"
 * (U+0142) at index 4`; `undefined` when it is a valid id (see {@link WEBHOOK_ID_RULE}).
 * `sign()` and `verify()` apply the same rule, so an id one accepts the other does too.
 */
export function webhookIdProblem(id: string): string | undefined {
  if (ID.test(id)) return undefined
  if (id.length === 0) return 'the id is empty'
  for (let i = 0; i < id.length; i++) {
    const code = id.codePointAt(i)!
    if (code > 0x20 && code < 0x7f && code !== 0x2c && code !== 0x2e) continue
    return `${quote(id)} has ${describeCharacter(code)} at index ${i}`
  }
  return undefined
}

function describeCharacter(code: number): string {
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`
  if (code === 0x2e || code === 0x2c) return `"${String.fromCodePoint(code)}"`
  if (code === 0x20) return 'a space'
  if (code < 0x20 || code === 0x7f) return `the control character ${hex}`
  // JSON.stringify escapes a lone surrogate rather than printing a broken character.
  return `the non-ASCII character ${JSON.stringify(String.fromCodePoint(code))} (${hex})`
}

/**
 * Reads and checks the three `webhook-*` headers.
 *
 * @throws WebhookVerificationError `missing_header` or `malformed_header`, naming the header
 */
export function readWebhookHeaders(headers: unknown): ParsedWebhookHeaders {
  const id = readHeader(headers, 'webhook-id')
  const timestampText = readHeader(headers, 'webhook-timestamp')
  const signature = readHeader(headers, 'webhook-signature')
  const idProblem = webhookIdProblem(id)
  if (idProblem !== undefined) {
    throw new WebhookVerificationError(
      'malformed_header',
      `webhook-id must be ${WEBHOOK_ID_RULE} (it is part of the signed "{id}.{timestamp}.{body}"); ${idProblem}`,
      { header: 'webhook-id' },
    )
  }
  if (!TIMESTAMP.test(timestampText)) {
    throw new WebhookVerificationError(
      'malformed_header',
      `webhook-timestamp must be an integer number of Unix seconds, got ${quote(timestampText)}`,
      { header: 'webhook-timestamp' },
    )
  }
  return { id, timestamp: Number(timestampText), timestampText, signatures: parseSignatures(signature) }
}

function parseSignatures(header: string): SignatureEntry[] {
  const parts = header.split(' ')
  if (parts.length > MAX_SIGNATURES) {
    throw new WebhookVerificationError(
      'malformed_header',
      `webhook-signature holds ${parts.length} entries; at most ${MAX_SIGNATURES} are accepted`,
      { header: 'webhook-signature' },
    )
  }
  const entries: SignatureEntry[] = []
  for (const part of parts) {
    const comma = part.indexOf(',')
    if (comma <= 0) continue
    // `Headers.get()` and node:http join repeated header lines with ", ": "v1,a, v1,b". Base64
    // never ends in ",", so a trailing one after the value is the joint, not part of the value.
    const end = part.length - 1 > comma && part.endsWith(',') ? part.length - 1 : part.length
    entries.push({ version: part.slice(0, comma), value: part.slice(comma + 1, end) })
  }
  if (entries.length === 0) {
    throw new WebhookVerificationError(
      'malformed_header',
      'webhook-signature has no "<version>,<base64>" entry (expected e.g. "v1,K5oZfzN95Z9U…")',
      { header: 'webhook-signature' },
    )
  }
  return entries
}

/** The `no_matching_signature` error, saying which kinds of signature and secret were compared. */
export function noMatchingSignature(
  signatures: readonly SignatureEntry[],
  keys: readonly { readonly kind: 'hmac' | 'ed25519' }[],
): WebhookVerificationError {
  const v1 = signatures.filter((entry) => entry.version === 'v1').length
  const v1a = signatures.filter((entry) => entry.version === 'v1a').length
  const hmacKeys = keys.filter((key) => key.kind === 'hmac').length
  const publicKeys = keys.length - hmacKeys
  return new WebhookVerificationError(
    'no_matching_signature',
    `no signature matches: compared ${v1} v1 signature(s) with ${hmacKeys} secret(s) and ${v1a} v1a signature(s) ` +
      `with ${publicKeys} public key(s); check the secret, and that the body is the raw bytes as sent ` +
      '(not re-serialised JSON)',
    { header: 'webhook-signature' },
  )
}

function readHeader(headers: unknown, name: WebhookHeaderName): string {
  let value: unknown
  if (typeof headers === 'object' && headers !== null) {
    const record = headers as Record<string, unknown>
    if (typeof record.get === 'function') {
      value = (record.get as (name: string) => unknown)(name)
    } else {
      value = record[name]
      if (value === undefined) value = findCaseInsensitive(record, name)
    }
  }
  if (Array.isArray(value)) {
    // Several `webhook-signature` lines add up; several ids or timestamps contradict each other.
    if (name === 'webhook-signature') value = value.join(' ')
    else if (value.length === 1) value = value[0]
    else if (value.length > 1) {
      throw new WebhookVerificationError('malformed_header', `${name} was sent ${value.length} times`, {
        header: name,
      })
    }
  }
  if (typeof value === 'number') value = String(value)
  if (value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0)) {
    throw new WebhookVerificationError(
      'missing_header',
      `the ${name} header is missing; Rio sends webhook-id, webhook-timestamp and webhook-signature on every request`,
      { header: name },
    )
  }
  if (typeof value !== 'string') {
    throw new WebhookVerificationError('malformed_header', `${name} must be a string, got ${typeof value}`, {
      header: name,
    })
  }
  return value
}

function findCaseInsensitive(record: Record<string, unknown>, name: string): unknown {
  for (const key of Object.keys(record)) {
    if (key.length === name.length && key.toLowerCase() === name) return record[key]
  }
  return undefined
}

function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)
}
