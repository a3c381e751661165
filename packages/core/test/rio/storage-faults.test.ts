import { spawn, spawnSync } from 'node:child_process'
import { renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import BetterSqlite3 from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { ManualClock, Rio, RioDatabaseError } from '../../src/index.js'
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { storeFault } from '../../src/store/store-fault.js'
import { onCleanup, receiver, tempDir, waitUntil } from '../helpers.js'
import { eventInput, result, T0, webhookInput } from '../store/contract/fixtures.js'

const root = fileURLToPath(new URL('../../../../', import.meta.url))
const diskFullChild = fileURLToPath(new URL('./fixtures/disk-full-child.ts', import.meta.url))
/** util-linux's `prlimit` sets a file size limit on a child and lifts it from outside (Linux only). */
const hasPrlimit = spawnSync('prlimit', ['--version']).status === 0
if (!hasPrlimit) console.warn('storage-faults: prlimit (util-linux) not found; the full-disk test is skipped')

/** A Rio on a connection the test opened (so it can shorten the busy timeout), and a second connection to lock with. */
function sharedRio(options: { busyTimeoutMs: number } & ConstructorParameters<typeof Rio>[0]) {
  const file = join(tempDir(), 'rio.db')
  const db = new BetterSqlite3(file)
  const { busyTimeoutMs, ...rest } = options
  const rio = new Rio({ database: db, retryJitter: 0, stopTimeoutMs: 2000, ...rest })
  // Rio sets 5000 ms on the shared connection; the host may set its own.
  db.pragma(`busy_timeout = ${busyTimeoutMs}`)
  const locker = new BetterSqlite3(file)
  onCleanup(() => {
    if (locker.inTransaction) locker.exec('ROLLBACK')
    locker.close()
  })
  onCleanup(async () => {
    await rio.stop()
    db.close()
  })
  return { rio, db, file, locker }
}

describe('storage faults', () => {
  it('rejects every emit of a group commit at once with a typed error naming the lock when another connection holds it too long', async () => {
    const { rio, locker } = sharedRio({ busyTimeoutMs: 200 })
    locker.exec('BEGIN IMMEDIATE')

    const started = performance.now()
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => rio.emit('order.paid', { i })),
    )
    const elapsed = performance.now() - started

    // One busy timeout for the batch, not one more per emit retried alone (2.2 s before).
    expect(elapsed).toBeLessThan(1000)
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected')
      const error = (outcome as PromiseRejectedResult).reason
      expect(error).toBeInstanceOf(RioDatabaseError)
      expect(error.code).toBe('database_error')
      expect(storeFault(error)).toBe('locked')
      expect(error.message).toMatch(
        /^cannot write events: another connection held the database's write lock for longer than the busy timeout \(200 ms\); nothing was written\..*SQLITE_BUSY/,
      )
    }
    expect(locker.prepare('SELECT count(*) FROM events').pluck().get()).toBe(0)

    locker.exec('COMMIT')
    const { id } = await rio.emit('order.paid', { after: true })
    expect(await rio.getEvent(id)).toMatchObject({ payload: { after: true } })
  })

  it('keeps results it cannot record while the write lock is held elsewhere, and records them once it can, attempting nothing twice', async () => {
    // The handler takes the lock itself, so its result meets it; the lease runs out while it is held.
    const { rio, locker } = sharedRio({
      busyTimeoutMs: 50,
      pollIntervalMs: 50,
      leaseMs: 300,
      timeoutMs: 200,
    })
    const calls: string[] = []
    await rio.on('order.paid', 'bill', async (event) => {
      calls.push(event.id)
      if (calls.length === 1) locker.exec('BEGIN IMMEDIATE')
    })
    const faults: Error[] = []
    rio.events.on('error', (error) => faults.push(error))
    const { id } = await rio.emit('order.paid', { order: 1 })
    await rio.start()

    await waitUntil(
      () => faults.some((e) => e.message.startsWith('cannot record delivery results')),
      'the result write to fail on the lock',
    )
    const [delivery] = await rio.listDeliveries({ eventId: id, limit: 1 })
    expect(delivery!.status).toBe('in_flight')
    const leaseUntil = delivery!.leaseUntil!.getTime()
    await waitUntil(() => Date.now() > leaseUntil + 100, 'the lease to run out while the lock is held')
    locker.exec('COMMIT')

    await waitUntil(
      async () => (await rio.getDelivery(delivery!.id)).status === 'succeeded',
      'the kept result to be recorded',
    )
    expect(calls).toEqual([id])
    const attempts = await rio.listAttempts(delivery!.id)
    expect(attempts.map((a) => [a.number, a.error])).toEqual([[1, null]])
  })

  it('renews, instead of bringing back, the expired lease of a delivery whose result its owner still holds, so the result applies', async () => {
    // The result waits while the database cannot be written; meanwhile the lease runs out and the
    // owner's next claim comes before the result is written. Brought back pending, the delivery would
    // be claimed (here, behind an older one) and sent again, and the result would not apply.
    const store = new SqliteStore({ database: join(tempDir(), 'rio.db') })
    onCleanup(() => store.close())
    const handler = await store.insertHandler(webhookInput('shop', 'hook', '*'), T0)
    const [first] = await store.insertEvents([eventInput('shop', 'a', { createdAt: T0 })])
    const slot = { handlerId: handler.id, limit: 1 }
    const [claimed] = await store.claimDueDeliveries({
      slots: [slot],
      now: T0,
      leaseUntil: T0 + 100,
      owner: 'me',
    })
    expect(claimed!.event.id).toBe(first!.id)
    await store.insertEvents([eventInput('shop', 'b', { createdAt: T0 + 1 })])

    const later = await store.claimDueDeliveries({
      slots: [slot],
      now: T0 + 500,
      leaseUntil: T0 + 600,
      owner: 'me',
      held: [claimed!.id],
    })
    expect(later.map((c) => c.event.name)).toEqual(['b'])
    const held = await store.getDelivery(claimed!.id)
    expect(held).toMatchObject({ status: 'in_flight', leaseUntil: new Date(T0 + 600) })

    const [completed] = await store.completeDeliveries([result(claimed!, { kind: 'succeeded' })], {
      now: T0 + 550,
      owner: 'me',
      disableAfterMs: 60_000,
    })
    expect(completed!.applied).toBe(true)
    expect((await store.getDelivery(claimed!.id))!.status).toBe('succeeded')
  })

  it('backs off while its claims fail on the database, instead of trying every poll, and resumes at once when an emit commits', async () => {
    const dir = tempDir()
    const file = join(dir, 'rio.db')
    const clock = new ManualClock(T0)
    const rio = new Rio({ database: file, clock, pollIntervalMs: 100 })
    onCleanup(() => rio.stop())
    const calls: string[] = []
    await rio.on('order.paid', 'bill', async (event) => void calls.push(event.id))
    const claimFailures: Error[] = []
    rio.events.on('error', (error) => {
      if (error.message.startsWith('cannot claim deliveries')) claimFailures.push(error)
    })
    // A round ends by setting the timer of the next one: time moves on once it is set.
    const advance = async (ms: number) => {
      for (let step = 0; step < ms / 100; step++) {
        for (let turn = 0; turn < 100 && clock.pendingTimers === 0; turn++) {
          await new Promise((resolve) => setImmediate(resolve))
        }
        await clock.advance(100)
      }
    }
    await rio.start()
    await advance(1000)
    expect(rio.heartbeat).toBeGreaterThan(0)

    renameSync(file, join(dir, 'moved.db'))
    await advance(60_000)
    // Every poll would be 600 failed claims; doubling waits from 100 ms up to 30 s make 10.
    expect(claimFailures.length).toBeGreaterThan(3)
    expect(claimFailures.length).toBeLessThan(15)

    renameSync(join(dir, 'moved.db'), file)
    const { id } = await rio.emit('order.paid', { n: 1 })
    await waitUntil(() => calls.includes(id), 'the emit to be delivered without waiting out the backoff')
  })

  it('refuses writes once the database file is moved away, says so in /_health/?full, and resumes when it is back', async () => {
    const dir = tempDir()
    const file = join(dir, 'rio.db')
    const rio = new Rio({ database: file, pollIntervalMs: 50 })
    onCleanup(() => rio.stop())
    await rio.createProject('shop')
    await rio.createSender('shop', 'checkout', { secret: 'checkout-secret' })
    const server = await rio.listen({ port: 0, host: '127.0.0.1' })
    onCleanup(() => server.close())
    const before = await rio.emit('order.paid', { n: 0 }, { project: 'shop' })

    renameSync(file, join(dir, 'moved.db'))
    const refused = await rio.emit('order.paid', { n: 1 }, { project: 'shop' }).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(RioDatabaseError)
    expect(storeFault(refused)).toBe('file_moved')
    expect((refused as Error).message).toContain(`the database file "${file}" was deleted or renamed`)
    const http = await fetch(`${server.url}/api/v1/projects/shop/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from('checkout:checkout-secret').toString('base64')}`,
      },
      body: JSON.stringify({ name: 'order.paid', payload: { n: 2 } }),
    })
    expect(http.status).toBe(503)
    expect(((await http.json()) as { error: { code: string } }).error.code).toBe('database_error')
    const health = await fetch(`${server.url}/_health/?full`)
    expect(health.status).toBe(500)
    expect(JSON.stringify(await health.json())).toContain('was deleted or renamed')

    renameSync(join(dir, 'moved.db'), file)
    const after = await rio.emit('order.paid', { n: 3 }, { project: 'shop' })
    expect((await fetch(`${server.url}/_health/?full`)).status).toBe(200)
    await rio.stop()

    const reopened = new Rio({ database: file })
    onCleanup(() => reopened.stop())
    const stored = await reopened.listEvents({ project: 'shop', limit: 10 })
    expect(stored.map((e) => e.id).sort()).toEqual([before.id, after.id].sort())
  })

  it('loses no resolved emit when the database file is deleted: later emits are refused', async () => {
    const file = join(tempDir(), 'rio.db')
    const rio = new Rio({ database: file })
    onCleanup(() => rio.stop())
    await rio.emit('order.paid', { n: 0 })
    for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true })
    const refused = await rio.emit('order.paid', { n: 1 }).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(RioDatabaseError)
    expect(storeFault(refused)).toBe('file_moved')
    expect((await rio.health()).problems.join('\n')).toContain('was deleted or renamed')
  })

  it.skipIf(!hasPrlimit)(
    'survives a full disk in a process under a file size limit: typed rejections, health says so, and everything resolved is delivered once space is back',
    async () => {
      const target = await receiver()
      const file = join(tempDir(), 'rio.db')
      // The soft limit makes writes past 600 kB fail (EFBIG; Node ignores SIGXFSZ); the hard one lets the parent lift it.
      const child = spawn(
        'prlimit',
        ['--fsize=600000:unlimited', process.execPath, '--import', 'tsx', diskFullChild, file, target.url],
        {
          cwd: root,
          env: { ...process.env, TSX_TSCONFIG_PATH: join(root, 'tsconfig.check.json') },
          stdio: ['pipe', 'pipe', 'pipe'],
        },
      )
      onCleanup(() => void child.kill('SIGKILL'))
      let stdout = ''
      let stderr = ''
      child.stdout!.on('data', (chunk) => (stdout += chunk))
      child.stderr!.on('data', (chunk) => (stderr += chunk))
      // biome-ignore lint/suspicious/noExplicitAny: JSON lines from the child
      const lines = (): any[] =>
        stdout
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l))
      const line = (key: string) =>
        waitUntil(
          () => lines().find((l) => key in l),
          `the child to report ${key} (stdout: ${stdout.slice(-300)} stderr: ${stderr.slice(-500)})`,
          15_000,
        )

      const { resolved, rejection } = await line('resolved')
      expect(resolved.length).toBeGreaterThan(0)
      expect(rejection).toMatchObject({ name: 'RioDatabaseError', code: 'database_error' })
      const { health } = await line('errorEvents')
      expect(health.ok).toBe(false)
      expect(health.problems.join('\n')).toMatch(/the database is not writable: \d+ writes have failed since/)
      expect(['disk_full', 'io_error']).toContain(rejection.fault)
      expect(rejection.message).toMatch(/^cannot write events: .*(disk is full|size limit)/)

      const lifted = spawn('prlimit', ['--pid', String(child.pid), '--fsize=unlimited:unlimited'])
      expect(await new Promise((resolve) => lifted.on('exit', resolve))).toBe(0)
      child.stdin!.write('space is back\n')
      const { after, health: healthAfter } = await line('after')
      expect(healthAfter).toEqual({ ok: true, problems: [] })

      const promised = new Set<string>([...resolved, ...after])
      await waitUntil(
        () => [...promised].every((id) => target.requests.some((r) => r.headers['webhook-id'] === id)),
        'every resolved emit to be delivered',
        15_000,
      )
      expect(lines().filter((l) => 'crash' in l)).toEqual([])
      console.info(
        `disk full under a 600 kB file size limit: ${resolved.length} emits resolved before the limit, ${after.length} after it was lifted, all ${promised.size} delivered (${target.requests.length} requests)`,
      )
    },
    30_000,
  )
})
