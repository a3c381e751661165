import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { Client } from 'rio-client'
import { afterEach, describe, expect, it } from 'vitest'
import { startReceiver } from '../../../test/support/receiver.js'
import { makeRio, onCleanup } from '../../core/test/helpers.js'
import { createLogger, logRio } from '../src/logging.js'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const bin = fileURLToPath(new URL('../src/bin.ts', import.meta.url))
const ADMIN_TOKEN = 'admin-token-that-must-never-be-logged'
const env = {
  ...process.env,
  TSX_TSCONFIG_PATH: join(root, 'tsconfig.check.json'),
  RIO_ADMIN_TOKEN: ADMIN_TOKEN,
}
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})
const run = (args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', bin, ...args], { cwd: root, env, encoding: 'utf8' })

describe('rio start logs', () => {
  it('writes EMIT, REQUEST and RESPONSE lines in the original format, and no secret', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rio-logs-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const db = ['--database', join(dir, 'rio.db')]
    const receiver = await startReceiver()
    cleanups.push(() => receiver.close())
    const hookUrl = `http://hook:hunter2pw@127.0.0.1:${receiver.port}/hook?token=querysecret123`
    const added = run(['handler', 'add', 'shop', 'order.*', hookUrl, '--name', 'erp', '--json', ...db])
    expect(added.status, added.stderr).toBe(0)
    const signingSecret = (JSON.parse(added.stdout) as { secrets: string[] }).secrets[0]!
    const sender = JSON.parse(
      run(['sender', 'create', 'shop', 'checkout', '--url', 'http://127.0.0.1:1', '--json', ...db]).stdout,
    ) as { dsn: string }

    const child: ChildProcess = spawn(
      process.execPath,
      ['--import', 'tsx', bin, 'start', '--port', '0', '--log-level', 'debug', ...db],
      { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    cleanups.push(() => child.exitCode === null && child.kill('SIGKILL'))
    let out = ''
    child.stdout!.on('data', (c) => (out += c))
    child.stderr!.on('data', (c) => (out += c))
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
    const deadline = Date.now() + 15_000
    while (!/listening on http/.test(out) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50))
    const url = new URL(/listening on (http:\/\/\S+)/.exec(out)![1]!)
    expect(out).toContain('admin token: from env RIO_ADMIN_TOKEN')

    const dsn = new URL(sender.dsn)
    dsn.port = url.port
    const client = new Client({ dsn: dsn.toString() })
    const { id } = await client.emit('order.paid', { order: 7, note: 'line one\nline two' })
    await client.close()
    await receiver.waitFor(1, 10_000)
    while (!/RESPONSE /.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    child.kill('SIGTERM')
    expect(await exited).toBe(0)

    const lines = out
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { name: string; level: number; msg: string })
    const target = `POST http://hook:***@127.0.0.1:${receiver.port}/hook?token=***`
    expect(lines).toContainEqual(
      expect.objectContaining({
        name: 'rio.event',
        level: 30,
        msg: `EMIT ${id} "shop" "order.paid" {"order":7,"note":"line one\\nline two"}`,
      }),
    )
    expect(lines).toContainEqual(
      expect.objectContaining({ name: 'rio.tasks', level: 20, msg: `REQUEST ${id} ${target}` }),
    )
    expect(lines).toContainEqual(
      expect.objectContaining({
        name: 'rio.tasks',
        level: 20,
        msg: expect.stringMatching(`^RESPONSE ${id} ${target.replace(/[?*.]/g, '\\$&')} 200`),
      }),
    )
    for (const secret of [
      ADMIN_TOKEN,
      'hunter2pw',
      'querysecret123',
      signingSecret,
      decodeURIComponent(new URL(sender.dsn).password),
      receiver.requests[0]!.headers['webhook-signature'] as string,
    ]) {
      expect(out).not.toContain(secret)
    }
  }, 30_000)
})

describe('logRio', () => {
  it('writes DISABLED and ENABLED lines with the handler name redacted, when the default name holds the URL', async () => {
    const rio = makeRio()
    const lines: Array<{ name: string; msg: string; handler: string }> = []
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)))
        done()
      },
    })
    const stop = logRio(rio, createLogger({ level: 'info', destination }))
    onCleanup(stop)
    const token = 'tok-5a4b3c2d1e'
    const handler = await rio.webhook('order.*', {
      url: `https://${token}@hooks.example.com/x?api_key=k3y-v4lue`,
    })
    expect(handler.name).toContain(token) // the default name, `<pattern> <url>`
    await rio.disableHandler(handler.id, 'manual')
    await rio.enableHandler(handler.id)
    const shown = 'order.* https://***@hooks.example.com/x?api_key=***'
    expect(lines).toContainEqual(
      expect.objectContaining({ name: 'rio.tasks', handler: handler.id, msg: `DISABLED ${shown}: manual` }),
    )
    expect(lines).toContainEqual(
      expect.objectContaining({ name: 'rio.tasks', handler: handler.id, msg: `ENABLED ${shown}` }),
    )
    const text = JSON.stringify(lines)
    expect(text).not.toContain(token)
    expect(text).not.toContain('k3y-v4lue')
  })
})
