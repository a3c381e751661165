import { RioValidationError } from '../errors.js'
import { PayloadText } from '../events/payload.js'
import { JsonScanner, type JsonSpan } from './json-scanner.js'

/**
 * A number token `JSON.stringify` might write differently once parsed: `-0`, a fraction ending in 0
 * (`1.0`) or below 10⁻⁶ (`0.0000001`), 16 or more digits (`1234567890123456789`,
 * `0.1000000000000001`), an exponent (`1e2`). Any other number has at most 15 significant digits
 * in fixed notation, which `String(Number(token))` gives back as written. The token must start
 * after `:`, `,` or `[` and end before whitespace, `,`, `]` or `}`, so a time in a string
 * (`"19:00:00.000Z"`) does not match; a number written in a string (`"at: 1e5,"`) can, and the
 * scanner then clears it.
 */
const MAY_ALTER =
  /(?:^|[:,[])\s*(?:-0|-?(?:\d+\.\d*0|\d+\.0{6}\d*|[\d.]{16,}|\d+(?:\.\d+)?[eE][-+]?\d+))(?=[\s,\]}]|$)/

/** Where the payloads are in an emit body. */
export type PayloadPlace =
  /** The whole body is the payload (the original route); index 0. */
  | 'body'
  /** Member `payload` of the body object; index 0. */
  | 'payload'
  /** Member `payload` of each item of the body's `events` array; index i. */
  | 'events'

const NONE: ReadonlyMap<number, PayloadText> = new Map()

/**
 * Whether a number in JSON `text` might not be written back as sent: `false` guarantees every
 * number token survives `JSON.parse` then `JSON.stringify`; `true` may be wrong.
 */
export function mayAlterNumbers(text: string): boolean {
  return MAY_ALTER.test(text)
}

/**
 * The payloads of an emit body that `JSON.stringify` of their parsed value would change (a number
 * that does not read back as written), as their own text with whitespace outside strings removed,
 * by index; the rest are left to be serialised from their value. Most bodies cost one regex test.
 * @param text - the body, already accepted by `JSON.parse` and validated as an emit body
 * @param place - where the payloads are
 * @returns the payloads to store as text, by index (0, or the index in `events`)
 * @throws {@link RioValidationError} `invalid_payload` for a number beyond a 64-bit float (`1e400`)
 */
export function exactPayloads(text: string, place: PayloadPlace): ReadonlyMap<number, PayloadText> {
  if (!mayAlterNumbers(text)) return NONE
  const scanner = new JsonScanner(text)
  const body = scanner.value(0)
  let spans: (JsonSpan | undefined)[]
  if (place === 'body') spans = [body]
  else if (place === 'payload') spans = [scanner.member(body, 'payload')]
  else {
    const events = scanner.member(body, 'events')
    spans = events ? scanner.elements(events).map((item) => scanner.member(item, 'payload')) : []
  }
  const exact = new Map<number, PayloadText>()
  spans.forEach((span, index) => {
    if (!span || scanner.numbersRoundTrip(span)) return
    // JSON.parse reads it as Infinity, which rio.emit() refuses: stored as sent, readers would
    // disagree (a receiver gets 1e400, a function handler Infinity, the management API null).
    const huge = scanner.unrepresentable(span)
    if (huge !== undefined) {
      const where = place === 'events' ? `events[${index}]: ` : ''
      throw new RioValidationError(
        'invalid_payload',
        `${where}the payload holds the number ${huge.length > 40 ? `${huge.slice(0, 40)}…` : huge}, beyond what a 64-bit float can hold; send it as a string`,
      )
    }
    exact.set(index, new PayloadText(scanner.minified(span)))
  })
  return exact
}
