import { describe, expect, it, vi } from 'vitest'
import { admin, call, startApi } from './api-server.js'

describe('list pagination and filters (review)', () => {
  it('answers nextCursor null when the last page is exactly full', async () => {
    const { rio, url } = await startApi()
    // A function handler on a Rio that is not started: each event gets one delivery that stays pending.
    rio.on('tick', 'counter', () => undefined)
    for (let i = 0; i < 4; i++) await rio.emit('tick', { i })
    for (const path of ['/api/v1/events', '/api/v1/deliveries']) {
      const whole = await call(`${url}${path}?limit=4`, { headers: admin })
      expect(whole.status, path).toBe(200)
      expect(whole.body.data, path).toHaveLength(4)
      expect(whole.body.nextCursor, path).toBeNull()

      // Two full pages: the first says there is more, the second (exactly full) that there is not.
      const first = await call(`${url}${path}?limit=2`, { headers: admin })
      expect(first.body.nextCursor, path).toBe(first.body.data[1].id)
      const second = await call(`${url}${path}?limit=2&before=${first.body.nextCursor}`, { headers: admin })
      expect(second.body.data, path).toHaveLength(2)
      expect(second.body.nextCursor, path).toBeNull()
    }
  })

  it('answers each page with one read, and a page of 1000 (the most a read gives) with two', async () => {
    const { rio, url } = await startApi()
    rio.on('tick', 'counter', () => undefined)
    await rio.emitMany(Array.from({ length: 1001 }, (_, i) => ({ name: 'tick', payload: { i } })))
    const reads = { events: vi.spyOn(rio, 'listEvents'), deliveries: vi.spyOn(rio, 'listDeliveries') }
    for (const [key, path] of [
      ['events', '/api/v1/events'],
      ['deliveries', '/api/v1/deliveries'],
    ] as const) {
      // A second read per page, `limit: 1` after the last id, walked to the end of the table when
      // a sparse filter matched nothing more.
      reads[key].mockClear()
      const first = await call(`${url}${path}?limit=600`, { headers: admin })
      expect(first.body.data, path).toHaveLength(600)
      expect(first.body.nextCursor, path).toBe(first.body.data[599].id)
      const last = await call(`${url}${path}?limit=600&before=${first.body.nextCursor}`, { headers: admin })
      expect(last.body.data, path).toHaveLength(401)
      expect(last.body.nextCursor, path).toBeNull()
      expect(reads[key], path).toHaveBeenCalledTimes(2)
      // 1000 is the most one read gives: whether more follows is asked separately, and answered right.
      reads[key].mockClear()
      const full = await call(`${url}${path}?limit=1000`, { headers: admin })
      expect(full.body.nextCursor, path).toBe(full.body.data[999].id)
      const rest = await call(`${url}${path}?limit=1000&before=${full.body.nextCursor}`, { headers: admin })
      expect(rest.body.data, path).toHaveLength(1)
      expect(rest.body.nextCursor, path).toBeNull()
      expect(reads[key], path).toHaveBeenCalledTimes(3)
    }
  })

  it('pages on from an event cursor written in upper case', async () => {
    const { rio, url } = await startApi()
    const ids: string[] = []
    for (let i = 0; i < 3; i++) ids.push((await rio.emit('tick', { i })).id)
    // Event ids hold hex letters (a UUIDv7's variant nibble is 8, 9, a or b; the rest is random).
    const cursor = ids[2]!.toUpperCase()
    expect(cursor).not.toBe(ids[2])
    const res = await call(`${url}/api/v1/events?before=${cursor}`, { headers: admin })
    expect(res.status).toBe(200)
    expect(res.body.data.map((e: { id: string }) => e.id)).toEqual([ids[1], ids[0]])
  })

  it('refuses a query parameter given twice instead of keeping one of its values', async () => {
    const { rio, url } = await startApi()
    rio.on('tick', 'counter', () => undefined)
    await rio.emit('tick', {})
    for (const [path, param] of [
      ['/api/v1/deliveries?status=dead&status=pending', 'status'],
      ['/api/v1/events?limit=1&limit=2', 'limit'],
      ['/api/v1/deliveries?project=shop&limit=5&project=default', 'project'],
    ] as const) {
      const res = await call(`${url}${path}`, { headers: admin })
      expect(res.status, path).toBe(400)
      expect(res.body.error.code, path).toBe('invalid_request')
      expect(res.body.error.issues, path).toEqual([
        { path: param, message: expect.stringContaining('more than once') },
      ])
    }
    // The documented way to ask for several statuses still works.
    const both = await call(`${url}/api/v1/deliveries?status=dead,pending`, { headers: admin })
    expect(both.status).toBe(200)
    expect(both.body.data).toHaveLength(1)
  })

  it("lists an event's deliveries newest first, and pages on from the last one with before", async () => {
    const { rio, url } = await startApi()
    for (const name of ['a', 'b', 'c']) rio.on('tick', name, () => undefined)
    const { id } = await rio.emit('tick', {})
    const detail = await call(`${url}/api/v1/events/${id}`, { headers: admin })
    const shown = detail.body.deliveries.map((d: { id: string }) => Number(d.id))
    expect(shown).toHaveLength(3)
    expect(shown).toEqual([...shown].sort((x, y) => y - x))
    const rest = await call(`${url}/api/v1/deliveries?event=${id}&before=${shown[1]}`, { headers: admin })
    expect(rest.body.data.map((d: { id: string }) => Number(d.id))).toEqual([shown[2]])
  })
})
