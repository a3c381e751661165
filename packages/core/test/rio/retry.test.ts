import { describe, expect, it } from 'vitest'
import { startReceiver } from '../../../../test/support/receiver.js'
import {
  type DeliveryReport,
  ManualClock,
  RetryLaterError,
  type Rio,
  UnrecoverableError,
} from '../../src/index.js'
import { makeRio, onCleanup, sleep, waitUntil } from '../helpers.js'

const T0 = Date.parse('2026-01-01T00:00:00Z')

async function receiver() {
  const r = await startReceiver()
  onCleanup(() => r.close())
  return r
}

/** Waits (in real time) until the delivery has recorded `attempts` attempts and is no longer in flight. */
async function attempted(rio: Rio, deliveryId: string, attempts: number) {
  return waitUntil(async () => {
    const d = await rio.getDelivery(deliveryId)
    return d.attempts === attempts && d.status !== 'in_flight' ? d : undefined
  }, `attempt ${attempts} of delivery ${deliveryId} to be recorded`)
}

async function onlyDelivery(rio: Rio, eventId: string) {
  const [delivery] = await rio.listDeliveries({ eventId })
  return delivery!
}

describe('retries', () => {
  it('retries a 500 at the scheduled times, then marks it dead and redeliver brings it back', async () => {
    const r = await receiver()
    r.respond(() => ({ status: 500, body: 'database is down' }))
    const clock = new ManualClock(T0)
    const rio = makeRio({ clock, retrySchedule: [0, 10_000, 60_000] })
    const dead: DeliveryReport[] = []
    rio.events.on('delivery.dead', (report) => dead.push(report))
    await rio.webhook('order.paid', { url: r.url })
    await rio.start()
    const { id } = await rio.emit('order.paid', { order: 1 })

    await r.waitFor(1, 5000)
    const delivery = await onlyDelivery(rio, id)
    let d = await attempted(rio, delivery.id, 1)
    expect(d.status).toBe('pending')
    expect(d.nextAttemptAt!.getTime()).toBe(T0 + 10_000)
    expect(d.lastStatus).toBe(500)

    await clock.advance(9_999)
    await sleep(50)
    expect(r.requests).toHaveLength(1)
    await clock.advance(1)
    await r.waitFor(2, 5000)
    d = await attempted(rio, delivery.id, 2)
    expect(d.nextAttemptAt!.getTime()).toBe(T0 + 10_000 + 60_000)

    await clock.advance(60_000)
    await r.waitFor(3, 5000)
    d = await attempted(rio, delivery.id, 3)
    expect(d.status).toBe('dead')
    expect(dead).toHaveLength(1)
    expect(dead[0]!.attempt).toBe(3)
    const attempts = await rio.listAttempts(delivery.id)
    expect(attempts.map((a) => [a.number, a.status, a.responseBody])).toEqual([
      [1, 500, 'database is down'],
      [2, 500, 'database is down'],
      [3, 500, 'database is down'],
    ])
    expect(attempts.map((a) => a.startedAt.getTime())).toEqual([T0, T0 + 10_000, T0 + 70_000])
    // the webhook-id is the same on every retry, so receivers can de-duplicate
    expect(new Set(r.requests.map((q) => q.headers['webhook-id']))).toEqual(new Set([id]))

    r.respond(() => ({ status: 204 }))
    await rio.redeliver(delivery.id)
    await r.waitFor(4, 5000)
    d = await attempted(rio, delivery.id, 4)
    expect(d.status).toBe('succeeded')
    expect(await rio.listAttempts(delivery.id)).toHaveLength(4)
  })

  it('honours Retry-After on 503 when it is longer than the schedule', async () => {
    const r = await receiver()
    r.respond(() => ({ status: 503, headers: { 'retry-after': '120' } }))
    const clock = new ManualClock(T0)
    const rio = makeRio({ clock, retrySchedule: [0, 5_000, 5_000] })
    await rio.webhook('x', { url: r.url })
    await rio.start()
    const { id } = await rio.emit('x', {})
    await r.waitFor(1, 5000)
    const d = await attempted(rio, (await onlyDelivery(rio, id)).id, 1)
    expect(d.nextAttemptAt!.getTime()).toBe(T0 + 120_000)
  })

  it('counts a timeout as a failure and waits at least a minute before the next attempt', async () => {
    const r = await receiver()
    r.respond(() => 'hang')
    const clock = new ManualClock(T0)
    const rio = makeRio({ clock, retrySchedule: [0, 5_000, 5_000] })
    await rio.webhook('x', { url: r.url, timeoutMs: 200 })
    await rio.start()
    const { id } = await rio.emit('x', {})
    const d = await attempted(rio, (await onlyDelivery(rio, id)).id, 1)
    expect(d.lastStatus).toBeNull()
    expect(d.lastError).toMatch(/timeout/i)
    expect(d.nextAttemptAt!.getTime()).toBe(T0 + 60_000)
  })

  it('adds jitter of at most 20 % and never retries early', async () => {
    const r = await receiver()
    r.respond(() => ({ status: 500 }))
    const clock = new ManualClock(T0)
    const rio = makeRio({ clock, retrySchedule: [0, 10_000], retryJitter: 0.2, random: () => 0.999 })
    await rio.webhook('x', { url: r.url })
    await rio.start()
    const { id } = await rio.emit('x', {})
    const d = await attempted(rio, (await onlyDelivery(rio, id)).id, 1)
    const delay = d.nextAttemptAt!.getTime() - T0
    expect(delay).toBeGreaterThanOrEqual(10_000)
    expect(delay).toBeLessThanOrEqual(12_000)
    expect(delay).toBeGreaterThan(11_900)
  })

  it('reports delivery.failing after repeated failures and delivery.recovered on success', async () => {
    const r = await receiver()
    r.failTimes(3, 500)
    const clock = new ManualClock(T0)
    const rio = makeRio({ clock, retrySchedule: [0, 1000, 1000, 1000, 1000], failingAfterAttempts: 3 })
    const seen: string[] = []
    for (const name of [
      'delivery.retrying',
      'delivery.failing',
      'delivery.recovered',
      'delivery.succeeded',
    ] as const) {
      rio.events.on(name, (report) => seen.push(`${name}#${report.attempt}`))
    }
    await rio.webhook('x', { url: r.url })
    await rio.start()
    const { id } = await rio.emit('x', {})
    const deliveryId = (await onlyDelivery(rio, id)).id
    for (let n = 1; n <= 3; n++) {
      await attempted(rio, deliveryId, n)
      await clock.advance(1000)
    }
    await attempted(rio, deliveryId, 4)
    await waitUntil(() => seen.includes('delivery.recovered#4'), 'delivery.recovered')
    expect(seen).toEqual([
      'delivery.retrying#1',
      'delivery.retrying#2',
      'delivery.retrying#3',
      'delivery.failing#3',
      'delivery.succeeded#4',
      'delivery.recovered#4',
    ])
  })

  it('lets a function handler fail for good or choose its retry delay', async () => {
    const clock = new ManualClock(T0)
    const rio = makeRio({ clock })
    rio.on('bad', 'unrecoverable', () => {
      throw new UnrecoverableError('payload has no user id')
    })
    rio.on('later', 'later', () => {
      throw new RetryLaterError(30_000)
    })
    await rio.start()
    const bad = await rio.emit('bad', {})
    const later = await rio.emit('later', {})
    const b = await attempted(rio, (await onlyDelivery(rio, bad.id)).id, 1)
    expect(b.status).toBe('dead')
    expect(b.lastError).toContain('payload has no user id')
    const l = await attempted(rio, (await onlyDelivery(rio, later.id)).id, 1)
    expect(l.status).toBe('pending')
    expect(l.nextAttemptAt!.getTime()).toBe(T0 + 30_000)
  })

  it('disables a handler whose deliveries have all failed for the configured period', async () => {
    const r = await receiver()
    r.respond(() => ({ status: 500 }))
    const clock = new ManualClock(T0)
    const rio = makeRio({ clock, retrySchedule: [0, 6_000, 6_000, 6_000], disableFailingAfterMs: 10_000 })
    const disabled: string[] = []
    rio.events.on('handler.disabled', (handler, reason) => disabled.push(`${handler.name}:${reason}`))
    const handler = await rio.webhook('x', { url: r.url, name: 'flaky' })
    await rio.start()
    const { id } = await rio.emit('x', {})
    const deliveryId = (await onlyDelivery(rio, id)).id
    await attempted(rio, deliveryId, 1)
    await clock.advance(6_000)
    await attempted(rio, deliveryId, 2)
    expect((await rio.getHandler(handler.id)).enabled).toBe(true)
    await clock.advance(6_000)
    await attempted(rio, deliveryId, 3)
    const after = await rio.getHandler(handler.id)
    expect(after.enabled).toBe(false)
    expect(after.disabledReason).toBe('failing')
    expect(disabled).toEqual(['flaky:failing'])
  })
})
