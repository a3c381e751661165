import { spawn } from 'node:child_process'
import { existsSync, readdirSync, readlinkSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { Rio } from '../../src/index.js'
import { onCleanup, receiver, tempDir, waitUntil } from '../helpers.js'

const root = fileURLToPath(new URL('../../../../', import.meta.url))
const child = fileURLToPath(new URL('./fixtures/lifecycle-child.ts', import.meta.url))

/**
 * Runs the lifecycle child in a Node process of its own, workspace packages resolved to their
 * sources. `--liftoff-only`: at exit Node waits for V8 to finish optimising undici's WebAssembly
 * HTTP parser, 0.4–0.7 s on this machine after a single `fetch()` and no Rio at all; that is not
 * what these tests measure.
 */
function runChild(args: string[]) {
  return spawn(process.execPath, ['--liftoff-only', '--import', 'tsx', child, ...args], {
    cwd: root,
    env: { ...process.env, TSX_TSCONFIG_PATH: join(root, 'tsconfig.check.json') },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

/**
 * Runs a scenario of the lifecycle child; resolves with how long after `stop()` resolved its event
 * loop had nothing left to wait for (`idleMs`, measured in the child) and the process exited
 * (`exitMs`), and what it still had active when the stop resolved. Killed after `limitMs`.
 */
async function exitAfterStop(
  args: string[],
  limitMs: number,
): Promise<{ idleMs: number; exitMs: number; resources: string[] }> {
  const proc = runChild(args)
  let stdout = ''
  let stderr = ''
  let stoppedAt = 0
  proc.stdout!.on('data', (chunk) => {
    stdout += chunk
    if (!stoppedAt && stdout.includes('stopped ')) stoppedAt = performance.now()
  })
  proc.stderr!.on('data', (chunk) => (stderr += chunk))
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)))
  onCleanup(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL')
  })
  await waitUntil(
    () => stoppedAt > 0 || proc.exitCode !== null,
    `the child to stop (stderr: ${stderr})`,
    30_000,
  )
  expect(stoppedAt, `stdout: ${stdout} stderr: ${stderr}`).toBeGreaterThan(0)
  const limit = new Promise<'limit'>((resolve) => setTimeout(resolve, limitMs, 'limit').unref())
  const code = await Promise.race([exited, limit])
  const exitMs = performance.now() - stoppedAt
  expect(code, `the child still ran ${Math.round(exitMs)} ms after stop() resolved`).toBe(0)
  const lines = stdout.split('\n')
  const stopped = lines.find((l) => l.startsWith('stopped '))!
  const idle = lines.find((l) => l.startsWith('idle '))
  expect(idle, stdout).toBeDefined()
  return {
    idleMs: Number(idle!.slice('idle '.length)),
    exitMs,
    resources: JSON.parse(stopped.slice('stopped '.length)) as string[],
  }
}

describe('a host process with an embedded Rio', () => {
  it('exits on its own at once after emitting, delivering (webhook, function, listen, handler, rio-client) and stop()', async () => {
    const hook = await receiver()
    const { idleMs, resources } = await exitAfterStop(['cycle', join(tempDir(), 'rio.db'), hook.url], 10_000)
    // Nothing of Rio's left to wait for (the servers' handles may still be closing).
    expect(resources).not.toContain('Timeout')
    expect(idleMs).toBeLessThan(500)
  }, 40_000)

  it('exits at once after stop() though a function handler never settles (its timeout is 20 s)', async () => {
    const { idleMs, resources } = await exitAfterStop(['hang', join(tempDir(), 'rio.db')], 10_000)
    // Before, the handler's 20 s timeout timer was left running: the process lived 20 s more.
    expect(resources).not.toContain('Timeout')
    expect(idleMs).toBeLessThan(500)
  }, 40_000)
})

/** The file descriptors this process has open, by what they point at. */
function openFiles(): string[] {
  return readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      return [readlinkSync(`/proc/self/fd/${fd}`)]
    } catch {
      return []
    }
  })
}

describe('a test suite that creates and stops a Rio per test', () => {
  it.runIf(existsSync('/proc/self/fd'))(
    'holds no file, socket, handle or process listener more after 20 create, deliver and stop cycles, and leaves only the database file',
    async () => {
      const hook = await receiver()
      const listeners = () =>
        process.eventNames().map((name) => `${String(name)}:${process.listenerCount(name)}`)
      const cycle = async () => {
        const dir = tempDir()
        const rio = new Rio({ database: join(dir, 'rio.db'), pollIntervalMs: 50 })
        await rio.webhook('x', { url: hook.url })
        rio.on('x', 'fn', () => {})
        const server = await rio.listen({ port: 0 })
        await rio.start()
        await rio.emit('x', {})
        await waitUntil(
          async () => (await rio.listDeliveries({ status: 'succeeded' })).length === 2,
          'both deliveries',
        )
        await server.close()
        await rio.stop()
        // Checkpointed and closed: the main file alone is the whole database, and can go at once.
        expect(readdirSync(dir)).toEqual(['rio.db'])
        const reopened = new Rio({ database: join(dir, 'rio.db') })
        expect(await reopened.listDeliveries({ status: 'succeeded' })).toHaveLength(2)
        await reopened.stop()
        rmSync(dir, { recursive: true })
      }
      await cycle()
      const files = openFiles().length
      const resources = process.getActiveResourcesInfo().length
      const before = listeners()
      for (let i = 0; i < 20; i++) await cycle()
      expect(openFiles().filter((f) => f.endsWith('rio.db') || f.endsWith('-wal'))).toEqual([])
      // A socket or two of the receiver's may still be closing.
      expect(openFiles().length).toBeLessThanOrEqual(files + 2)
      expect(process.getActiveResourcesInfo().length).toBeLessThanOrEqual(resources + 2)
      expect(listeners()).toEqual(before)
    },
    60_000,
  )
})
