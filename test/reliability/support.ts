import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { onCleanup } from '../../packages/core/test/helpers.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const fixture = fileURLToPath(new URL('./fixtures/rio-process.ts', import.meta.url))

/** A Rio child process and the URL it serves (or '-' for a worker). */
export interface RioProcess {
  readonly child: ChildProcess
  readonly url: string
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  output(): string
}

/** Starts `fixtures/rio-process.ts` and waits for its `ready` line; killed after the test. */
export async function startRioProcess(
  mode: 'all' | 'web' | 'worker',
  database: string,
  port = 0,
): Promise<RioProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, mode, database, String(port)], {
    cwd: root,
    env: { ...process.env, TSX_TSCONFIG_PATH: join(root, 'tsconfig.check.json') },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout!.on('data', (c) => (out += c))
  child.stderr!.on('data', (c) => (out += c))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  )
  onCleanup(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await exited
    }
  })
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`rio ${mode} did not start: ${out}`)), 30_000)
    const check = () => {
      const match = /ready (\S+)/.exec(out)
      if (match) {
        clearTimeout(timer)
        resolve(match[1]!)
      }
    }
    child.stdout!.on('data', check)
    void exited.then(() => reject(new Error(`rio ${mode} exited before it was ready: ${out}`)))
  })
  return { child, url, exited, output: () => out }
}
