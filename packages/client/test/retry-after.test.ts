import { describe, expect, it } from 'vitest'
import { inTimeZone, TIME_ZONES } from '../../../test/support/time-zone.js'
import { parseRetryAfter } from '../src/retry-after.ts'

const now = Date.parse('2015-10-21T07:27:00Z')

describe('parseRetryAfter', () => {
  it.each([
    ['0', 0],
    ['1', 1000],
    [' 120 ', 120_000],
    ['Wed, 21 Oct 2015 07:28:00 GMT', 60_000],
    ['Wed, 21 Oct 2015 07:26:00 GMT', 0],
    // The obsolete forms a recipient must still accept (RFC 9110 §5.6.7); asctime names no zone.
    ['Wednesday, 21-Oct-15 07:28:00 GMT', 60_000],
    ['Wed Oct 21 07:28:00 2015', 60_000],
    ['Sun Nov  1 07:27:00 2015', 11 * 86_400_000],
    ['Wed, 21 Oct 2015 07:27:60 GMT', 60_000], // a leap second
    ['Wednesday, 21-Oct-66 07:28:00 GMT', 0], // 1966: more than 50 years ahead is the century before
    ['99999999999999999999', Number.MAX_SAFE_INTEGER],
    // A header sent twice arrives joined over fetch: the first value counts, as undici takes the first.
    ['5, 5', 5000],
    ['5, 7', 5000],
    ['5,7', 5000],
    ['7, Wed, 21 Oct 2015 07:28:00 GMT', 7000],
    ['Wed, 21 Oct 2015 07:28:00 GMT, Wed, 21 Oct 2015 07:29:00 GMT', 60_000],
    ['Wed, 21 Oct 2015 07:28:00 GMT, 5', 60_000],
    ['Wednesday, 21-Oct-15 07:28:00 GMT, Wednesday, 21-Oct-15 07:29:00 GMT', 60_000],
    ['Wed Oct 21 07:28:00 2015, Wed Oct 21 07:29:00 2015', 60_000],
  ])('reads %j as %i ms', (value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms)
  })

  it.each([
    undefined,
    '',
    'soon',
    '-1',
    '1.5',
    '1 2',
    'Wed, 99 Oct 2015 07:28:00 GMT',
    'Wed Oct 21 07:28:00 2015 +0100',
    '2015-10-21T07:28:00Z',
    // The first value of a list decides; a readable later one does not rescue it.
    ', 5',
    'soon, 5',
    '1.5, 5',
    'Wed, 5',
    'Wed, 99 Oct 2015 07:28:00 GMT, Wed, 21 Oct 2015 07:28:00 GMT',
    'Oct, 21 Oct 2015 07:28:00 GMT',
    // Date.parse would read these (as 0 ms: "5 GMT" is the year 2005, 31 Feb is 3 March).
    '5 GMT',
    'Oct 2015 GMT',
    'Wed, 31 Feb 2015 07:28:00 GMT',
    'Wed, 21 Oct 2015 24:00:00 GMT',
    'Wed, 21 Oct 2015 07:28:00 +0100 GMT',
    'Wed Oct 21 07:28:00 2015 GMT',
    'Wed, 21 Oct 15 07:28:00 GMT',
  ])('ignores %j', (value) => {
    expect(parseRetryAfter(value, now)).toBeUndefined()
  })

  // 30 June 2015 ended with the leap second 23:59:60; a date the day after it, lower case, a century's end.
  it.each([
    ['Tue, 30 Jun 2015 23:59:60 GMT', '2015-06-30T23:59:00Z', 60_000],
    ['Tuesday, 30-Jun-15 23:59:60 GMT', '2015-06-30T23:59:00Z', 60_000],
    ['Tue Jun 30 23:59:60 2015', '2015-06-30T23:59:00Z', 60_000],
    ['Sat, 31 Dec 2016 23:59:60 GMT', '2016-12-31T23:59:59Z', 1000],
    ['wed, 21 oct 2015 07:28:00 gmt', '2015-10-21T07:27:00Z', 60_000],
    ['Friday, 01-Jan-00 00:00:00 GMT', '2099-12-31T23:59:00Z', 60_000],
    ['Sunday, 01-Jan-51 00:00:00 GMT', '2000-12-31T23:59:00Z', 0],
  ])('reads %j at %s as %i ms', (value, at, ms) => {
    expect(parseRetryAfter(value, Date.parse(at))).toBe(ms)
  })

  it.each(TIME_ZONES)('reads every form as GMT when the machine is in %s', async (zone) => {
    await inTimeZone(zone, () => {
      for (const value of [
        'Wed, 21 Oct 2015 07:28:00 GMT',
        'Wednesday, 21-Oct-15 07:28:00 GMT',
        'Wed Oct 21 07:28:00 2015',
      ])
        expect(parseRetryAfter(value, now), value).toBe(60_000)
    })
  })
})
