import { describe, expect, it } from 'vitest'
import { parseRetryAfter } from '../../src/dispatch/retry-after.js'

const NOW = Date.parse('2015-10-21T07:28:00Z')

describe('parseRetryAfter', () => {
  it.each([
    ['0', 0],
    ['120', 120_000],
    [' 5 ', 5_000],
    ['007', 7_000],
    [['30', '60'], 30_000],
  ] as const)('reads delta-seconds %j as %d ms', (value, expected) => {
    expect(parseRetryAfter(value, NOW)).toBe(expected)
  })

  it.each([
    ['IMF-fixdate', 'Wed, 21 Oct 2015 07:29:30 GMT', 90_000],
    ['IMF-fixdate in lower case', 'wed, 21 oct 2015 07:29:30 gmt', 90_000],
    ['RFC 850', 'Wednesday, 21-Oct-15 07:30:00 GMT', 120_000],
    ['asctime (UTC, not local time)', 'Wed Oct 21 07:28:10 2015', 10_000],
    ['asctime with a malformed day', 'Thu Oct  22 07:28:00 2015', null],
    ['asctime with a padded day', 'Thu Oct 22 07:28:00 2015', 86_400_000],
  ] as const)('reads an HTTP-date (%s)', (_, value, expected) => {
    expect(parseRetryAfter(value, NOW)).toBe(expected)
  })

  // 30 June 2015 ended with the leap second 23:59:60; the year 00 read in 2099 is the next year.
  it.each([
    ['Tue, 30 Jun 2015 23:59:60 GMT', '2015-06-30T23:59:00Z', 60_000],
    ['Tuesday, 30-Jun-15 23:59:60 GMT', '2015-06-30T23:59:00Z', 60_000],
    ['Tue Jun 30 23:59:60 2015', '2015-06-30T23:59:00Z', 60_000],
    ['Friday, 01-Jan-00 00:00:00 GMT', '2099-12-31T23:59:00Z', 60_000],
    ['Sunday, 01-Jan-51 00:00:00 GMT', '2000-12-31T23:59:00Z', 0],
  ])('reads %j at %s as %i ms', (value, at, ms) => {
    expect(parseRetryAfter(value, Date.parse(at))).toBe(ms)
  })

  it('reads a one-digit asctime day padded with a space', () => {
    expect(parseRetryAfter('Sun Nov  1 07:28:00 2015', NOW)).toBe(11 * 86_400_000)
  })

  it.each([
    ['a date in the past', 'Tue, 20 Oct 2015 07:28:00 GMT'],
    ['the current second', 'Wed, 21 Oct 2015 07:28:00 GMT'],
    ['an RFC 850 date from the last century', 'Sunday, 06-Nov-94 08:49:37 GMT'],
  ])('gives 0 for %s', (_, value) => {
    expect(parseRetryAfter(value, NOW)).toBe(0)
  })

  it.each([
    ['absent', undefined],
    ['null', null],
    ['empty', ''],
    ['blank', '   '],
    ['an empty list', []],
    ['negative', '-1'],
    ['fractional', '1.5'],
    ['with a unit', '10s'],
    ['a word', 'soon'],
    ['a bare year Date.parse would accept', 'x 2030'],
    ['an ISO date (not an HTTP-date)', '2030-01-01T00:00:00Z'],
    ['a date with an offset', 'Wed, 21 Oct 2015 07:28:00 +0000'],
    ['a day that does not exist', 'Sat, 31 Feb 2016 07:28:00 GMT'],
    ['an hour that does not exist', 'Wed, 21 Oct 2015 25:28:00 GMT'],
  ] as const)('gives null for %s', (_, value) => {
    expect(parseRetryAfter(value, NOW)).toBeNull()
  })

  it('clamps an absurdly large delta instead of overflowing', () => {
    expect(parseRetryAfter('9'.repeat(30), NOW)).toBe(Number.MAX_SAFE_INTEGER)
  })
})
