import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { startReceiver } from '../../../test/support/receiver.js'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const bin = fileURLToPath(new URL('../src/bin.ts', import.meta.url))
const env = { ...process.env, TSX_TSCONFIG_PATH: join(root, 'tsconfig.check.json') }
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

function background(args: string[]): {
  child: ChildProcess
  output: () => string
  exited: Promise<number | null>
} {
  const child = spawn(process.execPath, ['--import', 'tsx', bin, ...args], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout!.on('data', (c) => (out += c))
  child.stderr!.on('data', (c) => (out += c))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  cleanups.push(() => child.exitCode === null && child.kill('SIGKILL'))
  return { child, output: () => out, exited }
}
const run = (args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', bin, ...args], { cwd: root, env, encoding: 'utf8' })
async function until(check: () => boolean, what: string, ms = 20_000) {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('rio start web + rio start worker, rio health, rio cleanup', () => {
  it('stores through a web process, delivers from a worker process, reports health, and cleans up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rio-roles-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const db = ['--database', join(dir, 'rio.db')]
    const receiver = await startReceiver()
    cleanups.push(() => receiver.close())
    expect(run(['handler', 'add', 'shop', 'order.*', receiver.url, '--name', 'erp', ...db]).status).toBe(0)
    const sender = JSON.parse(
      spawnSync(
        process.execPath,
        ['--import', 'tsx', bin, 'sender', 'create', 'shop', 'checkout', '--json', ...db],
        {
          cwd: root,
          env: { ...env, RIO_PUBLIC_URL: 'https://rio.example.com/events' },
          encoding: 'utf8',
        },
      ).stdout,
    ) as { dsn: string }
    // the DSN's base comes from the configuration (here RIO_PUBLIC_URL) unless --url is given
    expect(sender.dsn).toMatch(/^https:\/\/checkout:[^@]+@rio\.example\.com\/events\/shop$/)

    const web = background(['start', 'web', '--port', '0', ...db])
    await until(() => /listening on http/.test(web.output()), 'the web process')
    const url = /listening on (http:\/\/\S+)/.exec(web.output())![1]!
    const { username, password } = new URL(sender.dsn)
    const emitted = await fetch(`${url}/api/v1/projects/shop/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${username}:${decodeURIComponent(password)}`).toString('base64')}`,
      },
      body: JSON.stringify({ name: 'order.paid', payload: { order: 1 } }),
    })
    expect(emitted.status).toBe(202)
    await new Promise((r) => setTimeout(r, 300))
    expect(receiver.requests).toHaveLength(0) // web does not dispatch

    const worker = background(['start', 'worker', ...db])
    await receiver.waitFor(1, 15_000)
    expect(worker.output()).not.toMatch(/listening/)

    const health = run(['health', '--url', url])
    expect(health.status, health.stdout + health.stderr).toBe(0)
    expect(health.stdout).toBe('ok\n')

    for (const p of [web, worker]) {
      p.child.kill('SIGTERM')
      expect(await p.exited).toBe(0)
    }
    const unreachable = run(['health', '--url', url])
    expect(unreachable.status).toBe(1)
    expect(unreachable.stderr).toMatch(/cannot reach Rio at .*is `rio start` running\?/)

    // Without --url, rio health opens the database itself.
    const direct = run(['health', '--json', ...db])
    expect(direct.status, direct.stderr).toBe(0)
    expect(JSON.parse(direct.stdout)).toEqual({ ok: true, problems: [] })

    const kept = run(['cleanup', '--days', '1', '--json', ...db])
    expect(JSON.parse(kept.stdout)).toEqual({ events: 0, deliveries: 0, attempts: 0 })
    // --days 0 is refused: cleanup never takes a day of history by accident
    expect(run(['cleanup', '--days', '0', ...db]).stderr).toMatch(/--days must be a positive whole number/)
  }, 60_000)
})
