import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { startReceiver } from '../../../test/support/receiver.js'
import { Rio } from '../../core/src/index.js'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const bin = fileURLToPath(new URL('../src/bin.ts', import.meta.url))
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

/** `rio start` from the sources, with its output collected and a bounded wait for a line. */
function start(args: string[]) {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', bin, 'start', '--port', '0', ...args],
    {
      cwd: root,
      env: { ...process.env, TSX_TSCONFIG_PATH: join(root, 'tsconfig.check.json') },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  cleanups.push(() => child.exitCode === null && child.kill('SIGKILL'))
  let out = ''
  child.stdout!.on('data', (c) => (out += c))
  child.stderr!.on('data', (c) => (out += c))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const waitFor = async (pattern: RegExp, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs
    while (!pattern.test(out)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no ${pattern} in:\n${out}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  return { child, exited, waitFor, output: () => out }
}

describe('rio start on SIGTERM with a delivery in flight to a receiver that never answers', () => {
  it('exits 0 within its stop timeout and gives the delivery back, which the next start delivers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rio-ops-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const database = join(dir, 'rio.db')
    const receiver = await startReceiver()
    cleanups.push(() => receiver.close())
    receiver.respond(() => 'hang')
    const setup = new Rio({ database })
    await setup.webhook('order.paid', { url: `${receiver.url}/hook`, name: 'slow' })
    const { id } = await setup.emit('order.paid', { n: 1 })
    await setup.stop()

    const first = start(['--database', database])
    await receiver.waitFor(1, 20_000)
    const signalled = Date.now()
    first.child.kill('SIGTERM')
    expect(await first.exited).toBe(0)
    // 10 s for the attempt, then it is aborted; a little more to close.
    expect(Date.now() - signalled).toBeLessThan(14_000)
    expect(first.output()).toMatch(/rio: SIGTERM, stopping[\s\S]*rio stopped/)
    const check = new Rio({ database })
    const [delivery] = await check.listDeliveries({})
    await check.stop()
    expect(delivery).toMatchObject({ eventId: id, status: 'pending', attempts: 0 })

    receiver.respond(() => ({ status: 200, body: 'ok' }))
    const second = start(['--database', database])
    await receiver.waitFor(2, 20_000)
    second.child.kill('SIGINT')
    expect(await second.exited).toBe(0)
    expect(receiver.requests.map((r) => r.headers['webhook-id'])).toEqual([id, id])
  }, 60_000)

  it('stops at once with exit 1 on a second signal', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rio-ops-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const database = join(dir, 'rio.db')
    const receiver = await startReceiver()
    cleanups.push(() => receiver.close())
    receiver.respond(() => 'hang')
    const setup = new Rio({ database })
    await setup.webhook('order.paid', { url: `${receiver.url}/hook`, name: 'slow' })
    await setup.emit('order.paid', {})
    await setup.stop()
    const run = start(['--database', database])
    await receiver.waitFor(1, 20_000)
    run.child.kill('SIGINT')
    await run.waitFor(/stopping/)
    const signalled = Date.now()
    run.child.kill('SIGINT')
    expect(await run.exited).toBe(1)
    expect(Date.now() - signalled).toBeLessThan(2000)
    expect(run.output()).toContain('rio: SIGINT again, stopping now')
  }, 60_000)
})
