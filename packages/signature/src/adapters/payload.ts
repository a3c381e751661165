import { WebhookVerificationError } from '../errors.js'

const text = new TextDecoder()

/**
 * Parses a verified body by its `content-type`, for each body type Rio sends: `json`
 * (`application/json`), `form-payload` (a form whose one field, `payload`, holds the JSON) and
 * `form` (the payload's fields as form fields).
 *
 * @throws WebhookVerificationError `malformed_body` when a JSON body does not parse
 */
export function parsePayload(body: Uint8Array, contentType: unknown): unknown {
  const type = mediaType(contentType)
  if (type === 'application/x-www-form-urlencoded') return parseForm(body)
  if (body.length === 0) return null
  const decoded = text.decode(body)
  if (type === 'application/json' || type.endsWith('+json')) return parseJson(decoded)
  return decoded
}

function parseForm(body: Uint8Array): unknown {
  const fields = new Map<string, string | string[]>()
  for (const [key, value] of new URLSearchParams(text.decode(body))) {
    const seen = fields.get(key)
    fields.set(key, seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value])
  }
  const only = fields.size === 1 ? fields.get('payload') : undefined
  if (typeof only === 'string') {
    try {
      return JSON.parse(only)
    } catch {
      // Not Rio's form-payload shape after all: an ordinary form with a field named "payload".
    }
  }
  // fromEntries defines own properties, so a field named "__proto__" stays a field.
  return Object.fromEntries(fields)
}

function parseJson(source: string): unknown {
  try {
    return JSON.parse(source)
  } catch (error) {
    throw new WebhookVerificationError(
      'malformed_body',
      `the JSON body is signed correctly but is not valid JSON: ${(error as Error).message}`,
      { cause: error },
    )
  }
}

function mediaType(contentType: unknown): string {
  const value = Array.isArray(contentType) ? contentType[0] : contentType
  if (typeof value !== 'string') return ''
  const semicolon = value.indexOf(';')
  return (semicolon === -1 ? value : value.slice(0, semicolon)).trim().toLowerCase()
}
