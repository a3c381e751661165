import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { spawnRio } from './spawn-rio.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rio-startup-'))
  dirs.push(dir)
  return dir
}

/**
 * Loader hooks that append every module a process resolves (as tsx resolved it: `@rio/core` is a
 * file under packages/core) to the file `data` names, written before the import goes on.
 */
const hooks = `
import { appendFileSync } from 'node:fs'
let log
export function initialize(data) { log = data }
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context)
  appendFileSync(log, resolved.url + '\\n')
  return resolved
}`

/**
 * Preloaded after tsx: registers {@link hooks} (ES modules), and at exit adds what `require()`
 * loaded (undici, better-sqlite3, pino are CommonJS, and Node 20's hooks do not see `require`).
 */
const probe = (log: string) =>
  `data:text/javascript,${encodeURIComponent(`
import { appendFileSync } from 'node:fs'
import { createRequire, register } from 'node:module'
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hooks)}), { data: ${JSON.stringify(log)} })
process.on('exit', () => appendFileSync(${JSON.stringify(log)}, Object.keys(createRequire(process.cwd() + '/').cache).join('\\n') + '\\n'))
`)}`

/** Runs `rio …` from the sources and returns its exit code, its output and every module it loaded. */
async function modulesOf(args: string[]): Promise<{ code: number | null; out: string; modules: string[] }> {
  const log = join(tempDir(), 'modules.log')
  const run = spawnRio(args, { imports: [probe(log)] })
  const code = await run.exited
  const modules = readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((m) => (m.startsWith('file:') ? fileURLToPath(m) : m))
  return { code, out: run.output(), modules }
}

/** What only running a command may load: the engine, its HTTP client, SQLite, logging, the dashboard. */
const RUNTIME: Record<string, RegExp> = {
  '@rio/core': /\/packages\/core\//,
  undici: /\/node_modules\/undici\//,
  'better-sqlite3': /\/node_modules\/better-sqlite3\//,
  pino: /\/node_modules\/pino\//,
  'prom-client': /\/node_modules\/prom-client\//,
  'rio-client': /\/packages\/client\//,
  dashboard: /\/packages\/cli\/src\/dashboard\//,
}
const loaded = (modules: readonly string[]) =>
  Object.keys(RUNTIME).filter((name) => modules.some((m) => RUNTIME[name]!.test(m)))

describe('what `rio` loads', () => {
  it('answers --version, --help and a usage error without loading @rio/core, undici, SQLite, pino or the dashboard', async () => {
    const database = join(tempDir(), 'missing.db')
    const runs = await Promise.all([
      modulesOf(['--version']),
      modulesOf(['--help']),
      modulesOf(['deliveries', 'list', '--help']),
      // A failure of the CLI's own (the database is missing) is reported without Rio's error classes.
      modulesOf(['project', 'list', '--database', database]),
    ])
    const [version, help, subHelp, missing] = runs
    expect(version!.out).toBe('0.1.0\n')
    expect(help!.out).toMatch(/^Usage: rio \[options\] \[command\]/)
    expect(subHelp!.out).toMatch(/^Usage: rio deliveries list \[options\]/)
    expect(missing!.out).toMatch(/^rio: the database .* does not exist\nhint: /)
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 1])
    for (const run of runs) {
      // The probe saw the program being built: an empty list would prove nothing.
      expect(run.modules.some((m) => m.endsWith('/packages/cli/src/commands/deliveries.ts'))).toBe(true)
      expect(run.modules.some((m) => m.includes('/node_modules/commander/'))).toBe(true)
      expect(loaded(run.modules)).toEqual([])
    }
    // Nor the parsers only `rio sync` and the configuration need (zod alone is 225 modules).
    for (const run of [version, help, subHelp]) {
      expect(run!.modules.filter((m) => /\/node_modules\/(?:\.pnpm\/)?(?:zod|yaml)[@/]/.test(m))).toEqual([])
    }
  }, 60_000)

  it('loads @rio/core and SQLite for a command that opens the database, and not undici: it sends nothing', async () => {
    const { code, out, modules } = await modulesOf(['migrate', '--database', join(tempDir(), 'rio.db')])
    expect(code, out).toBe(0)
    expect(loaded(modules)).toEqual(['@rio/core', 'better-sqlite3'])
  }, 60_000)
})
