import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { RioConflictError } from '../../core/src/index.js'
import * as cli from '../src/index.js'
import { progress } from '../src/progress.js'

describe('@rio/cli exports', () => {
  it('exposes exactly this surface', () => {
    expect(Object.keys(cli).sort()).toEqual([
      'CliError',
      'EXIT',
      'UsageError',
      'baseUrl',
      'configPath',
      'createLogger',
      'createMetrics',
      'createProgram',
      'describeFailure',
      'loadConfig',
      'logRio',
      'resolveConfig',
      'run',
      'substituteEnv',
      'syncFile',
    ])
    expect(cli.EXIT).toEqual({ ok: 0, failure: 1, usage: 2, notFound: 3 })
  })

  it('builds every command', () => {
    const names = cli.createProgram().commands.map((c) => c.name())
    expect(names).toEqual([
      'init',
      'start',
      'migrate',
      'project',
      'sender',
      'handler',
      'events',
      'deliveries',
      'recover',
      'health',
      'cleanup',
      'backup',
      'check',
      'sync',
    ])
  })
})

describe('baseUrl', () => {
  it.each([
    [{ host: '127.0.0.1', port: 8009 }, 'http://127.0.0.1:8009'],
    [{ host: '0.0.0.0', port: 8009 }, 'http://127.0.0.1:8009'],
    [{ host: '::1', port: 1 }, 'http://[::1]:1'],
    [{ host: '0.0.0.0', port: 8009, publicUrl: 'https://rio.example.com/' }, 'https://rio.example.com'],
  ])('turns %o into %s', (config, url) => {
    expect(cli.baseUrl({ publicUrl: undefined, ...config })).toBe(url)
  })
})

describe('progress', () => {
  const stream = (isTTY: boolean) => {
    const s = Object.assign(new PassThrough(), { isTTY }) as unknown as NodeJS.WriteStream
    let written = ''
    ;(s as unknown as PassThrough).on('data', (c) => (written += c))
    return { s, written: () => written }
  }

  it('draws on a terminal and clears the line when done', () => {
    const { s, written } = stream(true)
    const p = progress('working…', { stream: s })
    p.update('removed 500 events…')
    p.done()
    expect(written()).toContain('working…')
    expect(written()).toContain('removed 500 events…')
    expect(written().endsWith('\r\x1b[2K')).toBe(true)
  })

  it('writes nothing when the stream is not a terminal, or when quiet', () => {
    for (const [isTTY, quiet] of [
      [false, false],
      [true, true],
    ] as const) {
      const { s, written } = stream(isTTY)
      const p = progress('working…', { stream: s, quiet })
      p.update('more')
      p.done()
      expect(written()).toBe('')
    }
  })
})

describe('run', () => {
  const cleanups: Array<() => unknown> = []
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn()
  })

  /** Runs `rio …` in this process and returns its exit code and what it printed on stdout. */
  async function runRio(args: string[]): Promise<{ code: number; out: string }> {
    const write = process.stdout.write
    let out = ''
    process.stdout.write = ((chunk: string) => {
      out += chunk
      return true
    }) as typeof process.stdout.write
    try {
      return { code: await cli.run(['node', 'rio', ...args]), out }
    } finally {
      process.stdout.write = write
    }
  }

  /** A server that answers `<prefix>/_health/?full` like an unhealthy Rio, and 404 elsewhere. */
  async function unhealthyServer(
    prefix: string,
    problems: string[],
  ): Promise<{ url: string; paths: string[] }> {
    const paths: string[] = []
    const server = createServer((req, res) => {
      paths.push(req.url ?? '')
      const ok = req.url === `${prefix}/_health/?full`
      res.writeHead(ok ? 500 : 404, { 'content-type': 'application/json' })
      res.end(ok ? JSON.stringify({ ok: false, problems }) : '{}')
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    cleanups.push(() => new Promise((resolve) => server.close(resolve)))
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${prefix}`, paths }
  }

  it('returns each call’s own exit code and leaves process.exitCode as it found it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rio-run-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const database = join(dir, 'rio.db')
    const { url } = await unhealthyServer('', ['backlog: 12 pending'])
    const before = process.exitCode
    try {
      for (const exitCode of [undefined, 0, 7]) {
        process.exitCode = exitCode
        const health = await runRio(['health', '--url', url])
        expect(health).toEqual({ code: 1, out: 'problem: backlog: 12 pending\n' })
        expect(process.exitCode).toBe(exitCode)
        expect((await runRio(['migrate', '--database', database, '--json'])).code).toBe(0)
        expect((await runRio(['project', 'list', '--database', database])).code).toBe(0)
        expect(process.exitCode).toBe(exitCode)
      }
    } finally {
      process.exitCode = before
    }
  })

  it('asks `rio health --url` below the URL’s path, and shows the problems a server sends as text', async () => {
    for (const prefix of ['', '/rio', '/ops/rio']) {
      const { url, paths } = await unhealthyServer(prefix, ['dispatcher \x1b[2Jsilent\x9b'])
      for (const given of [url, `${url}/`]) {
        const { code, out } = await runRio(['health', '--url', given])
        expect(code, given).toBe(1)
        expect(out, given).toBe('problem: dispatcher \\x1b[2Jsilent\\x9b\n')
      }
      expect(paths).toEqual([`${prefix}/_health/?full`, `${prefix}/_health/?full`])
    }
  })
})

describe('describeFailure', () => {
  it.each([
    [
      'delivery 7 belongs to a removed handler; it cannot be delivered again',
      'deliveries retry',
      /^its handler was removed, so it cannot be sent again/,
    ],
    [
      'delivery 7 is being attempted right now; wait for the attempt to finish',
      'deliveries retry',
      /^wait for the attempt to finish/,
    ],
    // Without the command (a host calling describeFailure), the message tells what it is about.
    [
      'delivery 7 belongs to a removed handler; it cannot be delivered again',
      undefined,
      /^its handler was removed/,
    ],
    [
      'project "shop" already exists',
      'project create',
      /^the project is there already; see `rio project list`$/,
    ],
    ['sender "checkout" already exists in project "shop"', 'sender create', /^pick another sender name/],
    [
      '"erp" is a function handler in project "shop"; pick another name',
      'handler add',
      /^pick another --name/,
    ],
    ['"erp" is a function handler in project "shop"; pick another name', 'sync', /^pick another name/],
  ])('hints for the conflict %j in `rio %s` what fits it', (message, command, hint) => {
    const report = cli.describeFailure(new RioConflictError(message), command)
    expect(report).toMatchObject({ code: 'conflict', message, exitCode: 1 })
    expect(report!.hint).toMatch(hint)
    if (/^delivery /.test(message)) expect(report!.hint).not.toMatch(/name/)
  })
})
