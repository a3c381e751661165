import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../src/config.js'
import { UsageError } from '../src/errors.js'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const bin = fileURLToPath(new URL('../src/bin.ts', import.meta.url))
const tsx = pathToFileURL(createRequire(join(root, 'package.json')).resolve('tsx')).href
const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})
function tempDir() {
  const dir = mkdtempSync(join(tmpdir(), 'rio-conf-'))
  dirs.push(dir)
  return dir
}

describe('configuration precedence: flags > RIO_* env > rio.yaml > defaults', () => {
  const conf = () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'rio.yaml'), 'port: 9001\nhost: 0.0.0.0\ndatabase: data/rio.db\nlogLevel: warn\n')
    return dir
  }
  const cases: Array<
    [string, Record<string, unknown>, Record<string, string>, (dir: string) => Record<string, unknown>]
  > = [
    [
      'defaults alone',
      {},
      {},
      () => ({ port: 8009, host: '127.0.0.1', database: './rio.db', logLevel: 'info' }),
    ],
    [
      'the file over defaults',
      {},
      { RIO_CONF: 'DIR' },
      (dir) => ({ port: 9001, host: '0.0.0.0', database: join(dir, 'data/rio.db'), logLevel: 'warn' }),
    ],
    [
      'env over the file',
      {},
      { RIO_CONF: 'DIR', RIO_PORT: '9002', RIO_LOG_LEVEL: 'debug' },
      () => ({ port: 9002, host: '0.0.0.0', logLevel: 'debug' }),
    ],
    [
      'flags over env',
      { port: '9003', database: '/x/rio.db' },
      { RIO_CONF: 'DIR', RIO_PORT: '9002' },
      () => ({ port: 9003, database: '/x/rio.db' }),
    ],
  ]
  for (const [what, flags, env, expected] of cases) {
    it(`takes ${what}`, () => {
      const dir = conf()
      const resolvedEnv = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === 'DIR' ? dir : v]))
      expect(loadConfig(flags, resolvedEnv)).toMatchObject(expected(dir))
    })
  }

  it('takes secureCookies as auto, true or false from rio.yaml, RIO_SECURE_COOKIES or --secure-cookies', () => {
    const dir = tempDir()
    expect(loadConfig({}, {}).secureCookies).toBe('auto')
    for (const [yaml, value] of [
      ['true', true],
      ['false', false],
      ['"true"', true],
      ['auto', 'auto'],
    ] as const) {
      writeFileSync(join(dir, 'rio.yaml'), `secureCookies: ${yaml}\n`)
      expect(loadConfig({}, { RIO_CONF: dir }).secureCookies, yaml).toBe(value)
    }
    writeFileSync(join(dir, 'rio.yaml'), 'secureCookies: true\n')
    expect(loadConfig({}, { RIO_CONF: dir, RIO_SECURE_COOKIES: 'false' }).secureCookies).toBe(false)
    expect(
      loadConfig({ secureCookies: 'auto' }, { RIO_CONF: dir, RIO_SECURE_COOKIES: 'false' }).secureCookies,
    ).toBe('auto')
    expect(() => loadConfig({ secureCookies: 'yes' }, {})).toThrow(
      /invalid setting secureCookies \(from --secure-cookies\): must be auto, true or false/,
    )
    expect(() => loadConfig({}, { RIO_SECURE_COOKIES: 'on' })).toThrow(
      /invalid setting secureCookies \(from env RIO_SECURE_COOKIES\): must be auto, true or false/,
    )
  })

  it('takes trustProxy as decimal digits from 0 to 10 from rio.yaml, RIO_TRUST_PROXY or --trust-proxy', () => {
    const dir = tempDir()
    const fromFile = (yaml: string) => {
      writeFileSync(join(dir, 'rio.yaml'), `trustProxy: ${yaml}\n`)
      return () => loadConfig({}, { RIO_CONF: dir })
    }
    expect(loadConfig({}, {}).trustProxy).toBe(0)
    for (const [yaml, value] of [
      ['0', 0],
      ['1', 1],
      ['"2"', 2],
      ['10', 10],
    ] as const) {
      expect(fromFile(yaml)().trustProxy, yaml).toBe(value)
    }
    writeFileSync(join(dir, 'rio.yaml'), 'trustProxy: 1\n')
    expect(loadConfig({}, { RIO_CONF: dir, RIO_TRUST_PROXY: '2' }).trustProxy).toBe(2)
    expect(loadConfig({ trustProxy: '3' }, { RIO_CONF: dir, RIO_TRUST_PROXY: '2' }).trustProxy).toBe(3)
    // An empty variable counts as unset, like every RIO_* variable.
    expect(loadConfig({}, { RIO_CONF: dir, RIO_TRUST_PROXY: '' }).trustProxy).toBe(1)
    const refused = /must be a whole number from 0 to 10 in decimal digits/
    for (const yaml of ['""', 'true', '0x1', '+1', '1e0', '1.0', '-1', '11', 'yes', '']) {
      const load = fromFile(yaml)
      expect(load, `trustProxy: ${yaml}`).toThrow(/invalid setting trustProxy \(from .*rio\.yaml\)/)
      expect(load, `trustProxy: ${yaml}`).toThrow(refused)
    }
    for (const text of [' 1', '1 ', '0x1', '1.5', '-1', '11', '99', 'true']) {
      expect(
        () => loadConfig({}, { RIO_TRUST_PROXY: text }),
        `RIO_TRUST_PROXY=${JSON.stringify(text)}`,
      ).toThrow(
        /invalid setting trustProxy \(from env RIO_TRUST_PROXY\): must be a whole number from 0 to 10/,
      )
      expect(() => loadConfig({ trustProxy: text }, {}), `--trust-proxy ${JSON.stringify(text)}`).toThrow(
        /invalid setting trustProxy \(from --trust-proxy\): must be a whole number from 0 to 10/,
      )
    }
    expect(() => loadConfig({ trustProxy: '1\r' }, {})).toThrow(/; got "1\\r"/)
  })

  it('takes the server limits as decimal digits from rio.yaml, RIO_* variables or flags, unset by default', () => {
    const dir = tempDir()
    expect(loadConfig({}, {})).toMatchObject({
      maxBodyBytes: undefined,
      headersTimeoutMs: undefined,
      requestTimeoutMs: undefined,
      maxConnections: undefined,
      maxBufferedBodyBytes: undefined,
    })
    writeFileSync(
      join(dir, 'rio.yaml'),
      'maxBodyBytes: 2048\nheadersTimeoutMs: 0\nrequestTimeoutMs: "9000"\nmaxConnections: 50\nmaxBufferedBodyBytes: 65536\n',
    )
    expect(loadConfig({}, { RIO_CONF: dir })).toMatchObject({
      maxBodyBytes: 2048,
      headersTimeoutMs: 0,
      requestTimeoutMs: 9000,
      maxConnections: 50,
      maxBufferedBodyBytes: 65536,
    })
    const env = { RIO_CONF: dir, RIO_MAX_CONNECTIONS: '60', RIO_MAX_BODY_BYTES: '4096' }
    expect(loadConfig({ maxConnections: '70' }, env)).toMatchObject({
      maxConnections: 70,
      maxBodyBytes: 4096,
    })
    // Numbers as written, as for the port: YAML would read 0x10, 1e3 and 8.0 as numbers.
    for (const yaml of ['0x10', '1e3', '8.0', '-1', 'true', '""']) {
      writeFileSync(join(dir, 'rio.yaml'), `maxConnections: ${yaml}\n`)
      expect(() => loadConfig({}, { RIO_CONF: dir }), yaml).toThrow(
        /invalid setting maxConnections \(from .*rio\.yaml\): must be a whole number from 1 to 10000000 in decimal digits: connections open at once/,
      )
    }
    expect(() => loadConfig({ maxBodyBytes: '0' }, {})).toThrow(
      /invalid setting maxBodyBytes \(from --max-body-bytes\): must be a whole number from 1 to 1073741824/,
    )
    expect(() => loadConfig({}, { RIO_HEADERS_TIMEOUT_MS: '20 s' })).toThrow(
      /invalid setting headersTimeoutMs \(from env RIO_HEADERS_TIMEOUT_MS\): .*; got "20 s"/,
    )
    expect(() => loadConfig({ requestTimeoutMs: String(25 * 3600 * 1000) }, {})).toThrow(
      /requestTimeoutMs .*from 0 to 86400000/,
    )
  })

  it('takes a port only as decimal digits from 0 to 65535, from rio.yaml, RIO_PORT and --port alike (exit 2 otherwise)', () => {
    const dir = tempDir()
    const fromFile = (yaml: string) => {
      writeFileSync(join(dir, 'rio.yaml'), `port: ${yaml}\n`)
      return () => loadConfig({}, { RIO_CONF: dir })
    }
    for (const [yaml, port] of [
      ['8009', 8009],
      ['"9001"', 9001],
      ['0', 0],
      ['65535', 65535],
    ] as const) {
      expect(fromFile(yaml)().port, yaml).toBe(port)
    }
    expect(loadConfig({}, { RIO_PORT: '0' }).port).toBe(0)
    expect(loadConfig({ port: '443' }, {}).port).toBe(443)
    const refused = /must be a whole number from 0 to 65535 in decimal digits \(0 picks a free port\)/
    for (const yaml of ['""', '" "', 'true', '0x50', '0o17', '+80', '1e3', '80.0', '-1', '65536', '']) {
      const load = fromFile(yaml)
      expect(load, `port: ${yaml}`).toThrow(/invalid setting port \(from .*rio\.yaml\)/)
      expect(load, `port: ${yaml}`).toThrow(refused)
      expect(load, `port: ${yaml}`).toThrow(UsageError)
    }
    for (const text of ['', ' ', ' 80', 'true', '0x50', '1e3', '80.5', '-1', '99999', '080x']) {
      if (text !== '') {
        expect(() => loadConfig({}, { RIO_PORT: text }), `RIO_PORT=${JSON.stringify(text)}`).toThrow(
          /invalid setting port \(from env RIO_PORT\)/,
        )
      }
      expect(() => loadConfig({ port: text }, {}), `--port ${JSON.stringify(text)}`).toThrow(
        /invalid setting port \(from --port\)/,
      )
    }
    // An empty variable counts as unset, like every RIO_* variable.
    expect(loadConfig({}, { RIO_PORT: '' }).port).toBe(8009)
  })

  it('names the bad key and where it came from', () => {
    const dir = conf()
    writeFileSync(join(dir, 'rio.yaml'), 'port: lots\n')
    expect(() => loadConfig({}, { RIO_CONF: dir })).toThrow(/invalid setting port \(from .*rio\.yaml\)/)
    expect(() => loadConfig({}, { RIO_PORT: '99999' })).toThrow(/invalid setting port \(from env RIO_PORT\)/)
    expect(() => loadConfig({ logFormat: 'xml' }, {})).toThrow(
      /invalid setting logFormat \(from --log-format\)/,
    )
    writeFileSync(join(dir, 'rio.yaml'), 'colour: blue\n')
    expect(() => loadConfig({}, { RIO_CONF: dir })).toThrow(/unknown setting colour \(in .*rio\.yaml\)/)
    writeFileSync(join(dir, 'rio.yaml'), 'port: [1\n')
    expect(() => loadConfig({}, { RIO_CONF: dir })).toThrow(/cannot read .*rio\.yaml/)
    expect(() => loadConfig({ adminToken: 'short' }, {})).toThrow(
      /invalid setting adminToken \(from --admin-token\): must be at least 16 characters/,
    )
    let missing: unknown
    try {
      loadConfig({}, { RIO_CONF: join(dir, 'missing') })
    } catch (error) {
      missing = error
    }
    expect((missing as Error).message).toMatch(/missing\/rio\.yaml, which does not exist/)
    expect((missing as { hint: string }).hint).toMatch(/^create it with `rio init .*missing`/)
  })
})

describe('configuration precedence, through the command', () => {
  it('takes --database over RIO_DATABASE over rio.yaml over ./rio.db', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'rio.yaml'), 'database: from-file.db\n')
    const migrate = (flags: string[], env: Record<string, string>) => {
      const { RIO_DATABASE: _a, RIO_CONF: _b, ...clean } = process.env
      // Run from the config's directory, so tsx is given by path rather than found from the cwd.
      const result = spawnSync(process.execPath, ['--import', tsx, bin, 'migrate', '--json', ...flags], {
        cwd: dir,
        env: { ...clean, TSX_TSCONFIG_PATH: join(root, 'tsconfig.check.json'), ...env },
        encoding: 'utf8',
      })
      expect(result.status, result.stderr).toBe(0)
      return (JSON.parse(result.stdout) as { database: string }).database
    }
    const all = { RIO_CONF: dir, RIO_DATABASE: join(dir, 'from-env.db') }
    expect(migrate(['--database', join(dir, 'from-flag.db')], all)).toBe(join(dir, 'from-flag.db'))
    expect(migrate([], all)).toBe(join(dir, 'from-env.db'))
    expect(migrate([], { RIO_CONF: dir })).toBe(join(dir, 'from-file.db'))
    // RIO_CONF may also name the file itself; without it, ./rio.yaml is read
    expect(migrate([], { RIO_CONF: join(dir, 'rio.yaml') })).toBe(join(dir, 'from-file.db'))
    expect(migrate([], {})).toBe(join(dir, 'from-file.db'))
  }, 30_000)
})

describe('rio init', () => {
  it('writes a commented rio.yaml with a fresh admin token, private to its owner, and refuses to overwrite', () => {
    const dir = tempDir()
    const env = { ...process.env, TSX_TSCONFIG_PATH: join(root, 'tsconfig.check.json') }
    const run = (args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', bin, ...args], { cwd: root, env, encoding: 'utf8' })
    const first = run(['init', dir])
    expect(first.status, first.stderr).toBe(0)
    const text = readFileSync(join(dir, 'rio.yaml'), 'utf8')
    expect(text).toMatch(/^# Rio's settings/)
    const token = /adminToken: (\S+)/.exec(text)![1]!
    expect(token.length).toBeGreaterThanOrEqual(40)
    expect(statSync(join(dir, 'rio.yaml')).mode & 0o777).toBe(0o600)
    expect(loadConfig({}, { RIO_CONF: dir })).toMatchObject({
      adminToken: token,
      port: 8009,
      database: join(dir, 'rio.db'),
    })
    const again = run(['init', dir])
    expect(again.status).toBe(1)
    expect(again.stderr).toMatch(/exists; pass --force/)
    expect(run(['init', dir, '--force']).status).toBe(0)
    expect(readFileSync(join(dir, 'rio.yaml'), 'utf8')).not.toContain(token)
  }, 30_000)
})
