import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Rio } from '../../src/index.js'
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { onCleanup, receiver, sleep, tempDir, waitUntil } from '../helpers.js'

/**
 * A SQLite store on `database` that counts its claim transactions, and can hold them back (claim
 * nothing) while a test sets the file up behind the dispatcher's back.
 */
function countingClaims(database: string): {
  store: SqliteStore
  claims: () => number
  hold: (held: boolean) => void
} {
  const inner = new SqliteStore({ database })
  let claims = 0
  let held = false
  const store = new Proxy(inner, {
    get(target, prop) {
      if (prop === 'claimDueDeliveries') {
        return async (...args: Parameters<SqliteStore['claimDueDeliveries']>) => {
          claims++
          return held ? [] : target.claimDueDeliveries(...args)
        }
      }
      const value = Reflect.get(target, prop, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
  return { store, claims: () => claims, hold: (value) => (held = value) }
}

describe('Dispatcher when another process changes handlers', () => {
  it('waits for its poll, not 1 ms, while a handler another process disabled still has a backlog', async () => {
    const database = join(tempDir(), 'rio.db')
    const r = await receiver()
    // The other process: its own connection to the file, never dispatching.
    const other = new Rio({ database })
    onCleanup(() => other.stop())
    const handler = await other.webhook('x', { url: r.url })
    const counted = countingClaims(database)
    const worker = new Rio({ store: counted.store, pollIntervalMs: 200, retryJitter: 0 })
    onCleanup(() => worker.stop())
    await worker.start()
    // Its first round has read the handler; the next looks 200 ms later.
    await waitUntil(() => worker.heartbeat > 0, 'the first round')
    // Held, so that a poll between the emit and the disable (under load) cannot claim the backlog.
    counted.hold(true)
    await other.emitMany(Array.from({ length: 20 }, (_, n) => ({ name: 'x', payload: { n } })))
    await other.disableHandler(handler.id)
    counted.hold(false)

    // Until its next handler read (up to 1 s), the worker still holds the handler: the claim skips
    // it (disabled), and before the fix its backlog looked due, so a round followed every 1 ms.
    const before = counted.claims()
    await sleep(600)
    const rounds = counted.claims() - before
    expect(rounds).toBeLessThanOrEqual(6)
    expect(r.requests).toHaveLength(0)
    expect(await worker.listDeliveries({ status: 'pending', limit: 100 })).toHaveLength(20)

    // Enabled again elsewhere: the worker takes the backlog at its next handler read and poll.
    await other.enableHandler(handler.id)
    await r.waitFor(20, 3000)
  })
})
