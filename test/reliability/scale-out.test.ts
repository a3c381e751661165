// Several Rio processes on one SQLite file, as an operator scales out: all ingest (rio-client over
// HTTP) and all dispatch to one receiver; one is SIGKILLed and started again; meanwhile another
// process changes handlers, redelivers and cleans up, as the `rio` CLI does (a Rio on the file).
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { Client } from 'rio-client'
import { describe, expect, it } from 'vitest'
import { ManualClock, Rio } from '../../packages/core/src/index.js'
import { onCleanup, sleep, tempDir, waitUntil } from '../../packages/core/test/helpers.js'
import { type ReceivedRequest, type Receiver, startReceiver } from '../support/receiver.js'
import { type RioProcess, startRioProcess } from './support.js'

/** The fixture's lease (`rio-process.ts`): a killed process's claims come back after it. */
const LEASE_MS = 3000
/** A lost attempt is retried 200 ms (+ up to 20 % jitter) after its lease ran out. */
const SCHEDULE = [0, 200, 1000, 5000]
/** How often a process reads the handlers again (the dispatcher's HANDLER_REFRESH_MS). */
const HANDLER_REFRESH_MS = 1000
const EVERYTHING_SAID = /SQLITE_BUSY|database is locked|rio error|Unhandled|ERR_/

/** `path webhook-id`: one delivery as the receiver saw it. */
const keyOf = (r: ReceivedRequest) => `${r.path} ${String(r.headers['webhook-id'])}`

/** A receiver answering after 2–10 ms that records the most requests it had open at once per path. */
async function recordingReceiver(): Promise<Receiver & { maxOpen: Map<string, number> }> {
  const receiver = await startReceiver()
  onCleanup(() => receiver.close())
  const open = new Map<string, number>()
  const maxOpen = new Map<string, number>()
  receiver.respond(async (req) => {
    open.set(req.path, (open.get(req.path) ?? 0) + 1)
    maxOpen.set(req.path, Math.max(maxOpen.get(req.path) ?? 0, open.get(req.path)!))
    await sleep(2 + Math.random() * 8)
    open.set(req.path, open.get(req.path)! - 1)
    return { status: 200 }
  })
  return Object.assign(receiver, { maxOpen })
}

/** How many times each delivery arrived, by {@link keyOf}. */
function arrivals(receiver: Receiver): Map<string, number> {
  const counts = new Map<string, number>()
  for (const r of receiver.requests) counts.set(keyOf(r), (counts.get(keyOf(r)) ?? 0) + 1)
  return counts
}

/** A read-only look at the file, as an operator's `sqlite3` would have. */
function peek(database: string) {
  const db = new Database(database, { readonly: true })
  onCleanup(() => {
    db.close()
  })
  return {
    /** In-flight deliveries claimed by the process with this pid (the owner names it). */
    claimsOf: (pid: number) =>
      db
        .prepare(
          `SELECT d.id, d.event_id, d.handler_id, d.lease_until FROM deliveries d
           WHERE d.status = 'in_flight' AND d.lease_owner LIKE ?`,
        )
        .all(`%:${pid}:%`) as Array<{
        id: number
        event_id: string
        handler_id: string
        lease_until: number
      }>,
    inFlight: (handlerId: string) =>
      (
        db
          .prepare(`SELECT count(*) AS n FROM deliveries WHERE handler_id = ? AND status = 'in_flight'`)
          .get(handlerId) as { n: number }
      ).n,
    unfinished: () =>
      (
        db
          .prepare(`SELECT count(*) AS n FROM deliveries WHERE status IN ('pending', 'in_flight', 'dead')`)
          .get() as { n: number }
      ).n,
  }
}

const startThree = (database: string, mode: 'all' | 'worker' = 'all') =>
  Promise.all([0, 1, 2].map(() => startRioProcess(mode, database)))

/** Output of every process: nothing failed, nothing was refused for a lock. */
function expectQuiet(processes: readonly RioProcess[]): void {
  for (const p of processes) expect(p.output()).not.toMatch(EVERYTHING_SAID)
}

describe('three processes on one SQLite file', () => {
  it('deliver every acknowledged event once; after a SIGKILL only the killed process’s claims twice, a lease later', async () => {
    const receiver = await recordingReceiver()
    const database = join(tempDir(), 'rio.db')
    const setup = new Rio({ database })
    const { secret } = await setup.createSender('shop', 'checkout')
    // A handler timeout below the fixture's keeps each claim's lease at LEASE_MS.
    const options = { project: 'shop', concurrency: 8, timeoutMs: 1000, retrySchedule: SCHEDULE }
    const a = await setup.webhook('order.*', { ...options, name: 'a', url: `${receiver.url}/a` })
    const b = await setup.webhook('order.*', { ...options, name: 'b', url: `${receiver.url}/b` })
    await setup.stop()
    const path = new Map([
      [a.id, '/a'],
      [b.id, '/b'],
    ])

    const processes = await startThree(database)
    const total = 1500
    const acknowledged = new Set<string>()
    const failures: string[] = []
    let next = 0
    const emitting = Promise.all(
      processes.flatMap((p) => {
        // Each process gets its own senders; a client retries (same idempotency key) while its process is down.
        const client = new Client({
          dsn: `http://checkout:${secret}@${new URL(p.url).host}/shop`,
          retries: 40,
          retryBudgetMs: 20_000,
          retryDelayMs: 50,
          retryMaxDelayMs: 300,
        })
        onCleanup(() => client.close())
        return Array.from({ length: 8 }, async () => {
          while (next < total) {
            const n = next++
            try {
              acknowledged.add((await client.emit('order.paid', { n })).id)
            } catch (error) {
              failures.push(String(error))
            }
          }
        })
      }),
    )

    const db = peek(database)
    await waitUntil(() => acknowledged.size >= total * 0.4, '40 % acknowledged', 15_000)
    const victim = processes[1]!
    victim.child.kill('SIGKILL')
    const killedAt = Date.now()
    expect((await victim.exited).signal).toBe('SIGKILL')
    const claims = db.claimsOf(victim.child.pid!)
    processes[1] = await startRioProcess('all', database, Number(new URL(victim.url).port))
    await emitting
    expect(failures).toEqual([])
    expect(acknowledged.size).toBe(total)

    const expected = [...acknowledged].flatMap((id) => [`/a ${id}`, `/b ${id}`])
    await waitUntil(
      () => {
        const seen = arrivals(receiver)
        return expected.every((key) => seen.has(key))
      },
      'every delivery of every acknowledged event',
      15_000,
    )
    await waitUntil(() => db.unfinished() === 0, 'nothing pending, in flight or dead', 5000)

    const seen = arrivals(receiver)
    const twice = [...seen].filter(([, n]) => n > 1)
    expect(twice.every(([, n]) => n === 2)).toBe(true)
    // Only the killed process's claims may have arrived twice: those it had sent or was sending.
    const claimed = new Set(claims.map((c) => `${path.get(c.handler_id)} ${c.event_id}`))
    expect(twice.filter(([key]) => !claimed.has(key))).toEqual([])
    expect(seen.size).toBe(expected.length)
    // Its claims came back once their lease ran out (never before), then waited the schedule's 200 ms.
    const leaseEnd = Math.max(...claims.map((c) => c.lease_until))
    expect(leaseEnd - killedAt).toBeLessThanOrEqual(LEASE_MS)
    const resent = twice.map(([key]) => receiver.requests.filter((r) => keyOf(r) === key)[1]!.receivedAt)
    for (const at of resent) expect(at).toBeGreaterThanOrEqual(leaseEnd)
    // Per-handler concurrency is per process: three processes reach up to three times a handler's 8.
    expect(receiver.maxOpen.get('/a')).toBeLessThanOrEqual(3 * 8)
    expectQuiet(processes)
    console.info(
      `scale-out: ${total} events × 2 handlers through 3 processes; killed one holding ${claims.length} claims ` +
        `(lease ran out ${leaseEnd - killedAt} ms after the kill): ${twice.length} sent twice, all its claims, ` +
        `again ${resent.length ? Math.min(...resent) - killedAt : '-'}–${resent.length ? Math.max(...resent) - killedAt : '-'} ms after the kill; ` +
        `most at once at handler a (concurrency 8): ${receiver.maxOpen.get('/a')}`,
    )
  }, 40_000)

  it('follow handler changes another process makes: disable at once, add and settings within the refresh, remove, redeliver', async () => {
    const receiver = await recordingReceiver()
    const database = join(tempDir(), 'rio.db')
    // The operator: a Rio on the file that never dispatches, as `rio handler …` and `rio deliveries retry` run.
    const operator = new Rio({ database })
    onCleanup(() => operator.stop())
    const options = { concurrency: 4, timeoutMs: 1000, retrySchedule: SCHEDULE }
    const a = await operator.webhook('order.*', { ...options, name: 'a', url: `${receiver.url}/a` })
    const b = await operator.webhook('order.*', { ...options, name: 'b', url: `${receiver.url}/b` })
    const processes = await startThree(database, 'worker')
    const db = peek(database)

    let emitting = true
    const emitted: string[] = []
    const feed = (async () => {
      while (emitting) {
        const batch = await operator.emitMany(
          Array.from({ length: 10 }, (_, n) => ({ name: 'order.paid', payload: { n } })),
        )
        emitted.push(...batch.map((e) => e.id))
        await sleep(20)
      }
    })()
    const after = (route: string, t: number) =>
      receiver.requests.filter((r) => r.path === route && r.receivedAt > t)
    await waitUntil(() => receiver.requests.some((r) => r.path === '/b'), 'b delivering')

    // Disabled: no process claims for b from the commit on; what was claimed already may finish.
    await operator.disableHandler(b.id)
    const disabledAt = Date.now()
    const bInFlight = db.inFlight(b.id)
    await sleep(HANDLER_REFRESH_MS + 300)
    const bLate = after('/b', disabledAt).length
    expect(bLate).toBeLessThanOrEqual(bInFlight)

    // Added: every process has it by its next handler read.
    const addedAt = Date.now()
    const c = await operator.webhook('order.*', { ...options, name: 'c', url: `${receiver.url}/c` })
    await waitUntil(() => after('/c', addedAt).length > 0, 'c delivering', HANDLER_REFRESH_MS + 1000)
    const firstC = after('/c', addedAt)[0]!.receivedAt - addedAt

    // A new URL: no process sends to the old one past its next handler read.
    await operator.updateHandler(a.id, { url: `${receiver.url}/a2` })
    const movedAt = Date.now()
    await waitUntil(() => after('/a2', movedAt).length > 0, 'a at its new URL', HANDLER_REFRESH_MS + 1000)
    await sleep(HANDLER_REFRESH_MS)
    const lastOld = Math.max(...after('/a', movedAt).map((r) => r.receivedAt), movedAt) - movedAt
    // The last read may start just before the change: allow one refresh plus an attempt's time.
    expect(lastOld).toBeLessThanOrEqual(HANDLER_REFRESH_MS + 1000)

    // Removed: its unfinished deliveries are cancelled; at most what was in flight still arrives.
    const cInFlight = db.inFlight(c.id)
    const { cancelled } = await operator.removeHandler(c.id)
    const removedAt = Date.now()
    await operator.enableHandler(b.id)
    emitting = false
    await feed

    // Redelivered by hand: sent exactly once more.
    const [done] = await operator.listDeliveries({ handlerId: b.id, status: 'succeeded', limit: 1 })
    await operator.redeliver(done!.id)
    await waitUntil(() => db.unfinished() === 0, 'every delivery finished', 10_000)
    const cLate = after('/c', removedAt).length
    expect(cLate).toBeLessThanOrEqual(cInFlight)
    const seen = arrivals(receiver)
    const redelivered = `/b ${done!.eventId}`
    expect([...seen].filter(([key, n]) => n > 1 && key !== redelivered)).toEqual([])
    expect(seen.get(redelivered)).toBe(2)
    // Nobody crashed: every event reached a (at one URL or the other) exactly once.
    for (const id of emitted) expect((seen.get(`/a ${id}`) ?? 0) + (seen.get(`/a2 ${id}`) ?? 0)).toBe(1)
    expectQuiet(processes)
    console.info(
      `handler changes across 3 workers: ${bLate} of ${bInFlight} in-flight b sends arrived after the disable; ` +
        `c first sent ${firstC} ms after it was added; old URL last used ${lastOld} ms after the change; ` +
        `remove cancelled ${cancelled}, ${cLate} of ${cInFlight} in flight arrived after`,
    )
  }, 40_000)

  it('deliver old events exactly once while `rio cleanup` deletes the finished ones under them', async () => {
    const receiver = await recordingReceiver()
    const database = join(tempDir(), 'rio.db')
    // Emitted two days ago, never dispatched until now.
    const old = new Rio({ database, clock: new ManualClock(Date.now() - 2 * 86_400_000) })
    await old.webhook('order.*', { name: 'a', url: `${receiver.url}/a`, concurrency: 8, timeoutMs: 1000 })
    const ids = (
      await old.emitMany(Array.from({ length: 600 }, (_, n) => ({ name: 'order.paid', payload: { n } })))
    ).map((e) => e.id)
    await old.stop()
    const operator = new Rio({ database })
    onCleanup(() => operator.stop())

    const processes = await startThree(database, 'worker')
    let removed = 0
    const olderThan = new Date(Date.now() - 86_400_000)
    await waitUntil(
      async () => {
        removed += (await operator.cleanup({ olderThan, batchSize: 50 })).events
        return removed === ids.length
      },
      'every old event delivered and removed',
      15_000,
    )
    const seen = arrivals(receiver)
    expect(ids.every((id) => seen.get(`/a ${id}`) === 1)).toBe(true)
    expect(receiver.requests).toHaveLength(ids.length)
    expect(await operator.listEvents({ limit: 1 })).toEqual([])
    expectQuiet(processes)
  }, 40_000)
})
