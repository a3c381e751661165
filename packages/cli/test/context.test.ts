import { describe, expect, it } from 'vitest'
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
  ])('reads %s as %s', (value, iso) => {
    expect(parseSince(value, NOW).toISOString()).toBe(iso)
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
      'give an ISO date or a span like 2h or 3d (2026-01-31, 2026-01-31T09:30:00Z, 90s, 15m, 2h, 3d); a date and time without Z or an offset is local time',
    )
  })
})
