import { existsSync, readdirSync, readlinkSync, renameSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Rio, RioClosedError } from '../../src/index.js'
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { gate, onCleanup, receiver, sleep, tempDir, waitUntil } from '../helpers.js'

/** What this process's file descriptors point at (Linux). */
function openFiles(): string[] {
  if (!existsSync('/proc/self/fd')) return []
  return readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      return [readlinkSync(`/proc/self/fd/${fd}`)]
    } catch {
      return []
    }
  })
}

/** Opens `file` again (after the Rio on it stopped) for the test to read what was recorded. */
function reopen(file: string): Rio {
  const rio = new Rio({ database: file })
  onCleanup(() => rio.stop())
  return rio
}

describe('stop() called by a function handler', () => {
  it('resolves without waiting stopTimeoutMs for the handler calling it, and records that handler’s attempt', async () => {
    const file = join(tempDir(), 'rio.db')
    const rio = new Rio({ database: file, pollIntervalMs: 50, stopTimeoutMs: 5000 })
    onCleanup(() => rio.stop())
    const returned = gate()
    let insideMs = Number.NaN
    rio.on('deploy.finished', 'shut-down', async () => {
      const started = performance.now()
      await rio.stop()
      insideMs = performance.now() - started
      returned.open()
    })
    await rio.start()
    const { id } = await rio.emit('deploy.finished', {})
    await returned.opened
    const started = performance.now()
    await rio.stop()
    const outsideMs = performance.now() - started
    // Before, the stop waited for the handler, which waited for the stop: stopTimeoutMs (5 s) went
    // by, then the attempt was given back unrecorded, to run (and stop Rio) again at every start.
    expect(insideMs).toBeLessThan(1000)
    expect(outsideMs).toBeLessThan(1000)
    const [delivery] = await reopen(file).listDeliveries({ eventId: id })
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 1 })
  }, 20_000)

  it('resolves once the other attempts in flight have finished, and records them too', async () => {
    const file = join(tempDir(), 'rio.db')
    const rio = new Rio({ database: file, pollIntervalMs: 50, stopTimeoutMs: 5000 })
    onCleanup(() => rio.stop())
    const slowStarted = gate()
    const returned = gate()
    let slowFinished = false
    let finishedWhenStopped: boolean | undefined
    rio.on('import', 'slow', async () => {
      slowStarted.open()
      await sleep(300)
      slowFinished = true
    })
    rio.on('shut-down', 'shut-down', async () => {
      await rio.stop()
      finishedWhenStopped = slowFinished
      returned.open()
    })
    await rio.start()
    const slow = await rio.emit('import', {})
    await slowStarted.opened
    const shutDown = await rio.emit('shut-down', {})
    await returned.opened
    await rio.stop()
    expect(finishedWhenStopped).toBe(true)
    const reopened = reopen(file)
    for (const { id } of [slow, shutDown]) {
      const [delivery] = await reopened.listDeliveries({ eventId: id })
      expect(delivery).toMatchObject({ status: 'succeeded', attempts: 1 })
    }
  }, 20_000)

  it('resolves for `return rio.stop()`, the handler’s result recorded', async () => {
    const file = join(tempDir(), 'rio.db')
    const rio = new Rio({ database: file, pollIntervalMs: 50, stopTimeoutMs: 5000 })
    onCleanup(() => rio.stop())
    rio.on('deploy.finished', 'shut-down', () => rio.stop())
    await rio.start()
    const { id } = await rio.emit('deploy.finished', {})
    await waitUntil(() => rio.db!.open === false, 'the stop', 3000)
    const [delivery] = await reopen(file).listDeliveries({ eventId: id })
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 1 })
  })

  it('waits for the whole stop when another Rio’s handler calls it', async () => {
    const other = new Rio({ database: join(tempDir(), 'other.db'), pollIntervalMs: 50 })
    onCleanup(() => other.stop())
    const file = join(tempDir(), 'rio.db')
    const rio = new Rio({ database: file })
    onCleanup(() => rio.stop())
    const returned = gate()
    let openAfterStop: boolean | undefined
    other.on('x', 'stops-the-other-rio', async () => {
      await rio.stop()
      openAfterStop = rio.db!.open
      returned.open()
    })
    await other.start()
    await other.emit('x', {})
    await returned.opened
    expect(openAfterStop).toBe(false)
  })
})

describe('stop() and function handlers', () => {
  it('aborts the signal of a handler that outlives stopTimeoutMs and gives its delivery back unrecorded', async () => {
    const file = join(tempDir(), 'rio.db')
    const rio = new Rio({ database: file, pollIntervalMs: 50, stopTimeoutMs: 200 })
    onCleanup(() => rio.stop())
    const started = gate()
    let signal: AbortSignal | undefined
    rio.on('job', 'stuck', (_event, context) => {
      signal = context.signal
      started.open()
      return new Promise(() => {})
    })
    await rio.start()
    const { id } = await rio.emit('job', {})
    await started.opened
    const stopStarted = performance.now()
    await rio.stop()
    expect(performance.now() - stopStarted).toBeLessThan(1500)
    expect(signal!.aborted).toBe(true)
    const [delivery] = await reopen(file).listDeliveries({ eventId: id })
    expect(delivery).toMatchObject({ status: 'pending', attempts: 0 })
  })

  it('records a function that resolves to the string "timeout" as succeeded, not timed out', async () => {
    const file = join(tempDir(), 'rio.db')
    const rio = new Rio({ database: file, pollIntervalMs: 50 })
    onCleanup(() => rio.stop())
    rio.on('job', 'answers-timeout', async () => 'timeout')
    await rio.start()
    const { id } = await rio.emit('job', {})
    const delivery = await waitUntil(async () => {
      const [d] = await rio.listDeliveries({ eventId: id })
      return d && d.attempts > 0 ? d : undefined
    }, 'the attempt')
    expect(delivery).toMatchObject({ status: 'succeeded', lastError: null })
  })
})

describe('stop() when things go wrong', () => {
  it('closes the database though giving back what was in flight fails', async () => {
    const hook = await receiver()
    hook.respond(() => 'hang')
    const file = join(tempDir(), 'rio.db')
    const rio = new Rio({ database: file, pollIntervalMs: 50, stopTimeoutMs: 200 })
    onCleanup(() => rio.stop().catch(() => undefined))
    await rio.webhook('x', { url: hook.url })
    await rio.start()
    await rio.emit('x', {})
    await waitUntil(() => rio.inFlight > 0, 'the attempt to start')
    // The file moved away while Rio runs: the release of the hanging attempt cannot be written.
    renameSync(file, `${file}.moved`)
    await expect(rio.stop()).rejects.toMatchObject({ name: 'RioDatabaseError' })
    // Before, the failure skipped the rest of the stop: the connection stayed open, with the file.
    expect(rio.db!.open).toBe(false)
    expect(openFiles().filter((f) => f.startsWith(`${file}.moved`))).toEqual([])
    await expect(rio.stop()).rejects.toMatchObject({ name: 'RioDatabaseError' })
  })

  it('waits for a round that is claiming when stop() is called, and records what it claimed', async () => {
    const hook = await receiver()
    const file = join(tempDir(), 'rio.db')
    const inner = new SqliteStore({ database: file })
    const claimAnswered = gate()
    let claimedSome = false
    // A store that answers claims late, as a networked one (PostgreSQL) may.
    const store = new Proxy(inner, {
      get(target, prop) {
        if (prop === 'claimDueDeliveries') {
          return async (...args: Parameters<SqliteStore['claimDueDeliveries']>) => {
            const rows = await target.claimDueDeliveries(...args)
            if (rows.length > 0) {
              claimedSome = true
              await claimAnswered.opened
            }
            return rows
          }
        }
        const value = Reflect.get(target, prop, target)
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
    const rio = new Rio({ store, pollIntervalMs: 50, stopTimeoutMs: 5000 })
    onCleanup(() => rio.stop())
    await rio.webhook('x', { url: hook.url })
    await rio.start()
    const { id } = await rio.emit('x', {})
    await waitUntil(() => claimedSome, 'the claim')
    const stopping = rio.stop()
    await sleep(50)
    claimAnswered.open()
    await stopping
    // Before, the stop did not see the attempt the round started after it: the delivery stayed
    // in flight, unsent, until its lease ran out (60 s by default).
    const [delivery] = await reopen(file).listDeliveries({ eventId: id })
    expect(delivery!.status).not.toBe('in_flight')
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 1 })
    expect(hook.requests).toHaveLength(1)
  })
})

describe('a stopped Rio', () => {
  it('refuses listen() with RioClosedError, and listens on nothing', async () => {
    const rio = new Rio({ database: join(tempDir(), 'rio.db') })
    await rio.stop()
    const sockets = openFiles().filter((f) => f.startsWith('socket:')).length
    await expect(rio.listen({ port: 0 })).rejects.toBeInstanceOf(RioClosedError)
    expect(openFiles().filter((f) => f.startsWith('socket:')).length).toBeLessThanOrEqual(sockets)
  })

  it('refuses emits with RioClosedError and writes nothing, after stop() called twice at once before start()', async () => {
    const file = join(tempDir(), 'rio.db')
    const rio = new Rio({ database: file })
    await rio.emit('x', {})
    const [first, second] = [rio.stop(), rio.stop()]
    expect(first).toBe(second)
    await Promise.all([first, second])
    await expect(rio.emit('x', {})).rejects.toBeInstanceOf(RioClosedError)
    expect(() => rio.emitSync('x', {})).toThrow(RioClosedError)
    await expect(rio.emitMany([{ name: 'x' }])).rejects.toBeInstanceOf(RioClosedError)
    await expect(rio.start()).rejects.toBeInstanceOf(RioClosedError)
    expect(await reopen(file).listEvents()).toHaveLength(1)
  })

  it('refuses a call that stop() overtook with RioClosedError (a 503 over HTTP), not a database error (500)', async () => {
    const file = join(tempDir(), 'rio.db')
    const rio = new Rio({ database: file })
    // createSender awaits its scrypt hash between checking that Rio is open and writing: a stop()
    // in between closes the store under it.
    const createSender = rio.store.createSender.bind(rio.store)
    rio.store.createSender = async (input) => {
      await rio.stop()
      return createSender(input)
    }
    const refused = await rio.createSender('shop', 'web').catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(RioClosedError)
    expect((refused as RioClosedError).code).toBe('closed')
    expect(await reopen(file).listSenders('shop')).toEqual([])
  })
})

describe('two Rios on one file in one process (a dev server that re-evaluated the module)', () => {
  it('warns once, with code RIO_DATABASE_OPEN_TWICE, when a second Rio opens a file another one has open', async () => {
    const warnings: Error[] = []
    const onWarning = (warning: Error) => warnings.push(warning)
    process.on('warning', onWarning)
    onCleanup(() => {
      process.off('warning', onWarning)
    })
    const dir = tempDir()
    // Stopped before the next one opens the file: a restart, not a second Rio.
    await new Rio({ database: join(dir, 'a.db') }).stop()
    await new Rio({ database: join(dir, 'a.db') }).stop()
    const old = new Rio({ database: join(dir, 'b.db') })
    onCleanup(() => old.stop())
    // Relative or absolute, it is the same file.
    const reloaded = new Rio({ database: relative(process.cwd(), join(dir, 'b.db')) })
    onCleanup(() => reloaded.stop())
    const third = new Rio({ database: join(dir, 'b.db') })
    onCleanup(() => third.stop())
    await new Promise((resolve) => setImmediate(resolve))
    const ours = warnings.filter((w) => (w as { code?: string }).code === 'RIO_DATABASE_OPEN_TWICE')
    expect(ours).toHaveLength(1)
    expect(ours[0]!.name).toBe('RioWarning')
    expect(ours[0]!.message).toContain(join(dir, 'b.db'))
  })

  it('sends each webhook delivery once, and runs function deliveries in both, the first one’s old code included', async () => {
    const hook = await receiver()
    const file = join(tempDir(), 'rio.db')
    const ran = { old: 0, reloaded: 0 }
    const old = new Rio({ database: file, pollIntervalMs: 50 })
    onCleanup(() => old.stop())
    await old.webhook('x', { url: hook.url })
    old.on('x', 'audit', () => {
      ran.old++
    })
    await old.start()
    const reloaded = new Rio({ database: file, pollIntervalMs: 50 })
    onCleanup(() => reloaded.stop())
    await reloaded.webhook('x', { url: hook.url })
    reloaded.on('x', 'audit', () => {
      ran.reloaded++
    })
    await reloaded.start()
    await Promise.all(Array.from({ length: 100 }, (_, n) => (n % 2 ? old : reloaded).emit('x', { n })))
    await waitUntil(
      async () =>
        (await reloaded.listDeliveries({ status: ['pending', 'in_flight'], limit: 1 })).length === 0,
      'every delivery',
    )
    const ids = hook.requests.map((r) => r.headers['webhook-id'])
    expect(ids).toHaveLength(100)
    expect(new Set(ids).size).toBe(100)
    expect(ran.old + ran.reloaded).toBe(100)
    // The documented hazard (docs/reliability.md, "Stopping"): the Rio never stopped keeps running
    // the handler code it was given.
    expect(ran.old).toBeGreaterThan(0)
  }, 30_000)
})
