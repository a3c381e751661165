import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Client } from 'rio-client'
import { afterEach, describe, expect, it } from 'vitest'
import { startReceiver } from '../../../test/support/receiver.js'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const bin = fileURLToPath(new URL('../src/bin.ts', import.meta.url))
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

/** Runs `rio …` to completion and returns its exit code and output. */
function rio(
  args: string[],
): Promise<{ code: number | null; out: string; child: ChildProcess }> & { child: ChildProcess } {
  const child = spawn(process.execPath, ['--import', 'tsx', bin, ...args], {
    cwd: root,
    env: { ...process.env, TSX_TSCONFIG_PATH: join(root, 'tsconfig.check.json') },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout!.on('data', (c) => (out += c))
  child.stderr!.on('data', (c) => (out += c))
  const done = new Promise<{ code: number | null; out: string; child: ChildProcess }>((resolve) =>
    child.on('exit', (code) => resolve({ code, out, child })),
  )
  return Object.assign(done, { child })
}

async function json<T>(args: string[]): Promise<T> {
  const { code, out } = await rio([...args, '--json'])
  expect(code, out).toBe(0)
  return JSON.parse(out) as T
}

describe('rio management commands', () => {
  it('creates a project, a sender and a webhook, then shows, retries and recovers its deliveries', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rio-cli-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const db = ['--database', join(dir, 'rio.db')]
    const receiver = await startReceiver()
    cleanups.push(() => receiver.close())
    receiver.respond(() => ({ status: 500, body: 'down for maintenance' }))

    expect((await rio(['project', 'create', 'shop', ...db])).code).toBe(0)
    const projects = await json<Array<{ name: string }>>(['project', 'list', ...db])
    expect(projects.map((p) => p.name)).toEqual(['shop'])
    const sender = await json<{ dsn: string }>([
      'sender',
      'create',
      'shop',
      'checkout',
      '--url',
      'http://127.0.0.1:1',
      ...db,
    ])
    expect(sender.dsn).toMatch(/^http:\/\/checkout:[^@]+@127\.0\.0\.1:1\/shop$/)
    const senders = await rio(['sender', 'list', 'shop', ...db])
    expect(senders.out).toContain('checkout')
    expect(senders.out).not.toContain(new URL(sender.dsn).password)
    const added = await rio([
      'handler',
      'add',
      'shop',
      'order.*',
      receiver.url,
      '--name',
      'erp',
      '--header',
      'x-team=erp',
      ...db,
    ])
    expect(added.code, added.out).toBe(0)
    expect(added.out).toMatch(/signing secret \(give it to the receiver\): whsec_/)
    const [handler] = await json<Array<{ id: string; secrets: string[] }>>([
      'handler',
      'list',
      '--project',
      'shop',
      ...db,
    ])
    expect(handler!.secrets).toEqual(['(hidden)'])

    // Serve on a free port with a fast retry schedule… the standalone server uses the default
    // schedule, so the first failure leaves the delivery pending; emit through the printed DSN.
    const server = rio(['start', '--port', '0', ...db])
    cleanups.push(() => server.child.kill('SIGKILL'))
    let out = ''
    server.child.stdout!.on('data', (c) => (out += c))
    while (!/listening on (http:\/\/\S+)/.test(out)) await new Promise((r) => setTimeout(r, 50))
    const url = new URL(/listening on (http:\/\/\S+)/.exec(out)![1]!)
    const dsn = new URL(sender.dsn)
    dsn.port = url.port
    const client = new Client({ dsn: dsn.toString() })
    const { id } = await client.emit('order.paid', { order: 7 })
    await client.close()
    await receiver.waitFor(1, 10_000)
    expect(receiver.requests[0]!.headers['x-team']).toBe('erp')
    server.child.kill('SIGTERM')
    expect((await server).code).toBe(0)

    const listed = await json<Array<{ id: string; eventId: string; status: string; attempts: number }>>([
      'deliveries',
      'list',
      ...db,
    ])
    expect(listed).toHaveLength(1)
    expect(listed[0]).toMatchObject({ eventId: id, status: 'pending', attempts: 1 })
    const shown = await rio(['deliveries', 'show', listed[0]!.id, ...db])
    expect(shown.out).toContain('down for maintenance')
    const events = await rio(['events', 'list', '--project', 'shop', '--since', '1h', ...db])
    expect(events.out).toContain(id)

    const retried = await json<{ status: string }>(['deliveries', 'retry', listed[0]!.id, ...db])
    expect(retried.status).toBe('pending')
    const recovered = await rio(['recover', '--handler', handler!.id, '--since', '1d', ...db])
    expect(recovered.out).toMatch(/re-queued 0 dead deliveries/)

    expect((await rio(['handler', 'disable', handler!.id, ...db])).out).toMatch(/no \(manual\)/)
    expect((await rio(['handler', 'enable', handler!.id, ...db])).out).toMatch(/yes/)
    expect((await rio(['handler', 'remove', handler!.id, ...db])).out).toMatch(
      /1 unfinished deliveries cancelled/,
    )
    const missing = await rio(['deliveries', 'show', '999', ...db])
    expect(missing.code).toBe(3)
    expect(missing.out).toMatch(/^rio: delivery "999" does not exist/)
    const badSince = await rio(['events', 'list', '--since', 'yesterday-ish', ...db])
    expect(badSince.code).toBe(2)
    expect(badSince.out).toMatch(/give an ISO date or a span like 2h or 3d/)
  }, 90_000)
})
