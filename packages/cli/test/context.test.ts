import { describe, expect, it } from 'vitest'
import { inTimeZone, TIME_ZONES } from '../../../test/support/time-zone.js'
import { parseSince } from '../src/context.js'
import { UsageError } from '../src/errors.js'

const NOW = Date.UTC(2026, 5, 1, 12, 0, 0)

describe('parseSince', () => {
  it.each([
    ['90s', '2026-06-01T11:58:30.000Z'],
    ['15m', '2026-06-01T11:45:00.000Z'],
    ['2h', '2026-06-01T10:00:00.000Z'],
    ['2 h', '2026-06-01T10:00:00.000Z'],
    ['3d', '2026-05-29T12:00:00.000Z'],
    ['2026-01-31', '2026-01-31T00:00:00.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
    ['2026-01-31T09:30Z', '2026-01-31T09:30:00.000Z'],
    ['2026-01-31T09:30:15.250Z', '2026-01-31T09:30:15.250Z'],
    ['2026-01-31T09:30:00+02:00', '2026-01-31T07:30:00.000Z'],
    ['2026-01-31 09:30:00-0100', '2026-01-31T10:30:00.000Z'],
    ['2026-01-31t09:30z', '2026-01-31T09:30:00.000Z'],
    // Without Z or an offset: UTC, as every time rio prints, and as a date alone has always been.
    ['2026-01-31T09:30', '2026-01-31T09:30:00.000Z'],
    ['2026-01-31 09:30:15', '2026-01-31T09:30:15.000Z'],
    ['2026-01-31T09:30:00.123456789', '2026-01-31T09:30:00.123Z'],
    ['2026-11-22 21:38:06', '2026-11-22T21:38:06.000Z'], // as the dashboard shows a time
    ['2026-03-29T01:30', '2026-03-29T01:30:00.000Z'], // no such local time in London
    ['2026-10-25T01:30', '2026-10-25T01:30:00.000Z'], // twice in London
    ['2026-01-31T00:00:00+13:45', '2026-01-30T10:15:00.000Z'],
    ['2026-01-31T00:00-03:30', '2026-01-31T03:30:00.000Z'],
    ['0000-02-29', '0000-02-29T00:00:00.000Z'], // year 0 is a leap year; Date.UTC reads it as 1900
    ['9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'],
  ])('reads %s as %s', (value, iso) => {
    expect(parseSince(value, NOW).toISOString()).toBe(iso)
  })

  it.each(TIME_ZONES)('reads a time the same when the machine is in %s', async (zone) => {
    await inTimeZone(zone, () => {
      expect(parseSince('2026-01-31T09:30', NOW).toISOString()).toBe('2026-01-31T09:30:00.000Z')
      expect(parseSince('2026-03-29 01:30:00', NOW).toISOString()).toBe('2026-03-29T01:30:00.000Z')
      expect(parseSince('2026-01-31', NOW).toISOString()).toBe('2026-01-31T00:00:00.000Z')
      expect(parseSince('2026-01-31T09:30+02:00', NOW).toISOString()).toBe('2026-01-31T07:30:00.000Z')
      expect(parseSince('2h', NOW).toISOString()).toBe('2026-06-01T10:00:00.000Z')
    })
  })

  it.each([
    '7', // Date.parse: 2001-07-01
    '40', // Date.parse: 2040-01-01
    '2026',
    '2026-1-31',
    '2026-02-30',
    '2026-13-01',
    '2026-01-31T25:00Z',
    '2026-01-31T09:60Z',
    '2026-01-31T24:00',
    '2026-01-31T09:30:60',
    '2026-01-31T09:30+24:00',
    '2026-01-31T09:30+05:60',
    '2025-02-29',
    '1900-02-29',
    '+275760-09-13',
    '-000001-01-01',
    '20260131',
    'Jan 31 2026',
    'Sat, 31 Jan 2026 09:30:00 GMT',
    'yesterday',
    '2w',
    '-2h',
    '999999999d',
    '',
  ])('refuses %j, the accepted forms in its hint (exit 2)', (value) => {
    let error: unknown
    try {
      parseSince(value, NOW)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(UsageError)
    expect((error as UsageError).exitCode).toBe(2)
    expect((error as Error).message).toBe(`cannot read the time "${value}"`)
    expect((error as UsageError).hint).toBe(
      'give an ISO date or a span like 2h or 3d (2026-01-31, 2026-01-31T09:30:00Z, 90s, 15m, 2h, 3d); a date, or a date and time without Z or an offset, is UTC, as rio prints times',
    )
  })
})
