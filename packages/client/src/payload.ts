import { ValidationError } from './errors.js'

const REFUSED_OBJECTS: ReadonlyArray<[new (...args: never[]) => object, string]> = [
  [Map, 'a Map, which JSON turns into {}; convert it with Object.fromEntries(map)'],
  [Set, 'a Set, which JSON turns into {}; convert it with [...set]'],
  [WeakMap, 'a WeakMap, which JSON cannot represent'],
  [WeakSet, 'a WeakSet, which JSON cannot represent'],
  [Promise, 'a Promise; await it before emitting'],
]

/**
 * The deepest nesting of arrays and objects a payload may have (`{}` is 1 level, `{"a":[]}` 2).
 * Rio's HTTP API refuses a body nested deeper than 64 levels (its `maxJsonDepth`) with a 400, and
 * a batch's envelope (`{"events":[{"payload":…}]}`) takes 3 of them: a deeper payload would be
 * refused by Rio only once its batch is sent, after the batches before it were stored. One limit
 * for `emit()` and `emitMany()`, so an event either call accepts, the other does too.
 */
export const MAX_PAYLOAD_DEPTH = 61

/**
 * Serialises an event payload to JSON, refusing what JSON would lose or cannot hold instead of
 * sending something else than the caller meant: BigInt, NaN and ±Infinity (JSON writes `null`),
 * functions and symbols (dropped), Map and Set (written as `{}`), typed arrays and buffers (written as
 * an object of indexes), invalid Dates (written as `null`), cycles, and nesting deeper than
 * {@link MAX_PAYLOAD_DEPTH} levels (which Rio's HTTP API would refuse). `undefined` properties
 * are dropped and `toJSON()` (Date) is honoured, as `JSON.stringify` does.
 *
 * @param payload - the payload given to `emit()`
 * @param subject - names the event in messages, e.g. `payload of "comment-published"`
 * @returns the JSON text
 * @throws {@link ValidationError} `invalid_payload` naming the path of the first bad value
 */
export function serializePayload(payload: unknown, subject: string): string {
  // Plain data (the usual case) is written by JSON.stringify alone; anything the scan is unsure
  // of takes the careful path, which names the offending value's path.
  if (isPlainJson(payload, 0)) return JSON.stringify(payload)
  return serializeCarefully(payload, subject)
}

/**
 * Whether JSON.stringify writes `value` exactly: only plain objects (no `toJSON`, no Map, Set,
 * Promise…), arrays, strings, finite numbers, booleans and null; not too deep for a quick walk.
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
      // An object at depth d is nesting level d + 1: one over the limit takes the careful path.
      if (depth >= MAX_PAYLOAD_DEPTH) return false
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

function serializeCarefully(payload: unknown, subject: string): string {
  // Each object's path, keyed by the object: the replacer sees only (holder, key, value).
  const paths = new WeakMap<object, string>()
  // Each object's nesting level (1 for the payload itself); the wrapper JSON.stringify starts
  // from is in neither map.
  const levels = new WeakMap<object, number>()
  let json: string | undefined
  try {
    json = JSON.stringify(payload, function (this: object, key: string, value: unknown) {
      const holderPath = paths.get(this)
      const path = holderPath === undefined ? 'payload' : `${holderPath}${formatKey(this, key)}`
      const problem = refusal(value) ?? invalidDate((this as Record<string, unknown>)[key])
      if (problem !== undefined) {
        throw new ValidationError('invalid_payload', `${subject}: ${path} is ${problem}`, {
          issues: [{ path, message: `is ${problem}` }],
        })
      }
      if (typeof value === 'object' && value !== null) {
        const level = (levels.get(this) ?? 0) + 1
        if (level > MAX_PAYLOAD_DEPTH) {
          const problem = `nested ${level} levels deep, over the ${MAX_PAYLOAD_DEPTH} a payload may have (Rio's HTTP API reads JSON nested at most 64 levels, and a batch's envelope takes 3); flatten it, or send that part as a JSON string`
          throw new ValidationError('invalid_payload', `${subject}: ${path} is ${problem}`, {
            issues: [{ path, message: `is ${problem}` }],
          })
        }
        paths.set(value, path)
        levels.set(value, level)
      }
      return value
    })
  } catch (error) {
    if (error instanceof ValidationError) throw error
    // What is left is JSON.stringify's own TypeError: a cycle, or a throwing toJSON().
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error)
    throw new ValidationError(
      'invalid_payload',
      `${subject} cannot be written as JSON (${reason}); send plain data: no cycles, no class instances with a throwing toJSON()`,
      { issues: [{ path: 'payload', message: String(reason) }], cause: error },
    )
  }
  if (json === undefined) {
    throw new ValidationError(
      'invalid_payload',
      `${subject} is ${describe(payload)}, which JSON cannot represent; pass null for an event without data`,
      { issues: [{ path: 'payload', message: `is ${describe(payload)}` }] },
    )
  }
  return json
}

/**
 * The number of bytes a string takes as UTF-8, without encoding it.
 *
 * @param text - any string; JSON output never holds lone surrogates, anything else counts 3 bytes each
 * @returns the UTF-8 byte length
 */
export function utf8Length(text: string): number {
  let bytes = text.length
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code < 0x80) continue
    if (code < 0x800) bytes += 1
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length && isLowSurrogate(text, i + 1)) {
      // A surrogate pair: 2 UTF-16 units, 4 bytes.
      bytes += 2
      i++
    } else bytes += 2
  }
  return bytes
}

function isLowSurrogate(text: string, index: number): boolean {
  const code = text.charCodeAt(index)
  return code >= 0xdc00 && code <= 0xdfff
}

function refusal(value: unknown): string | undefined {
  switch (typeof value) {
    case 'bigint':
      return `a BigInt (${value}n), which JSON cannot represent; convert it to a string or a number`
    case 'number':
      return Number.isFinite(value) ? undefined : `${value}, which JSON writes as null; send null or a string`
    case 'function':
      return 'a function, which JSON drops; remove it or send its result'
    case 'symbol':
      return 'a symbol, which JSON drops; send a string instead'
    case 'object':
      if (value === null) return undefined
      for (const [type, problem] of REFUSED_OBJECTS) if (value instanceof type) return problem
      if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
        return `a ${value.constructor.name}, which JSON turns into an object of indexes; send an array (Array.from()) or a base64 string`
      }
      return undefined
    default:
      return undefined
  }
}

/** Checks the value before `toJSON()`: an invalid Date's `toJSON()` gives null without a word. */
function invalidDate(raw: unknown): string | undefined {
  return raw instanceof Date && Number.isNaN(raw.getTime())
    ? 'an invalid Date, which JSON writes as null; send null or a valid Date'
    : undefined
}

function formatKey(holder: object, key: string): string {
  if (Array.isArray(holder)) return `[${key}]`
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`
}

function describe(value: unknown): string {
  return typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`
}
