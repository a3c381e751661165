/**
 * Time zones that catch code assuming UTC: offsets of quarter and half hours on both sides of UTC,
 * more than 12 hours ahead, and zones with daylight saving time (their transitions in 2026: London
 * 29 March 01:00 UTC and 25 October 01:00 UTC; Los Angeles 8 March 10:00 UTC and 1 November 09:00 UTC).
 */
export const TIME_ZONES = [
  'Pacific/Chatham', // +13:45 (+12:45 in the southern winter)
  'America/St_Johns', // −3:30, with DST
  'Asia/Kathmandu', // +5:45
  'Europe/London', // 0 / +1
  'America/Los_Angeles', // −8 / −7
] as const

/**
 * Runs `fn` with the process's time zone set to `zone` (Node applies a change to `process.env.TZ`
 * at once), then restores the zone it had, even when `fn` throws.
 * @example
 * ```ts
 * await inTimeZone('Pacific/Chatham', () => expect(new Date(2026, 0, 1).toISOString()).toBe('2025-12-31T10:15:00.000Z'))
 * ```
 */
export async function inTimeZone<T>(zone: string, fn: () => T | Promise<T>): Promise<T> {
  const before = process.env.TZ
  process.env.TZ = zone
  try {
    return await fn()
  } finally {
    if (before === undefined) delete process.env.TZ
    else process.env.TZ = before
  }
}
