import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { startReceiver } from '../../../../test/support/receiver.js'
import { Rio } from '../../src/index.js'
import { LOST_ATTEMPT_ERROR } from '../../src/store/delivery.js'
import { onCleanup, tempDir, waitUntil } from '../helpers.js'

const root = fileURLToPath(new URL('../../../../', import.meta.url))
const child = fileURLToPath(new URL('./fixtures/crash-child.ts', import.meta.url))
const poisonChild = fileURLToPath(new URL('./fixtures/poison-child.ts', import.meta.url))

/** Runs a TypeScript file in a child Node process, resolving workspace packages to their sources. */
export function runTs(file: string, args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', file, ...args], {
    cwd: root,
    env: { ...process.env, TSX_TSCONFIG_PATH: join(root, 'tsconfig.check.json') },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

describe('crash safety', () => {
  it('delivers every emitted event at least once after the emitting process is killed mid-dispatch', async () => {
    const receiver = await startReceiver()
    onCleanup(() => receiver.close())
    // Slow enough that plenty is still in flight or pending when the kill lands.
    receiver.respond(() => ({ status: 200, delayMs: 5 }))
    const file = join(tempDir(), 'rio.db')
    const proc = runTs(child, [file, receiver.url, '2000'])
    let stdout = ''
    let stderr = ''
    proc.stdout!.on('data', (chunk) => (stdout += chunk))
    proc.stderr!.on('data', (chunk) => (stderr += chunk))
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      proc.on('exit', (_code, signal) => resolve(signal)),
    )

    await waitUntil(
      () => stdout.includes('all emitted') && receiver.requests.length >= 200,
      `the child to emit 2000 events and start delivering (stdout: ${stdout.slice(-200)} stderr: ${stderr.slice(-500)})`,
      60_000,
    )
    proc.kill('SIGKILL')
    expect(await exited).toBe('SIGKILL')
    const deliveredBeforeKill = new Set(receiver.requests.map((q) => q.headers['webhook-id'])).size
    expect(deliveredBeforeKill).toBeLessThan(2000)

    receiver.respond(() => ({ status: 200 }))
    const rio = new Rio({ database: file, pollIntervalMs: 100, leaseMs: 1500, timeoutMs: 1000 })
    onCleanup(() => rio.stop())
    const events = await rio.listEvents({ limit: 1000 })
    const stored = events.length + (await rio.listEvents({ limit: 1000, before: events.at(-1)!.id })).length
    expect(stored).toBe(2000)
    await rio.start()
    await waitUntil(
      async () => (await rio.listDeliveries({ status: ['pending', 'in_flight'], limit: 1 })).length === 0,
      'every delivery to finish after restart',
      30_000,
    )
    const ids = new Set(receiver.requests.map((q) => q.headers['webhook-id']))
    expect(ids.size).toBe(2000)
    const duplicates = receiver.requests.length - ids.size
    // at-least-once: only what was in flight at the kill may arrive twice
    expect(duplicates).toBeLessThanOrEqual(16)
    console.info(
      `crash mid-dispatch: 2000 emitted, ${deliveredBeforeKill} delivered before SIGKILL, ${ids.size} after restart, 0 lost, ${duplicates} duplicates`,
    )
  }, 120_000)

  it("stops re-running an event whose handler kills the process: dead after the schedule's attempts", async () => {
    const file = join(tempDir(), 'rio.db')
    // Each run is a restart after the crash before it; the schedule has 3 attempts.
    const runs: Array<{ code: number | null; stdout: string }> = []
    for (let run = 0; run < 5; run++) {
      const proc = runTs(poisonChild, run === 0 ? [file, 'emit'] : [file])
      onCleanup(() => void proc.kill('SIGKILL'))
      let stdout = ''
      let stderr = ''
      proc.stdout!.on('data', (chunk) => (stdout += chunk))
      proc.stderr!.on('data', (chunk) => (stderr += chunk))
      let code: number | null | undefined
      proc.on('exit', (exitCode) => (code = exitCode))
      await waitUntil(
        () => code !== undefined || stdout.includes('dead'),
        `run ${run + 1} to crash or give up (stdout: ${stdout} stderr: ${stderr.slice(-500)})`,
        30_000,
      )
      runs.push({ code: code ?? null, stdout })
      if (code === undefined) {
        proc.kill('SIGKILL')
        break
      }
    }

    // Three crashes, then the next start counts the third attempt lost and gives up without running it.
    expect(runs.map((r) => r.code)).toEqual([3, 3, 3, null])
    expect(runs.at(-1)!.stdout).toContain('dead 3\n')
    const rio = new Rio({ database: file })
    onCleanup(() => rio.stop())
    const [delivery] = await rio.listDeliveries({ limit: 10 })
    expect(delivery).toMatchObject({ status: 'dead', attempts: 3, lastError: LOST_ATTEMPT_ERROR })
    expect((await rio.listAttempts(delivery!.id)).map((a) => [a.number, a.error])).toEqual([
      [1, LOST_ATTEMPT_ERROR],
      [2, LOST_ATTEMPT_ERROR],
      [3, LOST_ATTEMPT_ERROR],
    ])
  }, 120_000)
})
