import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/index.js'
import { makeRio, onCleanup, tempDir } from '../helpers.js'
import { basic, call, withSender } from '../http/api-server.js'

const T0 = Date.parse('2026-01-01T00:00:00Z')
const HOUR = 3_600_000

describe('Rio when the wall clock is stepped back', () => {
  it('lists and pages events in the order they were emitted, each keeping its own createdAt', async () => {
    const clock = new ManualClock(T0)
    const rio = makeRio({ clock })
    const first = await rio.emit('x', { n: 1 })
    await clock.advance(1)
    const second = await rio.emit('x', { n: 2 })
    clock.jump(-HOUR)
    const third = await rio.emit('x', { n: 3 })
    await clock.advance(1)
    const fourth = await rio.emit('x', { n: 4 })

    const ids = [first, second, third, fourth].map((e) => e.id)
    expect([...ids].sort()).toEqual(ids)
    const listed = await rio.listEvents()
    expect(listed.map((e) => e.id)).toEqual([...ids].reverse())
    expect(listed.map((e) => e.createdAt.getTime())).toEqual([T0 - HOUR + 2, T0 - HOUR + 1, T0 + 1, T0])

    // A client paging newest first by cursor sees each event once, none skipped.
    const page1 = await rio.listEvents({ limit: 2 })
    const page2 = await rio.listEvents({ limit: 2, before: page1.at(-1)!.id })
    expect([...page1, ...page2].map((e) => e.payload)).toEqual([{ n: 4 }, { n: 3 }, { n: 2 }, { n: 1 }])
  })
})

describe('Sender lookups when the wall clock is stepped back', () => {
  it('refuses a sender removed by another process within a second, though the clock went back an hour', async () => {
    const file = join(tempDir(), 'rio.db')
    const clock = new ManualClock(T0)
    const web = makeRio({ database: file, clock })
    const admin = makeRio({ database: file })
    await withSender(web)
    const server = await web.listen({ port: 0 })
    onCleanup(() => server.close())
    const emit = () =>
      call(`${server.url}/api/v1/projects/shop/events`, {
        method: 'POST',
        headers: { authorization: basic('checkout', 'checkout-secret'), 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'x', payload: {} }),
      })
    // The lookup is remembered for a second.
    expect((await emit()).status).toBe(202)
    clock.jump(-HOUR)
    // Another process (the CLI, a second web process) removes the sender.
    expect(await admin.removeSender('shop', 'checkout')).toBe(true)
    await clock.advance(1100)
    expect((await emit()).status).toBe(401)
  })
})
