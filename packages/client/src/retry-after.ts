// The day names that open an IMF-fixdate (`Wed,`) or an RFC 850 date (`Wednesday,`).
const DAY_NAME = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)$/
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const MONTH = `(${MONTHS.join('|')})`
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})'
// The three forms of RFC 9110 §5.6.7, all in GMT. Matched exactly: `Date.parse` reads almost
// anything ending in GMT ("5 GMT" is 2005), rolls 31 Feb into March, and reads asctime as local time.
const IMF_FIXDATE = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`)
const RFC_850 = new RegExp(
  `^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`,
)
const ASCTIME = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ${MONTH} ( \\d|\\d{2}) ${TIME} (\\d{4})$`)

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
  const at = httpDate(text, now)
  return at === undefined ? undefined : Math.max(0, at - now)
}

/** An HTTP-date in any of its three forms, as ms since the epoch; undefined for anything else. */
function httpDate(text: string, now: number): number | undefined {
  let m = IMF_FIXDATE.exec(text)
  if (m) return gmt(Number(m[3]), m[2]!, m[1]!, m[4]!, m[5]!, m[6]!)
  m = RFC_850.exec(text)
  if (m) {
    // RFC 9110: a two-digit year that looks more than 50 years ahead is of the previous century.
    const thisYear = new Date(now).getUTCFullYear()
    let year = Math.floor(thisYear / 100) * 100 + Number(m[3])
    if (year > thisYear + 50) year -= 100
    return gmt(year, m[2]!, m[1]!, m[4]!, m[5]!, m[6]!)
  }
  m = ASCTIME.exec(text)
  // asctime (`Sun Nov  6 08:49:37 1994`) names no zone and means GMT.
  if (m) return gmt(Number(m[6]), m[1]!, m[2]!.trim(), m[3]!, m[4]!, m[5]!)
  return undefined
}

/** The instant of a date and time in GMT; undefined for a day or time that does not exist (31 Feb, 25:00). */
function gmt(
  year: number,
  month: string,
  day: string,
  h: string,
  min: string,
  s: string,
): number | undefined {
  const date = new Date(0)
  date.setUTCFullYear(year, MONTHS.indexOf(month), Number(day))
  date.setUTCHours(Number(h), Number(min), Number(s))
  // A leap second (:60) is a real time: it reads as the next second, as it does on most clocks.
  const real = date.getUTCDate() === Number(day) && Number(h) < 24 && Number(min) < 60 && Number(s) <= 60
  return real ? date.getTime() : undefined
}

/**
 * The first element of a comma-joined list of Retry-After values. An IMF-fixdate or RFC 850 date
 * holds a comma of its own, after its day name: that comma does not end the value.
 */
function firstValue(value: string): string {
  const [head = '', second] = value.split(',', 2)
  return second !== undefined && DAY_NAME.test(head.trim()) ? `${head},${second}` : head
}
