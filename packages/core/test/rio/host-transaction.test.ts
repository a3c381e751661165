import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { Rio } from '../../src/index.js'
import { onCleanup, sleep, tempDir, waitUntil } from '../helpers.js'

/** A Rio on the host's own connection, dispatching, with a function handler that records calls. */
async function sharedRio() {
  const db = new Database(join(tempDir(), 'app.db'))
  onCleanup(() => void db.close())
  const rio = new Rio({ database: db, pollIntervalMs: 20 })
  onCleanup(() => rio.stop())
  const calls: string[] = []
  const emitted: string[] = []
  rio.on('comment.*', 'record', (event) => void calls.push(event.name))
  rio.events.on('event.emitted', (event) => void emitted.push(event.name))
  await rio.start()
  return { db, rio, calls, emitted }
}

describe('a transaction the host holds open on the shared connection', () => {
  it('is never joined by the dispatcher: an event it rolls back is never delivered', async () => {
    const { db, rio, calls } = await sharedRio()
    db.exec('BEGIN')
    const { id } = rio.emitSync('comment.rolled-back', {})
    await sleep(200) // several dispatcher polls while the transaction is open
    expect(calls).toEqual([])
    db.exec('ROLLBACK')
    await sleep(200)
    expect(calls).toEqual([])
    await expect(rio.getEvent(id)).rejects.toThrow(/does not exist/)
  })

  it('delivers a committed event once, however long the host holds a later transaction open', async () => {
    const { db, rio, calls } = await sharedRio()
    db.exec('BEGIN')
    const { id } = await Promise.race([
      rio.emit('comment.before', {}),
      sleep(100).then(() => ({ id: 'still waiting' })),
    ])
    // An emit commits on its own, after the host's transaction: it waits for it, not joins it.
    expect(id).toBe('still waiting')
    db.exec('ROLLBACK')
    await waitUntil(() => calls.length === 1, 'the delivery after the host rolled back')
    await sleep(200)
    expect(calls).toEqual(['comment.before'])
    const [delivery] = await rio.listDeliveries({ limit: 10 })
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 1 })
  })

  it('reports an event committed by a transaction held across awaits, and delivers it', async () => {
    const { db, rio, calls, emitted } = await sharedRio()
    db.exec('BEGIN')
    rio.emitSync('comment.committed', {})
    await sleep(100)
    db.exec('COMMIT')
    await waitUntil(() => calls.length === 1 && emitted.length === 1, 'the delivery and event.emitted')
    expect(emitted).toEqual(['comment.committed'])
    expect(await rio.listEvents()).toHaveLength(1)
  })
})
