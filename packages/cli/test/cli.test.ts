import { type ChildProcess, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { bin, root, spawnRio } from './spawn-rio.js'
import { runRio } from './support/run-rio.js'

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

/** Runs `rio …` from the sources in a child process, killed after the test. */
const rio = (args: string[]) => spawnRio(args, { track: (child) => children.push(child) })

describe('rio start --demo', () => {
  it('serves the API, delivers signed webhooks with a retry, and stops cleanly on SIGTERM', async () => {
    // No --database: the demo works on a scratch file it deletes on exit.
    const run = rio(['start', '--demo', '--port', '0', '--log-format', 'json'])
    const [, url] = await run.waitFor(/listening on (http:\/\/\S+)/)
    const [, token] = await run.waitFor(/admin token: (\S+) \(generated for this run/)
    const [, database] = await run.waitFor(/demo database: (\S+) \(deleted on exit/)
    expect(existsSync(database!)).toBe(true)
    await run.waitFor(/sender DSN http:\/\/demo-sender:\S+@127\.0\.0\.1:\d+\/demo/)
    // two handlers × three events; notify answers 503 once per event, so it also shows a retry
    await run.waitFor(/answering 503 once, Rio will retry/)
    await run.waitFor(/(signature ok — 200[\s\S]*){6}/, 30_000)
    expect(await (await fetch(`${url}/_health/`)).text()).toBe('ok')
    expect(await (await fetch(`${url}/health/`)).text()).toBe('OK')
    const metrics = await (await fetch(`${url}/metrics`)).text()
    expect(metrics).toMatch(/rio_events_emitted_total\{project="demo"\} 3/)
    expect(metrics).toMatch(
      /rio_deliveries_retried_total\{project="demo",handler="notify",handler_id="[^"]+"\} [1-3]/,
    )
    expect(metrics).toMatch(
      /rio_deliveries_succeeded_total\{project="demo",handler="antispam",handler_id="[^"]+"\} 3/,
    )
    expect(metrics).toMatch(/rio_backlog \d+/)
    expect(metrics).toMatch(/process_cpu_user_seconds_total/)
    expect((await fetch(`${url}/metrics`, { method: 'POST' })).status).toBe(405)
    // the admin token printed opens the management API
    const deliveries = await fetch(`${url}/api/v1/deliveries?status=succeeded`, {
      headers: { authorization: `Bearer ${token}` },
    })
    expect(deliveries.status).toBe(200)
    // the original Rio's log lines, and never a secret
    expect(run.output()).toMatch(
      /"name":"rio\.event",[^\n]*"msg":"EMIT [0-9a-f-]{36} \\"demo\\" \\"comment-published\\" \{/,
    )
    expect(run.output()).toMatch(/RETRY [0-9a-f-]{36} POST http:\/\/127\.0\.0\.1:\d+\/webhook\/notify 503/)
    const secret = /demo-sender:([^@]+)@/.exec(run.output())![1]!
    expect(run.output().split(secret).length).toBe(2) // printed once, in the DSN line, never logged
    run.child.kill('SIGTERM')
    expect(await run.exited).toBe(0)
    expect(run.output()).toContain('rio stopped')
    expect(run.output()).not.toMatch(/refused/)
    expect(existsSync(database!)).toBe(false)
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

describe('exit codes and error messages', () => {
  it('exits 2 for usage errors, 3 for what does not exist, 1 for run-time failures — one line and a hint, no stack', async () => {
    const dir = tempDir()
    const database = join(dir, 'rio.db')
    type Case = [string[], number, RegExp]
    // The steps in order (no database, then migrated, then with "shop"), each case as `rio` runs it,
    // in this process; below, real processes show that `rio` exits with the code `run` returns.
    const steps: Case[][] = [
      [
        [['start', 'sideways', '--port', '0'], 2, /^rio: unknown role "sideways": use all, web or worker\n$/],
        [['frobnicate'], 2, /unknown command 'frobnicate'/],
        [['start', 'worker', '--demo'], 2, /--demo needs both the API and the dispatcher/],
        [
          ['events', 'list', '--database', database],
          1,
          /does not exist\nhint: run `rio migrate` to create it/,
        ],
      ],
      [[['migrate', '--database', database], 0, /migrated/]],
      [
        [['events', 'list', '--since', 'soon', '--database', database], 2, /give an ISO date or a span/],
        [['deliveries', 'list', '--since', '7', '--database', database], 2, /cannot read the time "7"/],
        [
          ['deliveries', 'show', '42', '--database', database],
          3,
          /delivery "42" does not exist\nhint: .*rio deliveries list/,
        ],
        [['handler', 'enable', 'nope', '--database', database], 3, /handler "nope" does not exist/],
        // A project filter naming no project is exit 3, not an empty list that hides the typo.
        [
          ['sender', 'list', 'nope', '--database', database],
          3,
          /^rio: project "nope" does not exist\nhint: see what exists with `rio project list`/,
        ],
        [['events', 'list', '--project', 'nope', '--database', database], 3, /project "nope" does not exist/],
        [
          ['deliveries', 'list', '--project', 'nope', '--database', database],
          3,
          /project "nope" does not exist/,
        ],
        [
          ['handler', 'list', '--project', 'nope', '--database', database],
          3,
          /project "nope" does not exist/,
        ],
        [
          ['deliveries', 'list', '--project', 'nope', '--since', '7', '--database', database],
          2,
          /cannot read the time/,
        ],
        [['start', '--port', '70000', '--database', database], 2, /invalid setting port \(from --port\)/],
        [['start', '--port', '0x50', '--database', database], 2, /invalid setting port \(from --port\)/],
      ],
      [[['project', 'create', 'shop', '--database', database], 0, /shop/]],
      [
        [['sender', 'list', 'shop', '--database', database], 0, /^\(none\)\n$/],
        [['events', 'list', '--project', 'shop', '--database', database], 0, /^\(none\)\n$/],
        [['handler', 'add', 'shop', 'x', 'ftp://x', '--database', database], 2, /only http and https URLs/],
      ],
    ]
    for (const [args, code, message] of steps.flat()) {
      const run = await runRio(args)
      expect(run.code, `rio ${args.join(' ')}: ${run.err}`).toBe(code)
      expect(run.out + run.err).toMatch(message)
      expect(run.err).not.toMatch(/\n\s+at /)
    }
    // A process exits with each code, and prints one line and a hint, never a stack.
    const processes: Case[] = [
      [['start', 'sideways', '--port', '0'], 2, /^rio: unknown role "sideways": use all, web or worker\n$/],
      [['events', 'list', '--database', join(dir, 'none.db')], 1, /does not exist\nhint: run `rio migrate`/],
      [
        ['handler', 'enable', 'nope', '--database', database],
        3,
        /^rio: handler "nope" does not exist\nhint: /,
      ],
    ]
    await Promise.all(
      processes.map(async ([args, code, message]) => {
        const run = rio(args)
        expect(await run.exited, `rio ${args.join(' ')}: ${run.output()}`).toBe(code)
        expect(run.output()).toMatch(message)
        expect(run.output()).not.toMatch(/\n\s+at /)
      }),
    )
    const json = rio(['deliveries', 'show', '42', '--database', database, '--json'])
    expect(await json.exited).toBe(3)
    expect(JSON.parse(json.output())).toMatchObject({
      error: { code: 'not_found', message: 'delivery "42" does not exist' },
    })
  }, 60_000)

  it('reports the argument parser’s errors as one JSON object on stderr with --json, plain text without; exit 2 either way', async () => {
    const database = join(tempDir(), 'rio.db')
    /** As `rio` runs them, in this process; one `rio` of each kind below is a real process. */
    const run = async (args: string[]) => {
      const { code, out, err } = await runRio(args)
      return { status: code, stdout: out, stderr: err }
    }
    const cases: Array<[string[], string]> = [
      [['frobnicate'], "unknown command 'frobnicate'"],
      [['handler', 'lst'], "unknown command 'lst' (Did you mean list?)"],
      [['events', 'list', '--bogus', '--database', database], "unknown option '--bogus'"],
      [['deliveries', 'show', '--database', database], "missing required argument 'id'"],
      [['sync', '--prune'], "missing required argument 'file'"],
    ]
    for (const [args, message] of cases) {
      const what = `rio ${args.join(' ')}`
      const json = await run([...args, '--json'])
      expect(json.status, `${what} --json: ${json.stderr}`).toBe(2)
      expect(json.stdout, what).toBe('')
      expect(json.stderr, what).toMatch(/^[^\n]+\n$/) // one line
      expect(JSON.parse(json.stderr), what).toEqual({
        error: { code: 'usage', message, hint: 'run the command with --help for usage' },
      })
      const plain = await run(args)
      expect(plain.status, `${what}: ${plain.stderr}`).toBe(2)
      expect(plain.stdout, what).toBe('')
      expect(plain.stderr, what).toMatch(/^error: [\s\S]*\(run with --help for usage\)\n$/)
      expect(plain.stderr, what).toContain(message.replace(' (Did you mean list?)', ''))
    }
    // Help stays help: on stdout, exit 0, with or without --json.
    const help = await run(['handler', 'list', '--help', '--json'])
    expect(help.status).toBe(0)
    expect(help.stdout).toMatch(/^Usage: rio handler list/)
    expect(help.stderr).toBe('')
    // And so does a real `rio` process, on its own stdout and stderr.
    const spawned = (args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', bin, ...args], {
        cwd: root,
        env: { ...process.env, TSX_TSCONFIG_PATH: join(root, 'tsconfig.check.json') },
        encoding: 'utf8',
      })
    const json = spawned(['handler', 'lst', '--json'])
    expect(json.status, json.stderr).toBe(2)
    expect(json.stdout).toBe('')
    expect(JSON.parse(json.stderr)).toEqual({
      error: {
        code: 'usage',
        message: "unknown command 'lst' (Did you mean list?)",
        hint: 'run the command with --help for usage',
      },
    })
    const plain = spawned(['handler', 'lst'])
    expect(plain.status, plain.stderr).toBe(2)
    expect(plain.stdout).toBe('')
    expect(plain.stderr).toMatch(/^error: unknown command 'lst'[\s\S]*\(run with --help for usage\)\n$/)
  }, 60_000)

  it('names the port in use and how to pick another', async () => {
    const blocker = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const { port } = blocker.address() as AddressInfo
    const run = rio(['start', '--port', String(port), '--database', join(tempDir(), 'rio.db')])
    expect(await run.exited).toBe(1)
    blocker.close()
    expect(run.output()).toMatch(/EADDRINUSE[\s\S]*hint: another process holds the port/)
  }, 30_000)
})

describe('a closed stdout', () => {
  it('ends a one-shot command with its usual exit code and no stack when its reader went away', async () => {
    const database = join(tempDir(), 'rio.db')
    expect(await rio(['project', 'create', 'shop', '--database', database]).exited).toBe(0)
    for (const args of [
      ['project', 'list', '--json'],
      ['project', 'list'],
      ['deliveries', 'show', '42'], // the failure goes to stderr, which is still open
    ]) {
      const run = rio([...args, '--database', database])
      run.child.stdout!.destroy() // `| head -0`: nobody reads what the command prints
      const code = await run.exited
      expect(code, `rio ${args.join(' ')}: ${run.output()}`).toBe(args[1] === 'show' ? 3 : 0)
      expect(run.output()).not.toMatch(/EPIPE|\n\s+at /)
    }
  }, 30_000)

  it('keeps `rio start` serving after its log reader exits, and stops cleanly', async () => {
    const database = join(tempDir(), 'rio.db')
    const run = rio(['start', '--port', '0', '--database', database])
    let err = ''
    run.child.stderr!.on('data', (c) => (err += c))
    const [, url] = await run.waitFor(/listening on (http:\/\/\S+)/)
    await run.waitFor(/admin token: /)
    run.child.stdout!.destroy() // the log shipper went away
    // Rio keeps answering, and its next lines (the emit log, the stop messages) go nowhere.
    for (let i = 0; i < 3; i++) {
      expect(await (await fetch(`${url}/_health/`)).text()).toBe('ok')
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    run.child.kill('SIGTERM')
    expect(await run.exited).toBe(0)
    expect(err).toBe('')
  }, 30_000)
})
