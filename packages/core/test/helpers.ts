import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type RequestListener } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach } from 'vitest'
import { type Receiver, type ReceiverOptions, startReceiver } from '../../../test/support/receiver.js'
import { Rio, type RioOptions } from '../src/index.js'
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js'

const cleanups: Array<() => Promise<void> | void> = []

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!()
})

/**
 * Serves `listener` (a bare handler, an Express or Connect app) on 127.0.0.1:0 until the end of the
 * test, its connections closed then; returns its origin (`http://127.0.0.1:<port>`).
 */
export async function serve(listener: RequestListener): Promise<string> {
  const server = createServer(listener)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onCleanup(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  )
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`
}

/** Runs `fn` after the current test, last registered first. */
export function onCleanup(fn: () => Promise<void> | void): void {
  cleanups.push(fn)
}

/** A fresh directory under the OS temp dir, removed after the test. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rio-test-'))
  onCleanup(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** A Rio on a real SQLite file in a temp dir, stopped after the test; fast retries unless overridden. */
export function makeRio(options: RioOptions = {}): Rio {
  const rio = new Rio({
    database: join(tempDir(), 'rio.db'),
    retryJitter: 0,
    pollIntervalMs: 50,
    stopTimeoutMs: 2000,
    ...options,
  })
  onCleanup(() => rio.stop())
  return rio
}

/** Polls `check` (real time) until it returns a truthy value; fails with `what` after `timeoutMs`. */
export async function waitUntil<T>(
  check: () => T | Promise<T>,
  what: string,
  timeoutMs = 10_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value) return value as NonNullable<T>
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Starts the shared recording receiver, closed after the test. */
export async function receiver(options?: ReceiverOptions): Promise<Receiver> {
  const r = await startReceiver(options)
  onCleanup(() => r.close())
  return r
}

/** A promise and the function that resolves it, to hold a receiver's answer until the test says so. */
export function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void
  const opened = new Promise<void>((resolve) => (open = resolve))
  return { opened, open }
}

/**
 * A SQLite store in a temp dir whose `listHandlers` answers late, as a networked store's
 * (PostgreSQL) may: the rows are read, then `late()` is awaited before they are returned.
 */
export function lateHandlerReads(late: () => Promise<void>): SqliteStore {
  const inner = new SqliteStore({ database: join(tempDir(), 'rio.db') })
  onCleanup(() => inner.close())
  return new Proxy(inner, {
    get(target, prop) {
      if (prop === 'listHandlers') {
        return async (...args: Parameters<SqliteStore['listHandlers']>) => {
          const rows = await target.listHandlers(...args)
          await late()
          return rows
        }
      }
      const value = Reflect.get(target, prop, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}
