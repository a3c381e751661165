import { describe, expect, it } from 'vitest'
import { parseRetryAfter } from '../src/retry-after.ts'

const now = Date.parse('2015-10-21T07:27:00Z')

describe('parseRetryAfter', () => {
  it.each([
    ['0', 0],
    ['1', 1000],
    [' 120 ', 120_000],
    ['Wed, 21 Oct 2015 07:28:00 GMT', 60_000],
    ['Wed, 21 Oct 2015 07:26:00 GMT', 0],
    ['99999999999999999999', Number.MAX_SAFE_INTEGER],
  ])('reads %j as %i ms', (value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms)
  })

  it.each([undefined, '', 'soon', '-1', '1.5', '1 2', 'Wed, 99 Oct 2015 07:28:00 GMT'])(
    'ignores %j',
    (value) => {
      expect(parseRetryAfter(value, now)).toBeUndefined()
    },
  )
})
