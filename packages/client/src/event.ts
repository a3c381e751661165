import { ValidationError } from './errors.js'
import { serializePayload, utf8Length } from './payload.js'

/** One event for {@link Client.emitMany}. */
export interface EmitEvent {
  /** The event name, e.g. `comment-published`: `^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$`. */
  name: string
  /** Any JSON value: plain objects, arrays, strings, finite numbers, booleans, null. */
  payload: unknown
  /**
   * Makes the emit safe to repeat: Rio stores one event per key and project, and answers a repeat
   * with the first event's id. 1 to 200 visible ASCII characters. Default: derived from the
   * request's own key, so only the client's retries are de-duplicated.
   */
  idempotencyKey?: string
}

/** An event checked and serialised, ready to be put in a request body. */
export interface EncodedEvent {
  /** `{"name":…,"payload":…[,"idempotencyKey":…]}` */
  readonly json: string
  /** UTF-8 size of {@link EncodedEvent.json}. */
  readonly bytes: number
}

const EVENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/
const NAME_RULE =
  'an event name starts with a letter or digit and holds only letters, digits, ".", "_", ":" and "-" (at most 128), e.g. "comment-published"'

/**
 * Checks an event name, payload and idempotency key and serialises the event, before any request.
 *
 * @param event - the event
 * @param maxPayloadBytes - the largest payload accepted, as UTF-8 JSON
 * @param path - where the event sits in the caller's arguments, for messages (`''` for `emit()`,
 *   `events[3]` for `emitMany()`)
 * @returns the event's JSON and its size
 * @throws {@link ValidationError} `invalid_event_name`, `invalid_payload`, `payload_too_large` or
 *   `invalid_idempotency_key`
 */
export function encodeEvent(event: EmitEvent, maxPayloadBytes: number, path = ''): EncodedEvent {
  const at = (field: string) => (path === '' ? field : `${path}.${field}`)
  const { name, payload, idempotencyKey } = event
  if (typeof name !== 'string' || !EVENT_NAME.test(name)) {
    const shown = typeof name === 'string' ? `"${truncate(name)}"` : `of type ${typeof name}`
    throw new ValidationError('invalid_event_name', `${at('name')} ${shown} is invalid: ${NAME_RULE}`, {
      issues: [{ path: at('name'), message: NAME_RULE }],
    })
  }
  const subject = path === '' ? `event "${name}"` : `${path} ("${name}")`
  if (idempotencyKey !== undefined) checkIdempotencyKey(idempotencyKey, at('idempotencyKey'))
  const payloadJson = serializePayload(payload, subject)
  const payloadBytes = utf8Length(payloadJson)
  if (payloadBytes > maxPayloadBytes) {
    throw new ValidationError(
      'payload_too_large',
      `${subject}: the payload is ${payloadBytes} bytes (${formatBytes(payloadBytes)}) as JSON, over maxPayloadBytes (${maxPayloadBytes} bytes); send a reference (an id or URL) instead, or raise maxPayloadBytes if the server accepts more`,
      { issues: [{ path: at('payload'), message: `${payloadBytes} bytes, over ${maxPayloadBytes}` }] },
    )
  }
  const key = idempotencyKey === undefined ? '' : `,"idempotencyKey":${JSON.stringify(idempotencyKey)}`
  const json = `{"name":${JSON.stringify(name)},"payload":${payloadJson}${key}}`
  // Name and key are ASCII by their rules: only the payload's size needs counting.
  return { json, bytes: payloadBytes + json.length - payloadJson.length }
}

/**
 * Checks an idempotency key: it travels in the `Idempotency-Key` header, so 1 to 200 visible
 * ASCII characters.
 *
 * @param key - the key
 * @param path - its name in messages (default `idempotencyKey`)
 * @throws {@link ValidationError} `invalid_idempotency_key`
 */
export function checkIdempotencyKey(key: unknown, path = 'idempotencyKey'): asserts key is string {
  if (typeof key === 'string' && IDEMPOTENCY_KEY.test(key)) return
  const shown = typeof key === 'string' ? `"${truncate(key)}"` : `of type ${typeof key}`
  const rule = 'use 1 to 200 visible ASCII characters without spaces, e.g. a UUID or "order-1234:paid"'
  throw new ValidationError('invalid_idempotency_key', `${path} ${shown} is invalid: ${rule}`, {
    issues: [{ path, message: rule }],
  })
}

/** 1536 → `1.5 KiB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`
}

function truncate(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max)}…` : text
}
