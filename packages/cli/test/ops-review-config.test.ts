import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../src/config.js'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const bin = fileURLToPath(new URL('../src/bin.ts', import.meta.url))
const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rio-ops-'))
  dirs.push(dir)
  return dir
}
/** Runs `rio …` from the sources in a child process with `env` added, to completion (bounded). */
function rio(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ['--import', 'tsx', bin, ...args], {
    cwd: root,
    env: { ...process.env, TSX_TSCONFIG_PATH: join(root, 'tsconfig.check.json'), ...env },
    encoding: 'utf8',
    timeout: 20_000,
  })
}

describe('a refused setting', () => {
  it('shows the value it got and where from, so a stray space or \\r from an env file is visible', () => {
    expect(() => loadConfig({}, { RIO_PORT: '8009\r' })).toThrow(
      'invalid setting port (from env RIO_PORT): must be a whole number from 0 to 65535 in decimal digits (0 picks a free port); got "8009\\r"',
    )
    expect(() => loadConfig({ logLevel: 'INFO' }, {})).toThrow(/\(from --log-level\): .*; got "INFO"$/)
    const dir = tempDir()
    writeFileSync(join(dir, 'rio.yaml'), 'host: [a, b]\n')
    expect(() => loadConfig({}, { RIO_CONF: dir })).toThrow(
      /invalid setting host \(from .*rio\.yaml\): .*; got \["a","b"\]$/,
    )
  })

  it('never shows an admin token, and shows a public URL with its credentials redacted', () => {
    expect(() => loadConfig({}, { RIO_ADMIN_TOKEN: 'sh rt-secret' })).toThrow(
      /\(from env RIO_ADMIN_TOKEN\): .*; got 12 characters \(not shown\)$/,
    )
    expect(() => loadConfig({}, { RIO_ADMIN_TOKEN: 'sh rt-secret' })).not.toThrow(/rt-secret/)
    expect(() => loadConfig({ publicUrl: 'ftp://ops:pw-9f8e@rio.example' }, {})).toThrow(
      /\(from --public-url\): .*; got "ftp:\/\/ops:\*\*\*@rio\.example\/"$/,
    )
  })
})

describe('rio start', () => {
  it('names the host and where it came from when it cannot listen (exit 1, the system code kept for --json)', () => {
    const dir = tempDir()
    const result = rio(['start', '--port', '0', '--database', join(dir, 'rio.db')], {
      RIO_HOST: 'nosuch.invalid',
    })
    expect(result.status, result.stderr).toBe(1)
    expect(result.stderr).toMatch(
      /^rio: cannot listen on nosuch\.invalid:0 \(host from env RIO_HOST, port from --port\): .*ENOTFOUND/,
    )
    expect(result.stderr).toMatch(/\nhint: check the host name \(--host, RIO_HOST or host in rio\.yaml\)\n$/)
  })
})

describe('rio init --force', () => {
  it('leaves the new admin token readable by the owner only, even over a world-readable file', () => {
    const dir = tempDir()
    const file = join(dir, 'rio.yaml')
    writeFileSync(file, 'port: 8009\n', { mode: 0o644 })
    const result = rio(['init', dir, '--force'])
    expect(result.status, result.stderr).toBe(0)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(loadConfig({}, { RIO_CONF: dir }).adminToken).toMatch(/^[\w-]{43}$/)
  })
})
