import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseRetryAfter } from '../../src/dispatch/retry-after.js'
import { ManualClock } from '../../src/index.js'
import { gate, makeRio, receiver, tempDir, waitUntil } from '../helpers.js'

const T0 = Date.parse('2026-01-01T00:00:00Z')
const HOUR = 3_600_000

describe('Dispatcher when the wall clock is stepped', () => {
  it('keeps a rate-limited handler sending after the clock is stepped back an hour', async () => {
    const r = await receiver()
    const clock = new ManualClock(T0)
    const rio = makeRio({ clock, pollIntervalMs: 100 })
    await rio.webhook('x', { url: r.url, rateLimit: 1 })
    await rio.start()
    await rio.emit('x', { n: 1 })
    await r.waitFor(1)

    // NTP steps the clock back: the start recorded a moment ago now looks an hour in the future.
    clock.jump(-HOUR)
    await rio.emit('x', { n: 2 })
    // One second later by the monotonic clock the window has passed, whatever the wall clock says.
    await clock.advance(1100)
    await r.waitFor(2, 3000)
    expect(r.requests.map((q) => JSON.parse(q.body))).toEqual([{ n: 1 }, { n: 2 }])
  })

  it('reads handler changes made by another process within a second after the clock is stepped back', async () => {
    const before = await receiver()
    const after = await receiver()
    const file = join(tempDir(), 'rio.db')
    // Two processes on one host and one database: the worker dispatches, the web process serves
    // the API. Both see the host's clock step.
    const workerClock = new ManualClock(T0)
    const webClock = new ManualClock(T0)
    const worker = makeRio({ database: file, clock: workerClock, pollIntervalMs: 100 })
    const web = makeRio({ database: file, clock: webClock })
    const handler = await web.webhook('x', { name: 'audit', url: before.url })
    await worker.start()
    await web.emit('x', { n: 1 })
    await workerClock.advance(100)
    await before.waitFor(1)

    workerClock.jump(-HOUR)
    webClock.jump(-HOUR)
    await web.updateHandler(handler.id, { url: after.url })
    // Past the worker's handler refresh (1 s) by the monotonic clock, an hour short of it by the wall.
    await workerClock.advance(1100)
    webClock.jump(1100)
    await web.emit('x', { n: 2 })
    await workerClock.advance(200)
    const [request] = await after.waitFor(1, 3000)
    expect(JSON.parse(request!.body)).toEqual({ n: 2 })
    expect(before.requests).toHaveLength(1)
  })
})

describe('Leases when the wall clock is stepped forward', () => {
  it('does not send a delivery again whose attempt is still under way when the clock jumps past its lease', async () => {
    const slow = await receiver()
    const other = await receiver()
    const held = gate()
    slow.respond(async () => {
      await held.opened
      return { status: 200 }
    })
    const clock = new ManualClock(T0)
    const rio = makeRio({ clock, pollIntervalMs: 100 })
    const handler = await rio.webhook('slow', { url: slow.url, concurrency: 1 })
    await rio.webhook('other', { url: other.url })
    await rio.start()
    await rio.emit('slow', { n: 1 })
    await slow.waitFor(1)

    // A VM resumed after a suspend: the attempt's lease (timeout + margin) now lies in the past.
    clock.jump(HOUR)
    // Another handler's emit makes the dispatcher claim while the slow attempt is still open.
    await rio.emit('other', { n: 2 })
    await other.waitFor(1)
    await clock.advance(200)
    held.open()
    const delivery = await waitUntil(async () => {
      const [d] = await rio.listDeliveries({ handlerId: handler.id })
      return d?.status === 'succeeded' ? d : undefined
    }, 'the slow delivery to succeed')
    await clock.advance(1000)
    // One request, one attempt: the result of the attempt that was under way applied.
    expect(slow.requests).toHaveLength(1)
    expect(delivery).toMatchObject({ attempts: 1, status: 'succeeded' })
    expect((await rio.listDeliveries({ handlerId: handler.id })).map((d) => d.attempts)).toEqual([1])
  })
})

describe('Retry-After dates from a receiver whose clock is off', () => {
  it('measures an HTTP-date from the response Date header, so a receiver an hour fast asks for two minutes', async () => {
    const r = await receiver()
    const start = Date.parse('2026-06-01T12:00:00Z')
    const theirs = start + HOUR
    const headers = {
      date: new Date(theirs).toUTCString(),
      'retry-after': new Date(theirs + 120_000).toUTCString(),
    }
    r.respond((_req, n) => (n === 1 ? { status: 503, headers } : { status: 200 }))
    const clock = new ManualClock(start)
    const rio = makeRio({ clock, retrySchedule: [0, 1000, 1000], throttleMinDelayMs: 0 })
    await rio.webhook('x', { url: r.url })
    const retrying = new Promise<Date | null>((resolve) =>
      rio.events.once('delivery.retrying', (report) => resolve(report.nextAttemptAt)),
    )
    await rio.start()
    await rio.emit('x', {})
    expect((await retrying)?.getTime()).toBe(start + 120_000)
  })

  it.each([
    ['no Date header', undefined, 660_000],
    ['an unreadable Date header', 'yesterday', 660_000],
    ['a Date header ten minutes fast', 'Wed, 21 Oct 2015 07:37:00 GMT', 60_000],
    ['a Date header ten minutes slow', 'Wed, 21 Oct 2015 07:17:00 GMT', 1_260_000],
    ['a Date header after the Retry-After date', 'Wed, 21 Oct 2015 07:39:00 GMT', 0],
  ])('turns a Retry-After date into a delay with %s', (_what, date, expected) => {
    const now = Date.parse('2015-10-21T07:27:00Z')
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:38:00 GMT', now, date)).toBe(expected)
  })

  it('leaves delta-seconds alone whatever the Date header says', () => {
    expect(parseRetryAfter('120', Date.now(), 'Wed, 21 Oct 2015 07:37:00 GMT')).toBe(120_000)
  })
})
