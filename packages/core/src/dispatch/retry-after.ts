const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']
const DAY = '(?:mon|tue|wed|thu|fri|sat|sun)'
const MONTH = '(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)'
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})'
// The three forms RFC 9110 §5.6.7 obliges recipients to accept; all are UTC. Matched strictly
// because Date.parse alone takes almost anything ("x 1" is a year) and reads asctime as local time.
const IMF_FIXDATE = new RegExp(`^${DAY}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`, 'i')
const RFC_850 = new RegExp(`^${DAY}[a-z]*, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`, 'i')
const ASCTIME = new RegExp(`^${DAY} ${MONTH} ( \\d|\\d{2}) ${TIME} (\\d{4})$`, 'i')

/**
 * Reads a `Retry-After` response header (RFC 9110 §10.2.3): delta-seconds (a non-negative
 * integer) or an HTTP-date in any of its three forms (IMF-fixdate, RFC 850, asctime).
 *
 * An HTTP-date is a time on the receiver's clock. When the response's `Date` header (RFC 9110
 * §6.6.1, the same clock) is given and readable, the delay is measured from it, so a receiver whose
 * clock is an hour fast asking for "one minute from now" gets one minute, not an hour and a minute;
 * otherwise it is measured from `now`.
 *
 * @param value - the header value; of a repeated header only the first counts
 * @param now - the current time in ms since the epoch, to turn a date into a delay
 * @param date - the response's `Date` header, if any
 * @returns the delay in ms (0 for a date in the past), or null when absent or unreadable
 * @example
 * ```ts
 * parseRetryAfter('120', Date.now()) // 120_000
 * parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('2015-10-21T07:27:00Z')) // 60_000
 * // The receiver's clock is 10 min fast: measured from its own Date header.
 * parseRetryAfter('Wed, 21 Oct 2015 07:38:00 GMT', Date.parse('2015-10-21T07:27:00Z'), 'Wed, 21 Oct 2015 07:37:00 GMT') // 60_000
 * parseRetryAfter('soon', Date.now()) // null
 * ```
 */
export function parseRetryAfter(
  value: string | readonly string[] | undefined | null,
  now: number,
  date?: string | readonly string[] | undefined | null,
): number | null {
  const text = first(value)
  if (!text) return null
  if (/^\d+$/.test(text)) {
    // A huge delta is still a valid "much later"; clamp rather than overflow. Callers cap it anyway.
    return Math.min(Number(text) * 1000, Number.MAX_SAFE_INTEGER)
  }
  const at = parseHttpDate(text, now)
  if (at === null) return null
  const dateText = first(date)
  const sentAt = dateText ? parseHttpDate(dateText, now) : null
  return Math.max(0, at - (sentAt ?? now))
}

function first(value: string | readonly string[] | undefined | null): string | undefined {
  return (typeof value === 'string' ? value : value?.[0])?.trim()
}

/** An HTTP-date as ms since the epoch, or null. */
function parseHttpDate(text: string, now: number): number | null {
  let m = IMF_FIXDATE.exec(text)
  if (m) return utc(Number(m[3]), m[2]!, m[1]!, m[4]!, m[5]!, m[6]!)
  m = RFC_850.exec(text)
  if (m) {
    return utc(twoDigitYear(Number(m[3]), now), m[2]!, m[1]!, m[4]!, m[5]!, m[6]!)
  }
  m = ASCTIME.exec(text)
  if (m) return utc(Number(m[6]), m[1]!, m[2]!.trim(), m[3]!, m[4]!, m[5]!)
  return null
}

function utc(year: number, month: string, day: string, h: string, min: string, s: string): number | null {
  const date = new Date(0)
  date.setUTCFullYear(year, MONTHS.indexOf(month.toLowerCase()), Number(day))
  // Reject what Date would silently roll over (31 Feb, 25:00:00). The day is checked before the time
  // is added: a leap second is inserted as 23:59:60 on the last day of a month, and reads as the
  // next second, the first of the next day.
  if (date.getUTCDate() !== Number(day) || Number(h) > 23 || Number(min) > 59 || Number(s) > 60) return null
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
