import { describe, expect, it } from 'vitest'
import { inTimeZone, TIME_ZONES } from '../../../../test/support/time-zone.js'
import { ManualClock } from '../../src/index.js'
import { admin, call, postJson, startApi } from './api-server.js'

/** An API over events emitted at 23:30 on 28 March and 00:30, 01:30 and 02:30 UTC on 29 March 2026. */
async function apiOfOneNight() {
  const clock = new ManualClock(Date.parse('2026-03-28T23:30:00Z'))
  const api = await startApi({ rio: { clock } })
  for (const at of ['2026-03-28T23:30', '2026-03-29T00:30', '2026-03-29T01:30', '2026-03-29T02:30']) {
    clock.set(Date.parse(`${at}:00Z`))
    await api.rio.emit('tick', { at })
  }
  const hook = await api.rio.webhook('tick', { url: 'http://127.0.0.1:9/hook' })
  return { ...api, hook }
}

describe('times in the API, whatever the server’s time zone', () => {
  it.each(TIME_ZONES)('filters by the same instants when the server runs in %s', async (zone) => {
    await inTimeZone(zone, async () => {
      const { url } = await apiOfOneNight()
      const list = async (query: string) => {
        const res = await call(`${url}/api/v1/events?${query}`, { headers: admin })
        expect(res.status, query).toBe(200)
        return res.body.data.map((e: { payload: { at: string }; createdAt: string }) => [
          e.payload.at,
          e.createdAt,
        ])
      }
      // A date alone is midnight UTC, not the server's midnight.
      expect(await list('since=2026-03-29&until=2026-03-29T01:00:00Z')).toEqual([
        ['2026-03-29T00:30', '2026-03-29T00:30:00.000Z'],
      ])
      // 01:30 London time does not exist that night; with its offset a time is one instant anywhere.
      expect(
        (await list(`since=${encodeURIComponent('2026-03-29T02:30:00+01:00')}`)).map(([at]: string[]) => at),
      ).toEqual(['2026-03-29T02:30', '2026-03-29T01:30'])
      expect(
        (await list(`until=${encodeURIComponent('2026-03-29T14:16:00+13:45')}`)).map(([at]: string[]) => at),
      ).toEqual(['2026-03-29T00:30', '2026-03-28T23:30'])
    })
  })

  it('refuses a date and time without an offset, saying to add one, rather than read it in the server’s zone', async () => {
    await inTimeZone('Pacific/Chatham', async () => {
      const { url, hook } = await apiOfOneNight()
      for (const path of [
        '/api/v1/events?since=2026-03-29T01:30',
        '/api/v1/deliveries?since=2026-03-29T01:30:00',
      ]) {
        const res = await call(`${url}${path}`, { headers: admin })
        expect(res.status, path).toBe(400)
        expect(res.body.error.issues[0], path).toEqual({
          path: 'since',
          message: expect.stringContaining('date and time with Z or an offset (2024-05-01T12:00:00Z'),
        })
      }
      const recover = await postJson(
        `${url}/api/v1/handlers/${hook.id}/recover`,
        { since: '2026-03-29T01:30' },
        admin,
      )
      expect(recover.status).toBe(400)
      expect(recover.body.error.issues[0].message).toContain('with Z or an offset')
    })
  })

  it('reads every real day of the proleptic Gregorian calendar and refuses the rest', async () => {
    const { url } = await apiOfOneNight()
    const status = async (since: string) =>
      (await call(`${url}/api/v1/events?since=${encodeURIComponent(since)}`, { headers: admin })).status
    for (const real of ['0000-02-29', '0004-02-29', '2000-02-29', '9999-12-31T23:59:59.999+14:00'])
      expect(await status(real), real).toBe(200)
    for (const unreal of [
      '1900-02-29',
      '0100-02-29',
      '2026-02-29',
      '2026-04-31',
      '+275760-09-13',
      '-000001-01-01',
      // JavaScript reads 24:00 as the next day and 23:59:60 as nothing; the CLI and dashboard refuse both.
      '2026-03-29T24:00Z',
      '2026-03-29T24:00:00+01:00',
      '2026-03-29T23:59:60Z',
      '2026-03-29T01:00+24:00',
    ])
      expect(await status(unreal), unreal).toBe(400)
  })
})
