/**
 * Reads a `Retry-After` header: delta-seconds (a non-negative integer) or an HTTP date.
 * @param value - the header value (the first, if repeated)
 * @param now - the current time in ms, for dates
 * @returns the delay in ms (0 for dates in the past), or null when absent or unreadable
 */
export function parseRetryAfter(
  value: string | readonly string[] | undefined | null,
  now: number,
): number | null {
  const text = (typeof value === 'string' ? value : value?.[0])?.trim()
  if (!text) return null
  if (/^\d+$/.test(text)) {
    const seconds = Number(text)
    return Number.isSafeInteger(seconds) ? seconds * 1000 : null
  }
  // Only date-looking values: Date.parse accepts bare numbers like "-1" or "1.5" as years.
  if (!/[a-z]/i.test(text)) return null
  const at = Date.parse(text)
  if (Number.isNaN(at)) return null
  return Math.max(0, at - now)
}
