import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { Rio } from '../../core/src/index.js'
import { onCleanup, tempDir } from '../../core/test/helpers.js'
import { deliveryTableScans, recordReads } from '../../core/test/store/query-plans.js'
import { AdminClient, serveDashboard } from './dashboard/serve.js'

const TOKEN = 'scale-review-token-0123456789abcdef'

/** A Rio (not started) on a new file whose reads are recorded, with 60 events to one webhook. */
async function recordedRio() {
  const db = new Database(join(tempDir(), 'rio.db'))
  const recorder = recordReads(db)
  const rio = new Rio({ database: db })
  onCleanup(() => void db.close())
  onCleanup(() => rio.stop())
  await rio.webhook('*', { url: 'https://hooks.example/in', name: 'hook' })
  await rio.emitMany(Array.from({ length: 60 }, (_, i) => ({ name: 'x', payload: { i } })))
  return { rio, db, recorder }
}

describe('operator surfaces on a big database', () => {
  it('renders the Failed view without walking every delivery when few have failed', async () => {
    // A healthy Rio at 280 000 deliveries (38 dead, 61 pending): the view walked the whole table
    // twice per 5 s refresh, 55–80 ms each time; with a backlog of 50 000 it read 5 000 pending
    // deliveries into the process to find the retrying ones, 25 ms. Now 7 and 13–19 ms.
    const { rio, db, recorder } = await recordedRio()
    db.exec(`UPDATE deliveries SET status = 'succeeded', attempts = 1`)
    db.exec(`UPDATE deliveries SET status = 'dead', attempts = 5 WHERE id IN (3, 9)`)
    db.exec(`UPDATE deliveries SET status = 'pending', attempts = 2, next_attempt_at = 0 WHERE id = 5`)
    db.exec(`UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = 0 WHERE id = 6`)
    const admin = await AdminClient.login(await serveDashboard(rio, { adminToken: TOKEN }), TOKEN)
    recorder.clear()
    const page = await admin.page('/failed')
    expect(page).toContain('/deliveries/9"')
    expect(page).toContain('/deliveries/3"')
    expect(page).toContain('/deliveries/5"')
    expect(page).not.toContain('/deliveries/6"')
    expect(deliveryTableScans(recorder.reads())).toEqual([])
  })

  it('reads at most 201 retrying deliveries for the Failed view, not pages of 1 000 pending ones', async () => {
    const { rio, db, recorder } = await recordedRio()
    db.exec(`UPDATE deliveries SET attempts = 1, last_error = 'HTTP 500'`)
    const admin = await AdminClient.login(await serveDashboard(rio, { adminToken: TOKEN }), TOKEN)
    recorder.clear()
    await admin.page('/failed')
    const pendingReads = recorder.reads().filter((read) => read.args.includes('pending'))
    // The newest ids walked, then the rest from the partial index: two reads, 201 rows in all.
    expect(pendingReads.length).toBeGreaterThan(0)
    expect(pendingReads.length).toBeLessThanOrEqual(2)
    expect(pendingReads[0]!.args.at(-1)).toBe(201)
    expect(pendingReads.reduce((rows, read) => rows + Number(read.args.at(-1)), 0)).toBeLessThanOrEqual(
      201 + 201,
    )
  })
})
