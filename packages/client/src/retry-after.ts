// The day names that open an IMF-fixdate (`Wed,`) or an RFC 850 date (`Wednesday,`).
const DAY_NAME = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)$/i
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']
const MONTH = `(${MONTHS.join('|')})`
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})'
// The three forms of RFC 9110 §5.6.7, all in GMT. Matched exactly: `Date.parse` reads almost
// anything ending in GMT ("5 GMT" is 2005), rolls 31 Feb into March, and reads asctime as local time.
// In any case, as `@rio/core` reads a receiver's: RFC 9110 asks recipients to be robust in parsing.
const IMF_FIXDATE = new RegExp(
  `^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`,
  'i',
)
const RFC_850 = new RegExp(
  `^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`,
  'i',
)
const ASCTIME = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ${MONTH} ( \\d|\\d{2}) ${TIME} (\\d{4})$`, 'i')

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
    return gmt(twoDigitYear(Number(m[3]), now), m[2]!, m[1]!, m[4]!, m[5]!, m[6]!)
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
  date.setUTCFullYear(year, MONTHS.indexOf(month.toLowerCase()), Number(day))
  // The day is checked before the time is added: a leap second is inserted as 23:59:60 on the last
  // day of a month, and reads as the next second, the first of the next day.
  if (date.getUTCDate() !== Number(day) || Number(h) > 23 || Number(min) > 59 || Number(s) > 60)
    return undefined
  date.setUTCHours(Number(h), Number(min), Number(s))
  return date.getTime()
}

/**
 * The year of an RFC 850 date's two digits (RFC 9110 §5.6.7): the year with those digits that is
 * not more than 50 years after `now` (`66` in 2015 is 1966; `00` in 2099 is 2100).
 */
function twoDigitYear(digits: number, now: number): number {
  const thisYear = new Date(now).getUTCFullYear()
  const year = Math.floor(thisYear / 100) * 100 + digits
  if (year > thisYear + 50) return year - 100
  return year + 100 <= thisYear + 50 ? year + 100 : year
}

/**
 * The first element of a comma-joined list of Retry-After values. An IMF-fixdate or RFC 850 date
 * holds a comma of its own, after its day name: that comma does not end the value.
 */
function firstValue(value: string): string {
  const [head = '', second] = value.split(',', 2)
  return second !== undefined && DAY_NAME.test(head.trim()) ? `${head},${second}` : head
}
