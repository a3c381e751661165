import { type ChildProcess, spawn } from 'node:child_process'
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { makeRio, onCleanup, receiver, tempDir, waitUntil } from '../../core/test/helpers.js'
import { resolveConfig } from '../src/config.js'
import { createLogger, logRio } from '../src/logging.js'
import { handlerCredentials, redactCredentialsIn } from '../src/redact-credentials.js'
import { bin, root } from './spawn-rio.js'
import { runRio } from './support/run-rio.js'

const modeOf = (file: string) => statSync(file).mode & 0o777
const TOKEN = 'admin-token-0123456789-abcdefghij'

// What most systems give: files SQLite or Node create without a mode are readable by every user.
let umask: number
beforeEach(() => {
  umask = process.umask(0o022)
})
afterEach(() => {
  process.umask(umask)
})

/**
 * Runs `rio start …` from the sources under umask 022, its output collected; killed after the test.
 * `exec` keeps the pid: the child is the node process itself.
 */
function startRio(args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  const quoted = [process.execPath, '--import', 'tsx', bin, 'start', ...args]
    .map((arg) => `'${arg.replace(/'/g, `'\\''`)}'`)
    .join(' ')
  const child: ChildProcess = spawn('/bin/sh', ['-c', `umask 022 && exec ${quoted}`], {
    cwd: root,
    env: {
      ...process.env,
      RIO_ADMIN_TOKEN: '',
      RIO_CONF: '',
      TSX_TSCONFIG_PATH: join(root, 'tsconfig.check.json'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  onCleanup(() => {
    if (child.exitCode === null) child.kill('SIGKILL')
  })
  let out = ''
  child.stdout!.on('data', (chunk) => (out += chunk))
  child.stderr!.on('data', (chunk) => (out += chunk))
  const started = () => waitUntil(() => /listening on http/.test(out), 'rio start to listen', 20_000)
  return { child, started, output: () => out }
}

/** The JSON log lines at warn level in `output`. */
function warnings(output: string): string[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { level: number; msg: string })
    .filter((line) => line.level === 40)
    .map((line) => line.msg)
}

describe('rio start and the admin token on the command line', () => {
  it('hides --admin-token in the process list, warns once, and creates the database readable by its owner only', async () => {
    const file = join(tempDir(), 'rio.db')
    const rio = startRio(['--port', '0', '--database', file, '--admin-token', TOKEN])
    await rio.started()
    if (process.platform === 'linux') {
      const cmdline = readFileSync(`/proc/${rio.child.pid}/cmdline`, 'utf8')
      expect(cmdline).not.toContain(TOKEN)
      expect(cmdline).toContain('--admin-token ***')
    }
    // pino writes asynchronously: its lines may come after the one saying Rio listens.
    const warned = await waitUntil(
      () => (warnings(rio.output()).length >= 1 ? warnings(rio.output()) : null),
      'a warning',
    )
    expect(warned).toEqual([
      expect.stringMatching(/^the admin token was given with --admin-token: .*RIO_ADMIN_TOKEN/),
    ])
    expect([modeOf(file), modeOf(`${file}-wal`), modeOf(`${file}-shm`)]).toEqual([0o600, 0o600, 0o600])
    // Refused credentials are not logged either.
    const url = /listening on (http:\/\/\S+)/.exec(rio.output())![1]!
    const wrong = ['wrong-admin-token-0123456789', 'wrong-dashboard-token-0123', 'wrong-sender-secret']
    const refused = await Promise.all([
      fetch(`${url}/api/v1/projects`, { headers: { authorization: `Bearer ${wrong[0]}` } }),
      fetch(`${url}/dashboard/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
        body: `token=${wrong[1]}`,
        redirect: 'manual',
      }),
      fetch(`${url}/api/v1/projects/shop/events`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`checkout:${wrong[2]}`).toString('base64')}`,
          'content-type': 'application/json',
        },
        body: '{"name":"order.created","payload":{}}',
      }),
    ])
    expect(refused.map((response) => response.status)).toEqual([401, 401, 401])
    rio.child.kill('SIGTERM')
    await new Promise((resolve) => rio.child.once('exit', resolve))
    for (const secret of [TOKEN, ...wrong]) expect(rio.output()).not.toContain(secret)
  }, 30_000)

  it('warns about a database and a config file holding the admin token that every user may read', async () => {
    const dir = tempDir()
    const file = join(dir, 'rio.db')
    // An older Rio's database (made before files were created with mode 600), and a hand-written config.
    const old = startRio(['--port', '0', '--database', file], { RIO_ADMIN_TOKEN: TOKEN })
    await old.started()
    old.child.kill('SIGTERM')
    await new Promise((resolve) => old.child.once('exit', resolve))
    chmodSync(file, 0o644)
    writeFileSync(join(dir, 'rio.yaml'), `database: ./rio.db\nadminToken: ${TOKEN}\n`, { mode: 0o644 })
    const rio = startRio(['--port', '0'], { RIO_CONF: dir })
    await rio.started()
    const warned = await waitUntil(
      () => (warnings(rio.output()).length >= 2 ? warnings(rio.output()) : null),
      'warnings',
    )
    expect(warned, rio.output()).toHaveLength(2)
    expect(warned[0]).toMatch(
      new RegExp(
        `^${file}, ${file}-wal and ${file}-shm are readable by every user on this machine \\(mode 644\\).*chmod o-rwx ${file} `,
      ),
    )
    expect(warned[1]).toContain(
      `${join(dir, 'rio.yaml')} holds the admin token and is readable by every user`,
    )
    // Nothing was narrowed: the mode may be an administrator's choice.
    expect(modeOf(file)).toBe(0o644)
    expect(rio.output()).not.toContain(TOKEN)
  }, 30_000)

  it('says in --help to prefer RIO_ADMIN_TOKEN or rio.yaml', async () => {
    const { out } = await runRio(['start', '--help'], { columns: 200 })
    expect(out.replace(/\s+/g, ' ')).toMatch(
      /--admin-token <token> .*process list.*: prefer RIO_ADMIN_TOKEN or adminToken in rio\.yaml/,
    )
  })
})

describe('rio check and files every user may read', () => {
  it('notes a world-readable database without failing, and stays quiet for one shared with its group', async () => {
    const file = join(tempDir(), 'rio.db')
    const rio = makeRio({ database: file })
    await rio.emit('order.created', {})
    await rio.stop()
    chmodSync(file, 0o644)
    const loose = await runRio(['check', '--database', file])
    expect(loose.code).toBe(0)
    expect(loose.out).toMatch(
      new RegExp(`^note: ${file}.* readable by every user on this machine \\(mode 644\\)`),
    )
    expect(loose.out).toContain('\nok: ')
    const json = await runRio(['check', '--database', file, '--json'])
    expect(JSON.parse(json.out)).toMatchObject({ ok: true, notes: [expect.stringContaining('chmod o-rwx')] })
    for (const mode of [0o600, 0o640, 0o660]) {
      chmodSync(file, mode)
      for (const companion of [`${file}-wal`, `${file}-shm`])
        if (statSync(companion, { throwIfNoEntry: false })) chmodSync(companion, mode)
      const quiet = await runRio(['check', '--database', file, '--json'])
      expect(JSON.parse(quiet.out).notes, mode.toString(8)).toEqual([])
    }
  })
})

describe('rio init', () => {
  it('makes a new directory its owner only, and the config file too', async () => {
    const dir = join(tempDir(), 'etc', 'rio')
    const { code } = await runRio(['init', dir])
    expect(code).toBe(0)
    expect(modeOf(dir)).toBe(0o700)
    expect(modeOf(join(dir, 'rio.yaml'))).toBe(0o600)
  })

  it('keeps a config file shared with its group so with --force, and closes one every user may read', async () => {
    const dir = tempDir()
    const file = join(dir, 'rio.yaml')
    writeFileSync(file, 'port: 8009\n')
    chmodSync(file, 0o640)
    expect((await runRio(['init', dir, '--force'])).code).toBe(0)
    expect(modeOf(file)).toBe(0o640)
    chmodSync(file, 0o644)
    expect((await runRio(['init', dir, '--force'])).code).toBe(0)
    expect(modeOf(file)).toBe(0o600)
  })
})

describe('a config file with a YAML syntax error', () => {
  it('names the line and column, not the text of the line, which may be the admin token', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'rio.yaml'), `database: ./rio.db\nadminToken: ${TOKEN}: x\n`, { mode: 0o600 })
    expect(() => resolveConfig({}, { RIO_CONF: dir })).toThrow(/at line 2, column \d+$/)
    try {
      resolveConfig({}, { RIO_CONF: dir })
    } catch (error) {
      expect((error as Error).message).not.toContain(TOKEN)
    }
  })
})

describe('logs of a receiver that quotes the request', () => {
  it('hide the credentials the handler sent, and keep the rest of the answer', async () => {
    const echo = await receiver({
      respond: (req) => ({ status: 500, body: JSON.stringify({ path: req.path, headers: req.headers }) }),
    })
    const rio = makeRio({ retrySchedule: [0, 3_600_000] })
    const lines: Array<{ msg: string }> = []
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)))
        done()
      },
    })
    onCleanup(logRio(rio, createLogger({ level: 'debug', destination })))
    const handler = await rio.webhook('order.*', {
      url: `http://hook-user:url-pass-w0rd@127.0.0.1:${echo.port}/in?token=query-t0ken-value&page=2`,
      headers: { authorization: 'Bearer header-t0ken-value', 'x-team': 'erp-team' },
    })
    await rio.start()
    await rio.emit('order.created', { order: 7 })
    await waitUntil(() => lines.some((line) => line.msg.startsWith('RESPONSE ')), 'a RESPONSE line')
    const response = lines.find((line) => line.msg.startsWith('RESPONSE '))!.msg
    const sent = echo.requests[0]!
    for (const secret of [
      'url-pass-w0rd',
      'query-t0ken-value',
      'header-t0ken-value',
      String(sent.headers.authorization).split(' ')[1]!,
      handler.secrets[0]!,
    ]) {
      expect(response).not.toContain(secret)
    }
    // Only the credentials: the rest of what the receiver said stays.
    expect(response).toContain('erp-team')
    expect(response).toContain('page=2')
    expect(response).toContain(String(sent.headers['webhook-id']))
  })
})

describe('redactCredentialsIn', () => {
  const webhook = (fields: { url: string; headers?: Record<string, string>; secrets?: string[] }) =>
    ({
      kind: 'webhook',
      headers: {},
      secrets: [],
      ...fields,
    }) as unknown as Parameters<typeof redactCredentialsIn>[1]

  it.each([
    [
      'a signing secret, whole and without its prefix',
      { url: 'https://h/x', secrets: ['whsec_c2VjcmV0LWtleS12YWx1ZQ=='] },
      'k=whsec_c2VjcmV0LWtleS12YWx1ZQ== b=c2VjcmV0LWtleS12YWx1ZQ==',
      'k=*** b=***',
    ],
    [
      'a bearer header, whole and its token',
      { url: 'https://h/x', headers: { Authorization: 'Bearer abc123' } },
      '"Bearer abc123" abc123',
      '"***" ***',
    ],
    [
      'a Basic header and its password',
      {
        url: 'https://h/x',
        headers: { 'proxy-authorization': `Basic ${Buffer.from('u:pa55word').toString('base64')}` },
      },
      'pass pa55word',
      'pass ***',
    ],
    [
      'an API key header',
      { url: 'https://h/x', headers: { 'x-api-key': 'k3y-value', 'x-team': 'erp' } },
      'key k3y-value team erp',
      'key *** team erp',
    ],
    [
      'a URL password, decoded, and the Basic header made of it',
      { url: 'https://me:p%40ss-word@h/x' },
      `p%40ss-word p@ss-word Basic ${Buffer.from('me:p@ss-word').toString('base64')}`,
      '*** *** Basic ***',
    ],
    ['a token as the URL user', { url: 'https://T0KEN-abc@h/x' }, 'user T0KEN-abc', 'user ***'],
    [
      'credential-like query values, raw and decoded',
      { url: 'https://h/x?api_key=a%2Bb%3Dc&page=22222' },
      'a%2Bb%3Dc a+b=c page=22222',
      '*** *** page=22222',
    ],
    ['nothing shorter than 4 characters', { url: 'https://h/x?token=abc' }, 'abc abcd', 'abc abcd'],
  ])('hides %s', (_, fields, text, expected) => {
    expect(redactCredentialsIn(text, webhook(fields))).toBe(expected)
  })

  it('finds nothing to hide for a function handler or a URL with a template', () => {
    expect(
      handlerCredentials({ kind: 'function' } as unknown as Parameters<typeof handlerCredentials>[0]),
    ).toEqual([])
    expect(handlerCredentials(webhook({ url: 'https://h/{{ payload.id }}' }))).toEqual([])
  })
})
