import { describe, expect, it } from 'vitest'
import { ManualClock, type Rio } from '../../src/index.js'
import { gate, makeRio, onCleanup, receiver, sleep, waitUntil } from '../helpers.js'

const T0 = Date.parse('2026-01-01T00:00:00Z')

/** The one delivery of the event, once it is no longer in flight. */
async function settled(rio: Rio, eventId: string) {
  return waitUntil(async () => {
    const [d] = await rio.listDeliveries({ eventId })
    return d && d.status !== 'in_flight' ? d : undefined
  }, `the delivery of event ${eventId} to settle`)
}

describe('Dispatcher leases', () => {
  it('sends once when a webhook answers after leaseMs but within its own timeout', async () => {
    const r = await receiver()
    r.respond(() => ({ status: 200, body: 'ok', delayMs: 900 }))
    const rio = makeRio({ timeoutMs: 200, leaseMs: 300, pollIntervalMs: 20 })
    await rio.webhook('x', { url: `${r.url}/hook`, timeoutMs: 3000 })
    await rio.start()
    const { id } = await rio.emit('x', {})

    const d = await settled(rio, id)
    await sleep(200)
    expect(r.requests).toHaveLength(1)
    expect(d).toMatchObject({ status: 'succeeded', attempts: 1 })
    expect(await rio.listAttempts(d.id)).toHaveLength(1)
  })

  it('runs a function once when it takes longer than leaseMs but less than its own timeout', async () => {
    const rio = makeRio({ timeoutMs: 200, leaseMs: 300, pollIntervalMs: 20 })
    let calls = 0
    let running = 0
    let most = 0
    rio.on(
      'x',
      'slow',
      async () => {
        calls++
        most = Math.max(most, ++running)
        await sleep(900)
        running--
      },
      { timeoutMs: 3000 },
    )
    await rio.start()
    const { id } = await rio.emit('x', {})

    const d = await settled(rio, id)
    await sleep(200)
    expect({ calls, most }).toEqual({ calls: 1, most: 1 })
    expect(d).toMatchObject({ status: 'succeeded', attempts: 1 })
    expect(await rio.listAttempts(d.id)).toHaveLength(1)
  })

  it('claims for leaseMs, and for longer by as much as a handler timeout exceeds timeoutMs', async () => {
    const r = await receiver()
    const hold = gate()
    r.respond(async () => {
      await hold.opened
      return { status: 200 }
    })
    const clock = new ManualClock(T0)
    const rio = makeRio({ clock, timeoutMs: 1000, leaseMs: 5000 })
    onCleanup(hold.open)
    const plain = await rio.webhook('x', { name: 'plain', url: `${r.url}/plain` })
    const slow = await rio.webhook('x', { name: 'slow', url: `${r.url}/slow`, timeoutMs: 30_000 })
    await rio.start()
    await rio.emit('x', {})
    await r.waitFor(2)

    const lease = async (handlerId: string) =>
      (await rio.listDeliveries({ handlerId }))[0]!.leaseUntil?.getTime()
    expect(await lease(plain.id)).toBe(T0 + 5000)
    expect(await lease(slow.id)).toBe(T0 + 5000 + 29_000)
  })

  it('never starts a second attempt of a delivery it is still running when a claim hands it back', async () => {
    const r = await receiver()
    const hold = gate()
    r.respond(async () => {
      await hold.opened
      return { status: 200, body: 'ok' }
    })
    const clock = new ManualClock(T0)
    const rio = makeRio({ clock, timeoutMs: 1000, leaseMs: 2000, pollIntervalMs: 100 })
    onCleanup(hold.open)
    await rio.webhook('x', { url: `${r.url}/hook`, timeoutMs: 10_000 })
    await rio.start()
    const { id } = await rio.emit('x', {})
    await r.waitFor(1)

    // The clock jumps past the lease while the request is still out: the next round's claim gives
    // the same delivery back to this process.
    await clock.advance(60_000)
    await waitUntil(async () => {
      const [d] = await rio.listDeliveries({ eventId: id })
      return d!.leaseUntil!.getTime() > T0 + 60_000
    }, 'the delivery to be claimed again')
    await sleep(100)
    expect(r.requests).toHaveLength(1)
    expect(rio.inFlight).toBe(1)

    hold.open()
    const d = await settled(rio, id)
    expect(d).toMatchObject({ status: 'succeeded', attempts: 1 })
    expect(await rio.listAttempts(d.id)).toHaveLength(1)
    expect(r.requests).toHaveLength(1)
  })
})

describe('Dispatcher reports', () => {
  it('emits no delivery event for results the store did not apply (handler removed in flight)', async () => {
    const r = await receiver()
    const hold = gate()
    r.respond(async (req) => {
      await hold.opened
      return { status: req.path === '/ok' ? 200 : 500 }
    })
    const rio = makeRio()
    onCleanup(hold.open)
    const seen: string[] = []
    for (const name of ['delivery.succeeded', 'delivery.retrying', 'delivery.dead'] as const) {
      rio.events.on(name, () => seen.push(name))
    }
    const ok = await rio.webhook('x', { name: 'ok', url: `${r.url}/ok` })
    const failing = await rio.webhook('x', { name: 'failing', url: `${r.url}/fail` })
    await rio.start()
    const { id } = await rio.emit('x', {})
    await r.waitFor(2)

    expect((await rio.removeHandler(ok.id)).cancelled + (await rio.removeHandler(failing.id)).cancelled).toBe(
      2,
    )
    hold.open()
    // The attempts are recorded all the same; only their outcomes were not applied.
    const deliveries = await rio.listDeliveries({ eventId: id })
    await waitUntil(async () => {
      const counts = await Promise.all(deliveries.map(async (d) => (await rio.listAttempts(d.id)).length))
      return counts.every((n) => n === 1)
    }, 'both attempts to be recorded')
    await sleep(50)
    expect(seen).toEqual([])
    for (const d of await rio.listDeliveries({ eventId: id })) expect(d.status).toBe('cancelled')
  })

  it('still reports outcomes it applied', async () => {
    const r = await receiver()
    const rio = makeRio()
    const seen: string[] = []
    rio.events.on('delivery.succeeded', (report) => seen.push(report.deliveryId))
    await rio.webhook('x', { url: r.url })
    await rio.start()
    const { id } = await rio.emit('x', {})
    const d = await settled(rio, id)
    await waitUntil(() => seen.length > 0, 'delivery.succeeded')
    expect(seen).toEqual([d.id])
  })
})

describe('Dispatcher time', () => {
  it('turns a Retry-After HTTP-date into a delay with the injected clock', async () => {
    const r = await receiver()
    // Far from the real time, so a delay computed with Date.now() would be capped or zero.
    const start = Date.parse('2099-06-01T12:00:00Z')
    const retryAt = new Date(start + 120_000).toUTCString()
    // The receiver's clock agrees with the injected one (its Date header is what a date is measured from).
    const headers = { 'retry-after': retryAt, date: new Date(start).toUTCString() }
    r.respond((_req, n) => (n === 1 ? { status: 503, headers } : { status: 200 }))
    const clock = new ManualClock(start)
    const rio = makeRio({ clock, retrySchedule: [0, 1000, 1000], throttleMinDelayMs: 0 })
    await rio.webhook('x', { url: r.url })
    await rio.start()
    const { id } = await rio.emit('x', {})

    const d = await settled(rio, id)
    expect(d.status).toBe('pending')
    expect(d.nextAttemptAt!.getTime()).toBe(start + 120_000)
  })
})

describe('Dispatcher with many handlers on one origin', () => {
  it('sends every request within its timeout when more run at once than 64', async () => {
    const r = await receiver()
    // 96 at once: past the old 64-connection cap, the last 32 would wait a whole answer for a
    // connection, and their deadline (less than two answers) would run out while they wait.
    r.respond(() => ({ status: 200, body: 'ok', delayMs: 500 }))
    const rio = makeRio({ timeoutMs: 900, leaseMs: 10_000 })
    for (let i = 0; i < 3; i++) await rio.webhook('x', { name: `h${i}`, url: `${r.url}/h${i}` })
    await rio.start()
    await Promise.all(Array.from({ length: 32 }, (_, i) => rio.emit('x', { i })))

    const deliveries = await waitUntil(async () => {
      const all = await rio.listDeliveries({ limit: 200 })
      return all.length === 96 && all.every((d) => d.attempts >= 1 && d.status !== 'in_flight')
        ? all
        : undefined
    }, 'every delivery to be attempted')
    expect(deliveries).toHaveLength(96)
    expect(deliveries.filter((d) => d.status !== 'succeeded' || d.attempts !== 1)).toEqual([])
    expect(r.requests).toHaveLength(96)
  })
})

describe('Dispatcher webhook credentials', () => {
  it('sends the URL userinfo as Basic auth unless the handler sets authorization itself', async () => {
    const r = await receiver()
    const rio = makeRio()
    const base = `http://alice:s3cret%21@127.0.0.1:${r.port}`
    await rio.webhook('x', { name: 'userinfo', url: `${base}/basic` })
    await rio.webhook('x', {
      name: 'own-header',
      url: `${base}/bearer`,
      headers: { Authorization: 'Bearer t0ken' },
    })
    await rio.start()
    await rio.emit('x', {})

    await r.waitFor(2)
    const byPath = Object.fromEntries(r.requests.map((q) => [q.path, q.headers.authorization]))
    expect(byPath).toEqual({
      '/basic': `Basic ${Buffer.from('alice:s3cret!').toString('base64')}`,
      '/bearer': 'Bearer t0ken',
    })
  })
})
