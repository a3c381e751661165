// The day names that open an IMF-fixdate (`Wed,`) or an RFC 850 date (`Wednesday,`).
const DAY_NAME = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)$/
const ASCTIME = /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/

/**
 * Reads a `Retry-After` header (RFC 9110 §10.2.3): delta-seconds or an HTTP-date, in any of its three
 * forms (IMF-fixdate, RFC 850, asctime). A header sent twice may arrive joined into a list
 * (`5, 5`, as `fetch` joins them): the first value is read, as undici's transport reads the first header.
 *
 * @param value - the header value, or undefined when absent
 * @param now - the current time, in ms since the epoch (default `Date.now()`)
 * @returns the delay in ms (0 for a date in the past), or undefined when absent or unreadable
 * @example
 * ```ts
 * parseRetryAfter('2') // 2000
 * parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('2015-10-21T07:27:00Z')) // 60000
 * ```
 */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  const text = value === undefined ? undefined : firstValue(value).trim()
  if (!text) return undefined
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, Number.MAX_SAFE_INTEGER)
  // Date.parse reads almost anything ("1 2" is a date): only the three HTTP-date forms a
  // recipient must accept (RFC 9110 §5.6.7) are read. IMF-fixdate and RFC 850 end in GMT; asctime
  // (`Sun Nov  6 08:49:37 1994`) has no zone and means GMT, which Date.parse would not assume.
  const at = / GMT$/.test(text)
    ? Date.parse(text)
    : ASCTIME.test(text)
      ? Date.parse(`${text} GMT`)
      : Number.NaN
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

/**
 * The first element of a comma-joined list of Retry-After values. An IMF-fixdate or RFC 850 date
 * holds a comma of its own, after its day name: that comma does not end the value.
 */
function firstValue(value: string): string {
  const [head = '', second] = value.split(',', 2)
  return second !== undefined && DAY_NAME.test(head.trim()) ? `${head},${second}` : head
}
