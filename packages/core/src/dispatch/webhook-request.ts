import { sign } from '@rio/signature'
import type { JsonValue, RioEvent } from '../events/event.js'
import type { WebhookHandler, WebhookMethod } from '../handlers/handler.js'
import { compileUrlTemplate } from './url-template.js'

/** An HTTP request ready to send. */
export interface WebhookRequest {
  readonly method: WebhookMethod
  readonly url: string
  readonly headers: Record<string, string>
  readonly body: string | undefined
}

const FORM = 'application/x-www-form-urlencoded'
const SIGNATURE_HEADERS = new Set(['webhook-id', 'webhook-timestamp', 'webhook-signature'])

/**
 * Builds the request for one attempt: URL from the handler's template, body in its content type,
 * Standard Webhooks signature headers over the exact body, the original Rio's `x-rio-event`
 * header, and the handler's static headers (which cannot replace the signature headers).
 * @param options.now - the attempt time in ms (becomes `webhook-timestamp`)
 * @param options.payloadJson - the payload as stored, so `json` bodies are not serialised twice
 */
export function buildWebhookRequest(
  handler: WebhookHandler,
  event: RioEvent,
  options: { now: number; userAgent: string; payloadJson?: string },
): WebhookRequest {
  let url = compileUrlTemplate(handler.url)({
    payload: event.payload,
    event: { id: event.id, name: event.name, project: event.project },
  })
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(handler.headers)) {
    if (!SIGNATURE_HEADERS.has(name.toLowerCase()) && !/[\r\n]/.test(name + value))
      headers[name.toLowerCase()] = value
  }
  let body: string | undefined
  if (handler.method === 'GET') {
    const query = formFields(event.payload, handler.contentType === 'form-payload').toString()
    if (query) url += (url.includes('?') ? '&' : '?') + query
  } else if (handler.contentType === 'json') {
    body = options.payloadJson ?? JSON.stringify(event.payload)
    headers['content-type'] = 'application/json'
  } else {
    body = formFields(event.payload, handler.contentType === 'form-payload').toString()
    headers['content-type'] = FORM
  }
  headers['user-agent'] = options.userAgent
  headers['x-rio-event'] = `uuid=${event.id},project=${event.project},action=${event.name}`
  if (handler.secrets.length > 0) {
    Object.assign(
      headers,
      sign({
        id: event.id,
        timestamp: Math.floor(options.now / 1000),
        body: body ?? '',
        secret: handler.secrets,
      }),
    )
  } else {
    headers['webhook-id'] = event.id
    headers['webhook-timestamp'] = String(Math.floor(options.now / 1000))
  }
  return { method: handler.method, url, headers, body }
}

/**
 * The payload as form fields: top-level keys as fields (what the original Rio sent, so
 * `request.form['content']` works), or the whole JSON in one field `payload`.
 */
function formFields(payload: JsonValue, whole: boolean): URLSearchParams {
  const fields = new URLSearchParams()
  if (whole || payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    if (whole || payload !== null) fields.set('payload', JSON.stringify(payload))
    return fields
  }
  for (const [key, value] of Object.entries(payload)) {
    fields.append(
      key,
      value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value),
    )
  }
  return fields
}
