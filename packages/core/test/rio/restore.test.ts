import { copyFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { type JsonValue, Rio, type RioEvent, type RioOptions } from '../../src/index.js'
import { LOST_ATTEMPT_ERROR } from '../../src/store/delivery.js'
import { onCleanup, tempDir, waitUntil } from '../helpers.js'

/**
 * What docs/reliability.md says a restore is, once every Rio on the file has stopped: delete the
 * database's -wal and -shm files, and put the copy in its place.
 */
function restore(copy: string, database: string): void {
  rmSync(`${database}-wal`, { force: true })
  rmSync(`${database}-shm`, { force: true })
  copyFileSync(copy, database)
}

/** A Rio on `database`, stopped after the test. */
function open(database: string, options: RioOptions = {}): Rio {
  const rio = new Rio({ database, retryJitter: 0, pollIntervalMs: 20, stopTimeoutMs: 200, ...options })
  onCleanup(() => rio.stop())
  return rio
}

describe('restoring a backup', () => {
  it('loses what was acknowledged after the backup; a retried idempotency key creates the event again, under a new id', async () => {
    const dir = tempDir()
    const database = join(dir, 'rio.db')
    const before = open(database)
    const kept = await before.emit('order.paid', { order: 1 }, { idempotencyKey: 'order-1' })
    await before.backup(join(dir, 'copy.db'))
    const lost = await before.emit('order.paid', { order: 2 }, { idempotencyKey: 'order-2' })
    // A retry before the restore is a duplicate, as always.
    expect(await before.emit('order.paid', { order: 2 }, { idempotencyKey: 'order-2' })).toMatchObject({
      id: lost.id,
      duplicate: true,
    })
    await before.stop()

    restore(join(dir, 'copy.db'), database)
    const after = open(database)
    await expect(after.getEvent(lost.id)).rejects.toMatchObject({ code: 'not_found' })
    // The same retry after the restore finds no key: the event is stored again, with another id,
    // so receivers see another webhook-id (unless the sender sends its own id with the key).
    const again = await after.emit('order.paid', { order: 2 }, { idempotencyKey: 'order-2' })
    expect(again.duplicate).toBe(false)
    expect(again.id).not.toBe(lost.id)
    const withOwnId = await after.emit('order.paid', { order: 3 }, { idempotencyKey: 'order-3', id: lost.id })
    expect(withOwnId.id).toBe(lost.id)
    // Keys from before the backup are still known.
    expect(await after.emit('order.paid', { order: 1 }, { idempotencyKey: 'order-1' })).toMatchObject({
      id: kept.id,
      duplicate: true,
    })
    // Event ids carry the time: new ones still sort after every id the copy and the lost events had.
    expect(again.id > lost.id && again.id > kept.id).toBe(true)
    const newest = (await after.listEvents({ limit: 1 }))[0] as RioEvent
    expect(newest.id).toBe(again.id)
  })

  it('brings senders back as they were: one created after the backup is refused, one removed after it works again', async () => {
    const dir = tempDir()
    const database = join(dir, 'rio.db')
    const before = open(database)
    const removed = await before.createSender('shop', 'leaked')
    await before.backup(join(dir, 'copy.db'))
    const created = await before.createSender('shop', 'checkout')
    expect(await before.removeSender('shop', 'leaked')).toBe(true)
    const handler = await before.webhook('order.*', { url: 'http://127.0.0.1:9/added-later' })
    await before.stop()

    restore(join(dir, 'copy.db'), database)
    const after = open(database)
    expect(await after.authenticateSender('shop', 'checkout', created.secret)).toEqual({
      ok: false,
      reason: 'unauthorized',
    })
    expect(await after.authenticateSender('shop', 'leaked', removed.secret)).toMatchObject({ ok: true })
    await expect(after.getHandler(handler.id)).rejects.toMatchObject({ code: 'not_found' })
  })

  it('hands delivery ids given out after the backup to other deliveries', async () => {
    const dir = tempDir()
    const database = join(dir, 'rio.db')
    const before = open(database)
    await before.webhook('order.*', { url: 'http://127.0.0.1:9/hook' })
    await before.emit('order.paid', { order: 1 })
    await before.backup(join(dir, 'copy.db'))
    const lost = await before.emit('order.paid', { order: 2 })
    const [lostDelivery] = await before.listDeliveries({ eventId: lost.id })
    await before.stop()

    restore(join(dir, 'copy.db'), database)
    const after = open(database)
    const next = await after.emit('order.paid', { order: 3 })
    // The id logged, shown or linked to for the lost delivery now names the new event's delivery.
    const reused = await after.getDelivery(lostDelivery!.id)
    expect(reused.eventId).toBe(next.id)
    expect(reused.eventId).not.toBe(lost.id)
  })

  it('sends again what was in flight or not yet sent in the copy, under the same event ids', async () => {
    const dir = tempDir()
    const database = join(dir, 'rio.db')
    const options = { leaseMs: 1500, timeoutMs: 1000, retrySchedule: [0, 50] }
    const before = open(database, options)
    let release = () => {}
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    const sentBefore: string[] = []
    before.on<{ n: number }>(
      'job',
      'worker',
      async (event) => {
        sentBefore.push(event.id)
        if (event.payload.n === 1) await held
      },
      { concurrency: 1 },
    )
    const inFlight = await before.emit('job', { n: 1 })
    const queued = await before.emit('job', { n: 2 }) // waits behind the first: concurrency 1
    await before.start()
    await waitUntil(() => sentBefore.includes(inFlight.id), 'the first job to be attempted')
    await before.backup(join(dir, 'copy.db'))
    release()
    const later = await before.emit('job', { n: 3 })
    await waitUntil(
      async () => (await before.listDeliveries({ status: 'succeeded' })).length === 3,
      'every job to succeed before the restore',
    )
    await before.stop()

    restore(join(dir, 'copy.db'), database)
    const after = open(database, options)
    const sentAfter: string[] = []
    after.on<JsonValue>('job', 'worker', async (event) => {
      sentAfter.push(event.id)
    })
    await after.start()
    // The queued one at once; the one in flight when its lease (1.5 s from its claim) runs out.
    await waitUntil(() => sentAfter.length >= 2, 'both jobs of the copy to be sent again', 8000)
    expect(sentAfter.sort()).toEqual([inFlight.id, queued.id].sort())
    expect(sentAfter).not.toContain(later.id)
    const [delivery] = await after.listDeliveries({ eventId: inFlight.id })
    // The handler has run; its result is recorded with the next batch of results.
    await waitUntil(
      async () => (await after.listAttempts(delivery!.id)).length === 2,
      'the second attempt to be recorded',
    )
    const attempts = await after.listAttempts(delivery!.id)
    expect(attempts.map((a) => a.error)).toEqual([LOST_ATTEMPT_ERROR, null])
  })
})
