import { sign } from '@rio/signature'
import type { JsonValue, RioEvent } from '../events/event.js'
import type { WebhookHandler, WebhookMethod } from '../handlers/handler.js'
import { compileUrlTemplate } from './url-template.js'

/**
 * An HTTP request ready to send.
 * @typeParam B - the body's type: text, or bytes when built with a `bodies` cache
 */
export interface WebhookRequest<B extends string | Uint8Array = string | Uint8Array> {
  readonly method: WebhookMethod
  /** Absolute URL, placeholders filled; for GET with the payload fields in the query. */
  readonly url: string
  /** Lower-case names. */
  readonly headers: Record<string, string>
  /**
   * The exact bytes signed; undefined for GET. Bytes (not text) when the caller shares its
   * `bodies` cache: one buffer then goes to every delivery of the event, never a copy each.
   */
  readonly body: B | undefined
}

/** Options of {@link buildWebhookRequest}. */
export interface BuildWebhookRequestOptions {
  /** The attempt time in ms since the epoch; becomes `webhook-timestamp` (in seconds). */
  readonly now: number
  /** The `user-agent` header, e.g. `Rio/1.2.3`; a handler's static `user-agent` header replaces it. */
  readonly userAgent: string
  /** The payload already serialised (as stored), so `json` bodies are not serialised again. */
  readonly payloadJson?: string
  /**
   * The event's bodies built so far, by content type, as UTF-8 bytes: pass the same map for every
   * delivery of one event and each body is built, encoded and held once, however many handlers
   * receive it. Without it the body is a string, which the HTTP client encodes into a buffer of its
   * own per request: 200 handlers of an 8 MiB event then held 1.6 GB at once.
   */
  readonly bodies?: Map<string, Uint8Array>
}

const JSON_TYPE = 'application/json'
const FORM_TYPE = 'application/x-www-form-urlencoded'
// Headers Rio computes from the request itself: a static header of the same name is dropped, so a
// handler definition can never forge or break the signature, the event header or the body's type.
const RIO_HEADERS = new Set([
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'x-rio-event',
  'content-type',
])
// Framing and hop-by-hop headers belong to the HTTP client; undici refuses most of them outright.
const TRANSPORT_HEADERS = new Set([
  'connection',
  'content-length',
  'expect',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
])
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
// Control characters other than tab: CR/LF would split headers (request smuggling), NUL truncates.
const BAD_VALUE = /[\u0000-\u0008\u000a-\u001f\u007f]/
const staticHeadersCache = new WeakMap<object, readonly (readonly [string, string])[]>()

/**
 * Builds the HTTP request for one attempt of a webhook delivery:
 *
 * - URL from the handler's template (see {@link compileUrlTemplate});
 * - body per `handler.contentType`: `json` = the payload as JSON; `form` = the payload's top-level
 *   keys as `application/x-www-form-urlencoded` fields (strings as is, numbers and booleans as
 *   text, null as empty, objects and arrays as JSON; any other payload as one field `payload`), which
 *   is what the original Rio sent, so `request.form['content']` receivers work; `form-payload` = the
 *   JSON in one field `payload`. GET sends no body and puts the same fields in the query (for `json`,
 *   the `form` fields);
 * - Standard Webhooks headers `webhook-id` (the event id, stable across retries), `webhook-timestamp`
 *   and, when the handler has secrets, `webhook-signature` over the exact body (the empty string for
 *   GET), signed with every secret so receivers can rotate;
 * - `x-rio-event: uuid=<id>,project=<project>,action=<name>` (the original Rio header), `user-agent`,
 *   and the handler's static headers, which cannot replace `webhook-*`, `x-rio-event` or
 *   `content-type`; static headers with an invalid name or a control character in the value are
 *   left out.
 *
 * @param handler - the webhook handler
 * @param event - the event being delivered
 * @param options - see {@link BuildWebhookRequestOptions}
 * @returns the request, for `WebhookSender.send`
 * @throws RioValidationError (`invalid_handler`) for a URL template that does not compile;
 *   `WebhookUsageError` from `@rio/signature` for an unusable secret. Both fail every attempt alike.
 * @example
 * ```ts
 * const req = buildWebhookRequest(handler, event, { now: Date.now(), userAgent: 'Rio/1.0.0' })
 * const result = await sender.send(req, { timeoutMs: handler.timeoutMs })
 * ```
 */
export function buildWebhookRequest(
  handler: WebhookHandler,
  event: RioEvent,
  options: BuildWebhookRequestOptions & { readonly bodies?: undefined },
): WebhookRequest<string>
export function buildWebhookRequest(
  handler: WebhookHandler,
  event: RioEvent,
  options: BuildWebhookRequestOptions,
): WebhookRequest
export function buildWebhookRequest(
  handler: WebhookHandler,
  event: RioEvent,
  options: BuildWebhookRequestOptions,
): WebhookRequest {
  // Only a template reads the payload: a plain URL leaves a stored JSON payload unparsed.
  let url = handler.url.includes('{{')
    ? compileUrlTemplate(handler.url)({ payload: event.payload, event })
    : handler.url
  const headers: Record<string, string> = { 'user-agent': options.userAgent }
  for (const [name, value] of staticHeaders(handler.headers)) headers[name] = value

  let body: string | Uint8Array | undefined
  if (handler.method === 'GET') {
    url = withQuery(url, formFields(event.payload, handler.contentType === 'form-payload'))
  } else {
    body = bodyOf(handler.contentType, event, options)
    headers['content-type'] = handler.contentType === 'json' ? JSON_TYPE : FORM_TYPE
  }

  headers['x-rio-event'] = `uuid=${event.id},project=${event.project},action=${event.name}`
  const timestamp = Math.floor(options.now / 1000)
  if (handler.secrets.length > 0) {
    const signed = sign({ id: event.id, timestamp, body: body ?? '', secret: handler.secrets })
    headers['webhook-id'] = signed['webhook-id']
    headers['webhook-timestamp'] = signed['webhook-timestamp']
    headers['webhook-signature'] = signed['webhook-signature']
  } else {
    headers['webhook-id'] = event.id
    headers['webhook-timestamp'] = String(timestamp)
  }
  return { method: handler.method, url, headers, body }
}

/** The body of a POST/PUT: from the `bodies` cache when given (built and encoded there once), else as text. */
function bodyOf(
  contentType: WebhookHandler['contentType'],
  event: RioEvent,
  options: BuildWebhookRequestOptions,
): string | Uint8Array {
  const cached = options.bodies?.get(contentType)
  if (cached) return cached
  const text =
    contentType === 'json'
      ? (options.payloadJson ?? JSON.stringify(event.payload))
      : formFields(event.payload, contentType === 'form-payload')
  if (!options.bodies) return text
  const bytes = Buffer.from(text, 'utf8')
  options.bodies.set(contentType, bytes)
  return bytes
}

/** The usable static headers, lower-cased; computed once per handler headers object. */
function staticHeaders(input: Readonly<Record<string, string>>): readonly (readonly [string, string])[] {
  let list = staticHeadersCache.get(input)
  if (list) return list
  const kept: (readonly [string, string])[] = []
  for (const [rawName, value] of Object.entries(input)) {
    const name = rawName.toLowerCase()
    if (typeof value !== 'string' || !TOKEN.test(name) || BAD_VALUE.test(value)) continue
    if (RIO_HEADERS.has(name) || TRANSPORT_HEADERS.has(name)) continue
    kept.push([name, value])
  }
  list = kept
  staticHeadersCache.set(input, list)
  return list
}

/** The payload as a form: top-level keys as fields, or the whole JSON in one field `payload`. */
function formFields(payload: JsonValue, whole: boolean): string {
  const fields = new URLSearchParams()
  if (whole || payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    fields.set('payload', JSON.stringify(payload))
    return fields.toString()
  }
  for (const key of Object.keys(payload)) {
    const value = payload[key]!
    fields.append(
      key,
      value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value),
    )
  }
  return fields.toString()
}

/** Appends a query string before any fragment, after any query the template already has. */
function withQuery(url: string, query: string): string {
  if (!query) return url
  const hash = url.indexOf('#')
  const base = hash === -1 ? url : url.slice(0, hash)
  const fragment = hash === -1 ? '' : url.slice(hash)
  const separator = !base.includes('?') ? '?' : base.endsWith('?') || base.endsWith('&') ? '' : '&'
  return `${base}${separator}${query}${fragment}`
}
