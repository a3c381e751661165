import { describe, expect, it } from 'vitest'
import { inTimeZone, TIME_ZONES } from '../../../../test/support/time-zone.js'
import { ManualClock, RioValidationError } from '../../src/index.js'
import { makeRio } from '../helpers.js'

/** A Rio holding one event (and its delivery) from each of 00:30, 01:30 and 02:30 UTC on 29 March 2026. */
async function rioOfOneNight() {
  const clock = new ManualClock(Date.parse('2026-03-29T00:30:00Z'))
  const rio = makeRio({ clock })
  await rio.webhook('tick', { url: 'http://127.0.0.1:9/hook' })
  for (const at of ['00:30', '01:30', '02:30']) {
    clock.set(Date.parse(`2026-03-29T${at}:00Z`))
    await rio.emit('tick', { at })
  }
  return rio
}

describe('time filters of listEvents() and listDeliveries()', () => {
  it.each([
    ['listEvents', 'since', new Date('31.01.2026')],
    ['listEvents', 'until', new Date(Number.NaN)],
    ['listDeliveries', 'since', new Date(8.64e15 + 1)], // past the last Date,
    ['listEvents', 'since', '2026-03-29' as unknown as Date],
    ['listDeliveries', 'since', Date.parse('2026-03-29T00:00:00Z') as unknown as Date],
  ] as const)(
    'refuses %s({ %s: %s }) with invalid_argument instead of listing nothing',
    async (method, field, value) => {
      const rio = await rioOfOneNight()
      const error = await (method === 'listEvents'
        ? rio.listEvents({ [field]: value })
        : rio.listDeliveries({ [field]: value })
      ).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(RioValidationError)
      expect(error).toMatchObject({ code: 'invalid_argument', issues: [{ path: [field] }] })
      expect((error as Error).message).toMatch(
        new RegExp(`^${method}\\(\\) needs ${field} as a valid Date \\(got (Invalid Date|string|number)\\)`),
      )
    },
  )

  it.each(TIME_ZONES)('selects the same instants when the process runs in %s', async (zone) => {
    await inTimeZone(zone, async () => {
      const rio = await rioOfOneNight()
      const events = await rio.listEvents({
        since: new Date('2026-03-29T01:30:00Z'),
        until: new Date('2026-03-29T02:30:00Z'),
      })
      expect(events.map((e) => e.payload)).toEqual([{ at: '01:30' }])
      const deliveries = await rio.listDeliveries({ since: new Date('2026-03-29T01:00:00Z') })
      expect(deliveries.map((d) => d.createdAt.toISOString())).toEqual([
        '2026-03-29T02:30:00.000Z',
        '2026-03-29T01:30:00.000Z',
      ])
    })
  })
})
