/** Where a JSON value lies in its text: `text.slice(start, end)`. */
export interface JsonSpan {
  readonly start: number
  readonly end: number
}

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c
const COLON = 0x3a

/** JSON's whitespace, the only characters {@link JsonScanner.minified} drops. */
function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09
}

/**
 * Reads positions in JSON text that `JSON.parse` has already accepted, so that a value can be taken
 * as it was written instead of as `JSON.stringify` would write it again. It does not validate: on
 * other text its answers are undefined. Loops, not recursion, so nesting depth costs no stack.
 *
 * @example
 * ```ts
 * const scanner = new JsonScanner('{ "payload": { "id": 1.0 } }')
 * const payload = scanner.member(scanner.value(0), 'payload')!
 * scanner.minified(payload) // '{"id":1.0}'
 * ```
 */
export class JsonScanner {
  constructor(readonly text: string) {}

  /** The span of the value that starts at `at`, after any whitespace. */
  value(at: number): JsonSpan {
    const start = this.#skipSpace(at)
    return { start, end: this.#valueEnd(start) }
  }

  /**
   * The span of the value of member `key` of the object at `object`, or `undefined` when it has
   * none (or is no object). A repeated key gives its last value, the one `JSON.parse` keeps; keys
   * are compared unescaped (`"payl\u006fad"` is `payload`).
   */
  member(object: JsonSpan, key: string): JsonSpan | undefined {
    const { text } = this
    if (text[object.start] !== '{') return undefined
    let found: JsonSpan | undefined
    let at = this.#skipSpace(object.start + 1)
    while (text.charCodeAt(at) === QUOTE) {
      const keyEnd = this.#stringEnd(at)
      const raw = text.slice(at, keyEnd)
      const name = raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1)
      // The colon, then the value.
      const value = this.value(this.#skipSpace(keyEnd) + 1)
      if (name === key) found = value
      at = this.#afterComma(value.end)
    }
    return found
  }

  /** The spans of the elements of the array at `array`, in order; `[]` when it is no array. */
  elements(array: JsonSpan): JsonSpan[] {
    const { text } = this
    const spans: JsonSpan[] = []
    if (text[array.start] !== '[') return spans
    let at = this.#skipSpace(array.start + 1)
    while (at < array.end - 1) {
      const value = this.value(at)
      spans.push(value)
      at = this.#afterComma(value.end)
    }
    return spans
  }

  /**
   * Whether every number token in `span` reads back as written (`String(Number(token)) === token`),
   * so `JSON.stringify` of the parsed value writes the same numbers. Text inside strings is not read.
   */
  numbersRoundTrip(span: JsonSpan): boolean {
    for (const token of this.#numbers(span)) if (String(Number(token)) !== token) return false
    return true
  }

  /**
   * The first number token in `span` too large for a 64-bit float (`1e400`, 400 digits), which
   * `JSON.parse` reads as `Infinity`; `undefined` when there is none.
   */
  unrepresentable(span: JsonSpan): string | undefined {
    for (const token of this.#numbers(span)) if (!Number.isFinite(Number(token))) return token
    return undefined
  }

  /** The number tokens in `span`, in order, as written; text inside strings is not read. */
  *#numbers(span: JsonSpan): Generator<string> {
    const { text } = this
    for (let i = span.start; i < span.end; i++) {
      const c = text.charCodeAt(i)
      if (c === QUOTE) i = this.#stringEnd(i) - 1
      else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
        const end = this.#tokenEnd(i)
        yield text.slice(i, end)
        i = end - 1
      }
    }
  }

  /** The text of `span` without whitespace outside strings; strings and numbers as written. */
  minified(span: JsonSpan): string {
    const { text } = this
    let out = ''
    let run = span.start
    for (let i = span.start; i < span.end; i++) {
      const c = text.charCodeAt(i)
      if (c === QUOTE) i = this.#stringEnd(i) - 1
      else if (isSpace(c)) {
        out += text.slice(run, i)
        while (i + 1 < span.end && isSpace(text.charCodeAt(i + 1))) i++
        run = i + 1
      }
    }
    return out + text.slice(run, span.end)
  }

  #skipSpace(at: number): number {
    while (isSpace(this.text.charCodeAt(at))) at++
    return at
  }

  /** Past the comma after a member or element, and the whitespace around it. */
  #afterComma(at: number): number {
    at = this.#skipSpace(at)
    return this.text.charCodeAt(at) === COMMA ? this.#skipSpace(at + 1) : at
  }

  /** Past the closing quote of the string whose opening quote is at `at`. */
  #stringEnd(at: number): number {
    const { text } = this
    for (let i = at + 1; ; i++) {
      const c = text.charCodeAt(i)
      if (c === BACKSLASH) i++
      else if (c === QUOTE || Number.isNaN(c)) return i + 1
    }
  }

  /** Past a number or literal (`true`, `false`, `null`) starting at `at`. */
  #tokenEnd(at: number): number {
    const { text } = this
    let i = at
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i)
      if (isSpace(c) || c === COMMA || c === COLON || c === 0x5d || c === 0x7d) break
    }
    return i
  }

  /** Past the value starting at `at`: a string, a whole object or array, or a token. */
  #valueEnd(at: number): number {
    const { text } = this
    const first = text.charCodeAt(at)
    if (first === QUOTE) return this.#stringEnd(at)
    if (first !== 0x5b && first !== 0x7b) return this.#tokenEnd(at)
    let depth = 0
    for (let i = at; i < text.length; i++) {
      const c = text.charCodeAt(i)
      if (c === QUOTE) i = this.#stringEnd(i) - 1
      else if (c === 0x5b || c === 0x7b) depth++
      else if ((c === 0x5d || c === 0x7d) && --depth === 0) return i + 1
    }
    return text.length
  }
}
