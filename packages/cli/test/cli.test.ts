import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const bin = fileURLToPath(new URL('../src/bin.ts', import.meta.url))
const children: ChildProcess[] = []
const dirs: string[] = []

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rio-cli-'))
  dirs.push(dir)
  return dir
}

/** Runs `rio …` from the sources in a child process. */
function rio(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', bin, ...args], {
    cwd: root,
    env: { ...process.env, TSX_TSCONFIG_PATH: join(root, 'tsconfig.check.json') },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
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
    return pattern.exec(out)!
  }
  return { child, exited, waitFor, output: () => out }
}

describe('rio start --demo', () => {
  it('serves the API, delivers signed webhooks with a retry, and stops cleanly on SIGTERM', async () => {
    const database = join(tempDir(), 'rio.db')
    const run = rio(['start', '--demo', '--port', '0', '--database', database, '--log-format', 'json'])
    const [, url] = await run.waitFor(/listening on (http:\/\/\S+)/)
    await run.waitFor(/admin token: \S+/)
    await run.waitFor(/sender DSN http:\/\/demo-sender:\S+@127\.0\.0\.1:\d+\/demo/)
    // two handlers × three events; notify answers 503 once per event, so it also shows a retry
    await run.waitFor(/answering 503 once, Rio will retry/)
    await run.waitFor(/(signature ok — 200[\s\S]*){6}/, 30_000)
    expect(await (await fetch(`${url}/_health/`)).text()).toBe('ok')
    expect(await (await fetch(`${url}/health/`)).text()).toBe('OK')
    const metrics = await (await fetch(`${url}/metrics`)).text()
    expect(metrics).toMatch(/rio_events_emitted_total\{project="demo"\} 3/)
    expect(metrics).toMatch(/rio_deliveries_retried_total\{project="demo",handler="notify"\} [1-3]/)
    expect(metrics).toMatch(/rio_deliveries_succeeded_total\{project="demo",handler="antispam"\} 3/)
    expect(metrics).toMatch(/rio_backlog \d+/)
    // the original Rio's log lines, and never a secret
    expect(run.output()).toMatch(
      /"name":"rio\.event","msg":"EMIT [0-9a-f-]{36} \\"demo\\" \\"comment-published\\" \{/,
    )
    expect(run.output()).toMatch(/RETRY [0-9a-f-]{36} POST http:\/\/127\.0\.0\.1:\d+\/webhook\/notify 503/)
    const secret = /demo-sender:([^@]+)@/.exec(run.output())![1]!
    expect(run.output().split(secret).length).toBe(2) // printed once, in the DSN line, never logged
    run.child.kill('SIGTERM')
    expect(await run.exited).toBe(0)
    expect(run.output()).toContain('rio stopped')
    expect(run.output()).not.toMatch(/refused/)
  }, 60_000)
})

describe('rio migrate', () => {
  it('creates the schema and then reports it is up to date', async () => {
    const database = join(tempDir(), 'rio.db')
    const first = rio(['migrate', '--database', database])
    expect(await first.exited).toBe(0)
    expect(first.output()).toMatch(/migrated .* from version 0 to 1: 0001-initial/)
    const second = rio(['upgrade', '--database', database])
    expect(await second.exited).toBe(0)
    expect(second.output()).toMatch(/up to date \(schema version 1\)/)
  }, 30_000)
})

describe('usage errors', () => {
  it('exits 1 with one line for a bad role and 2 for an unknown command', async () => {
    const role = rio(['start', 'sideways', '--port', '0', '--database', join(tempDir(), 'x.db')])
    expect(await role.exited).toBe(1)
    expect(role.output()).toMatch(/^rio: unknown role "sideways": use all, web or worker\n$/)
    const unknown = rio(['frobnicate'])
    expect(await unknown.exited).toBe(2)
  }, 30_000)
})
