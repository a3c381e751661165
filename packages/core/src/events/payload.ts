import { RioValidationError } from '../errors.js'

const REFUSED_OBJECTS: ReadonlyArray<[new (...args: never[]) => object, string]> = [
  [Map, 'a Map is not JSON (it would be written as {}); convert it with Object.fromEntries(map)'],
  [Set, 'a Set is not JSON (it would be written as {}); convert it with [...set]'],
  [WeakMap, 'a WeakMap is not JSON'],
  [WeakSet, 'a WeakSet is not JSON'],
  [Promise, 'a Promise is not JSON; await it before emitting'],
]

function strict(this: unknown, key: string, value: unknown): unknown {
  // Checked before toJSON() ran: an invalid Date's toJSON() gives null without a word.
  const raw = (this as Record<string, unknown>)[key]
  if (raw instanceof Date && Number.isNaN(raw.getTime())) {
    throw new PayloadError(key, 'an invalid Date is not JSON (it would be written as null)')
  }
  switch (typeof value) {
    case 'number':
      if (!Number.isFinite(value)) throw new PayloadError(key, `${value} is not a JSON number`)
      return value
    case 'undefined':
      // Inside arrays JSON.stringify would silently turn it into null; object keys are dropped as usual.
      if (Array.isArray(this)) throw new PayloadError(key, 'undefined in an array is not JSON')
      return value
    case 'function':
    case 'symbol':
      throw new PayloadError(key, `a ${typeof value} is not JSON`)
    case 'object':
      if (value === null) return value
      for (const [type, problem] of REFUSED_OBJECTS)
        if (value instanceof type) throw new PayloadError(key, problem)
      if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
        throw new PayloadError(
          key,
          `a ${value.constructor.name} is not JSON (it would be written as an object of indexes); send an array or a base64 string`,
        )
      }
      return value
    default:
      return value
  }
}

/**
 * A payload that arrived as JSON text and is stored as that text (minified) rather than written
 * again from its parsed value, because writing it again would change a number
 * (`1234567890123456789`, `1.0`, `1e2`, `-0`). Internal: the HTTP routes build it from a request
 * body they have parsed and validated; whoever reads the payload as a value parses the stored text.
 */
export class PayloadText {
  /** @param text - valid JSON text, without insignificant whitespace */
  constructor(readonly text: string) {}
}

class PayloadError extends Error {
  constructor(
    readonly key: string,
    readonly reason: string,
  ) {
    super(reason)
  }
}

/**
 * Whether JSON.stringify writes `value` faithfully as it is: plain objects (no `toJSON`) and arrays
 * of strings, finite numbers, booleans and null, not nested too deep for a quick walk (a cycle
 * ends up there too). Anything else takes the checking path.
 */
function isPlainJson(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true
    case 'number':
      return Number.isFinite(value)
    case 'object': {
      if (value === null) return true
      if (depth > 64) return false
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!isPlainJson(value[i], depth + 1)) return false
        return true
      }
      const proto = Object.getPrototypeOf(value)
      if (proto !== Object.prototype && proto !== null) return false
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return false
      for (const key in value) {
        if (!Object.hasOwn(value, key)) return false
        if (!isPlainJson((value as Record<string, unknown>)[key], depth + 1)) return false
      }
      return true
    }
    default:
      return false
  }
}

/**
 * Serialises a payload to JSON, refusing what JSON cannot hold faithfully (functions, symbols,
 * `NaN`/`Infinity`, `undefined` in arrays, BigInt, Map and Set, typed arrays and buffers, invalid
 * Dates, cycles) and anything over `maxBytes`. A {@link PayloadText} is stored as its text.
 * @param payload - the value to serialise; `undefined` is stored as `null`
 * @param maxBytes - the largest serialised size accepted, in UTF-8 bytes
 * @returns the JSON text
 * @throws {@link RioValidationError} `invalid_payload` or `payload_too_large`
 */
export function serializePayload(payload: unknown, maxBytes: number): string {
  let json: string | undefined
  if (payload instanceof PayloadText) return withinLimit(payload.text, maxBytes)
  try {
    // Plain data (always so for a parsed request body) needs no replacer: the checks below only
    // matter for values JSON.stringify would change or drop.
    json =
      payload === undefined
        ? 'null'
        : isPlainJson(payload, 0)
          ? JSON.stringify(payload)
          : JSON.stringify(payload, strict)
  } catch (error) {
    const detail =
      error instanceof PayloadError
        ? `${error.reason}${error.key ? ` (at key "${error.key}")` : ''}`
        : (error as Error).message
    throw new RioValidationError('invalid_payload', `the payload is not JSON-serialisable: ${detail}`, {
      cause: error,
    })
  }
  if (json === undefined) {
    throw new RioValidationError(
      'invalid_payload',
      `the payload is not JSON-serialisable (got ${typeof payload})`,
    )
  }
  return withinLimit(json, maxBytes)
}

/**
 * `json` when its UTF-8 size is at most `maxBytes`.
 * @throws {@link RioValidationError} `payload_too_large`
 */
function withinLimit(json: string, maxBytes: number): string {
  // Cheap upper bound first: UTF-8 needs at most 3 bytes per UTF-16 unit.
  if (json.length * 3 > maxBytes) {
    const bytes = Buffer.byteLength(json)
    if (bytes > maxBytes) {
      throw new RioValidationError(
        'payload_too_large',
        `the payload is ${bytes} bytes as JSON, over the limit of ${maxBytes}; send a reference (an id or URL) instead, or raise maxPayloadBytes`,
      )
    }
  }
  return json
}
