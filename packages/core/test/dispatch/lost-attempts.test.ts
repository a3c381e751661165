import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  type Delivery,
  type DeliveryReport,
  ManualClock,
  type Rio,
  type RioOptions,
} from '../../src/index.js'
import { LOST_ATTEMPT_ERROR } from '../../src/store/delivery.js'
import { makeRio, tempDir, waitUntil } from '../helpers.js'

const T0 = Date.parse('2026-01-01T00:00:00Z')
/** Every Rio here claims for this long: its clock must pass T0 + LEASE_MS for a claim to run out. */
const LEASE_MS = 10_000

/**
 * Rios sharing one SQLite file, each on its own manual clock, standing in for processes: one whose
 * clock stays put never sees its own lease run out, as if it had crashed or stalled; one whose clock
 * is past that lease finds the claim expired, as a process started after the crash would.
 */
function processes(options: RioOptions = {}) {
  const file = join(tempDir(), 'rio.db')
  const calls: string[] = []
  const reports: Array<[string, string, DeliveryReport]> = []
  const start = async (name: string, now: number, fn: 'stall' | 'succeed') => {
    const clock = new ManualClock(now)
    // No grace at stop: a stalled attempt would only hold the cleanup up.
    const rio = makeRio({
      ...options,
      database: file,
      clock,
      timeoutMs: 5000,
      leaseMs: LEASE_MS,
      stopTimeoutMs: 0,
    })
    for (const kind of ['delivery.retrying', 'delivery.dead', 'delivery.succeeded'] as const) {
      rio.events.on(kind, (report) => reports.push([name, kind, report]))
    }
    rio.on('job', 'worker', (_event, { signal }) => {
      calls.push(name)
      if (fn === 'succeed') return
      // Never settles on its own: only stopping the Rio (the test's cleanup) ends it.
      return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason)))
    })
    await rio.start()
    return { rio, clock }
  }
  return { calls, reports, start }
}

/** The one delivery there is, once `check` holds for it. */
async function delivery(rio: Rio, what: string, check: (d: Delivery) => boolean) {
  return waitUntil(async () => {
    const [d] = await rio.listDeliveries({ limit: 1 })
    return d && check(d) ? d : undefined
  }, what)
}

describe('Dispatcher lost attempts', () => {
  it('counts the attempt of a process that stalled mid-attempt, and retries on the schedule, not at once', async () => {
    const { calls, reports, start } = processes({ retryJitter: 0 })
    const { rio: stalled } = await start('stalled', T0, 'stall')
    const { id: eventId } = await stalled.emit('job', {})
    await waitUntil(() => calls.length === 1, 'the first process to start its attempt')

    const later = T0 + LEASE_MS + 1
    const { rio: next, clock } = await start('next', later, 'succeed')
    const lost = await delivery(next, 'the lost attempt to be counted', (d) => d.status === 'pending')
    expect(lost).toMatchObject({
      eventId,
      attempts: 1,
      lastStatus: null,
      lastError: LOST_ATTEMPT_ERROR,
      // the default schedule's second step, 5 s, counted from when the loss was found
      nextAttemptAt: new Date(later + 5000),
    })
    expect(await next.listAttempts(lost.id)).toMatchObject([
      { number: 1, startedAt: new Date(T0), status: null, error: LOST_ATTEMPT_ERROR },
    ])
    expect(calls).toEqual(['stalled'])
    expect(reports.map(([name, kind, r]) => [name, kind, r.attempt, r.error])).toEqual([
      ['next', 'delivery.retrying', 1, LOST_ATTEMPT_ERROR],
    ])

    await clock.advance(5000)
    const done = await delivery(next, 'the retry to succeed', (d) => d.status === 'succeeded')
    expect(done.attempts).toBe(2)
    expect(calls).toEqual(['stalled', 'next'])
    expect((await next.listAttempts(done.id)).map((a) => [a.number, a.error])).toEqual([
      [1, LOST_ATTEMPT_ERROR],
      [2, null],
    ])
  })

  it("ends dead, with delivery.dead and no further attempt, when its attempts are lost until the schedule's end", async () => {
    const { calls, reports, start } = processes({ retrySchedule: [0, 1000], retryJitter: 0 })
    const { rio: first } = await start('first', T0, 'stall')
    await first.emit('job', {})
    await waitUntil(() => calls.length === 1, 'the first attempt')

    // The first attempt is lost: the second process retries it a schedule step later, and stalls too.
    const t1 = T0 + LEASE_MS
    const { rio: second, clock } = await start('second', t1, 'stall')
    await delivery(second, 'the first loss to be counted', (d) => d.status === 'pending')
    await clock.advance(1000)
    await waitUntil(() => calls.length === 2, 'the second attempt')

    // The second is lost too, and the schedule has two attempts: the third process gives up on it.
    const { rio: third } = await start('third', t1 + 1000 + LEASE_MS, 'succeed')
    const dead = await delivery(third, 'the delivery to die', (d) => d.status === 'dead')
    expect(dead).toMatchObject({ attempts: 2, lastError: LOST_ATTEMPT_ERROR })
    expect((await third.listAttempts(dead.id)).map((a) => [a.number, a.error])).toEqual([
      [1, LOST_ATTEMPT_ERROR],
      [2, LOST_ATTEMPT_ERROR],
    ])
    await waitUntil(() => reports.some(([, kind]) => kind === 'delivery.dead'), 'delivery.dead')
    expect(calls).toEqual(['first', 'second'])
    expect(reports.map(([name, kind, r]) => [name, kind, r.attempt, r.nextAttemptAt])).toEqual([
      ['second', 'delivery.retrying', 1, new Date(t1 + 1000)],
      ['third', 'delivery.dead', 2, null],
    ])
    expect(reports.at(-1)![2]).toMatchObject({ deliveryId: dead.id, status: null, error: LOST_ATTEMPT_ERROR })
  })
})
