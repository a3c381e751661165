import { type ChildProcess, spawn } from 'node:child_process'
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import BetterSqlite3 from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { Rio } from '../../../core/src/index.js'
import { root, spawnRio } from '../spawn-rio.js'
import { runRio as rio } from '../support/run-rio.js'

const emitter = fileURLToPath(new URL('./fixtures/backup-emitter.ts', import.meta.url))
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rio-backup-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** Starts the emitter fixture on `database`; killed after the test. */
function startEmitter(database: string, seed: number): { child: ChildProcess; acked: () => string[] } {
  const child = spawn(process.execPath, ['--import', 'tsx', emitter, database, String(seed)], {
    cwd: root,
    env: { ...process.env, TSX_TSCONFIG_PATH: join(root, 'tsconfig.check.json') },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  cleanups.push(() => {
    child.kill('SIGKILL')
  })
  let out = ''
  child.stdout!.on('data', (c) => (out += c))
  return { child, acked: () => [...out.matchAll(/^acked (\S+)$/gm)].map((m) => m[1]!) }
}

async function until(check: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** The event ids in a database file, or none when it cannot be read as one. */
function eventIds(path: string): Set<string> {
  try {
    const db = new BetterSqlite3(path, { readonly: true })
    try {
      return new Set(db.prepare('SELECT id FROM events').pluck().all() as string[])
    } finally {
      db.close()
    }
  } catch {
    return new Set()
  }
}

describe('rio backup', () => {
  it('copies a database another process is writing, with every event it acknowledged before, those still in its -wal too', async () => {
    const dir = tempDir()
    const database = join(dir, 'rio.db')
    const writer = startEmitter(database, 3000)
    await until(() => writer.acked().length >= 300, 'the writer to acknowledge 300 events')

    const acked = writer.acked()
    // What a plain copy of the file alone gets: the commits since the last checkpoint are missing.
    copyFileSync(database, join(dir, 'cp.db'))
    const plain = eventIds(join(dir, 'cp.db'))
    expect(statSync(`${database}-wal`).size).toBeGreaterThan(0)
    expect(acked.filter((id) => !plain.has(id)).length).toBeGreaterThan(0)

    const backup = spawnRio(['backup', join(dir, 'copy.db'), '--database', database, '--json'])
    expect(await backup.exited, backup.output()).toBe(0)
    // The writer kept going while the copy was made.
    expect(writer.acked().length).toBeGreaterThan(acked.length)
    const report = JSON.parse(backup.output()) as Record<string, unknown>
    const copy = eventIds(join(dir, 'copy.db'))
    for (const id of acked) expect(copy.has(id), id).toBe(true)
    expect(report).toEqual({
      database,
      path: join(dir, 'copy.db'),
      bytes: statSync(join(dir, 'copy.db')).size,
      events: copy.size,
      deliveries: copy.size,
      schemaVersion: 1,
      durationMs: expect.any(Number),
    })
    const check = new BetterSqlite3(join(dir, 'copy.db'), { readonly: true })
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok')
    check.close()
    expect(readdirSync(dir).filter((name) => name.includes('.partial-'))).toEqual([])

    // `rio` opens the copy as it opens any database.
    const listed = await rio(['events', 'list', '--database', join(dir, 'copy.db'), '--limit', '1', '--json'])
    expect(listed.code, listed.err).toBe(0)
    expect((JSON.parse(listed.out) as Array<{ id: string }>)[0]!.id).toBe([...copy].sort().at(-1))
  })

  it('says what it copied, and replaces an existing copy only with --force', async () => {
    const dir = tempDir()
    const database = join(dir, 'rio.db')
    const seed = new Rio({ database })
    await seed.webhook('order.*', { url: 'http://127.0.0.1:9/hook' })
    await seed.emit('order.paid', {})
    await seed.stop()
    const destination = join(dir, 'copy.db')

    const first = await rio(['backup', destination, '--database', database])
    expect(first.code, first.err).toBe(0)
    expect(first.out).toMatch(
      new RegExp(
        `^backed up ${database} to ${destination}: ${statSync(destination).size} bytes \\(0\\.\\d MiB\\), 1 events, 1 deliveries, schema version 1 \\(\\d+\\.\\d s\\)\\n$`,
      ),
    )

    const again = await rio(['backup', destination, '--database', database])
    expect(again.code).toBe(1)
    expect(again.err).toBe(
      `rio: the backup destination ${destination} exists; pass --force to replace it\nhint: --force replaces it in one step (a reader never sees half a file), or pick another destination\n`,
    )
    const forced = await rio(['backup', destination, '--database', database, '--force', '--json'])
    expect(forced.code, forced.err).toBe(0)
    expect(JSON.parse(forced.out)).toMatchObject({ path: destination, events: 1 })
  })

  it('refuses bad input with a message and the exit code scripts expect, leaving nothing behind', async () => {
    const dir = tempDir()
    const database = join(dir, 'rio.db')
    const seed = new Rio({ database })
    await seed.emit('x', {})
    await seed.stop()
    const other = join(dir, 'other.db')
    const foreign = new BetterSqlite3(other)
    foreign.exec('CREATE TABLE notes (body TEXT)')
    foreign.close()
    writeFileSync(join(dir, 'notes.txt'), 'plain text, not a database; '.repeat(10))
    mkdirSync(join(dir, 'backups'))
    const before = readdirSync(dir).sort()

    const cases: Array<[string[], number, RegExp]> = [
      [[join(dir, 'missing', 'copy.db')], 2, /directory .*missing does not exist; create it/],
      [[database], 2, /is the database .* write the copy somewhere else/],
      [[`${database}-wal`], 2, /is the database .* write the copy somewhere else/],
      [[join(dir, 'backups')], 2, /is a directory; give the path of the file to write/],
      [
        [join(dir, 'a.db'), '--database', join(dir, 'nope.db')],
        1,
        /the database .*nope\.db \(from --database\) does not exist/,
      ],
      [[join(dir, 'a.db'), '--database', other], 1, /is a SQLite database but not Rio's/],
      [[join(dir, 'a.db'), '--database', join(dir, 'notes.txt')], 1, /is not a SQLite database/],
      [[join(dir, 'a.db'), '--database', ':memory:'], 2, /there is no file to back up/],
      [[], 2, /missing required argument 'destination'/],
    ]
    for (const [args, code, message] of cases) {
      const result = await rio([
        'backup',
        ...(args.includes('--database') ? [] : ['--database', database]),
        ...args,
      ])
      expect(result.code, `${args.join(' ')}: ${result.err}`).toBe(code)
      expect(result.err, args.join(' ')).toMatch(message)
      expect(result.out).toBe('')
      const json = await rio([
        'backup',
        ...(args.includes('--database') ? [] : ['--database', database]),
        ...args,
        '--json',
      ])
      expect(json.code).toBe(code)
      expect(JSON.parse(json.err)).toMatchObject({ error: { message: expect.stringMatching(message) } })
    }
    expect(readdirSync(dir).sort()).toEqual(before)
    expect(readdirSync(join(dir, 'backups'))).toEqual([])
  })

  it('leaves no file under the destination name when killed part way', async () => {
    const dir = tempDir()
    const database = join(dir, 'rio.db')
    const seed = new Rio({ database })
    for (let i = 0; i < 50_000; i += 1000)
      await seed.emitMany(
        Array.from({ length: 1000 }, () => ({ name: 'x', payload: { note: 'y'.repeat(400) } })),
      )
    await seed.stop()
    const destination = join(dir, 'copy.db')

    const backup = spawnRio(['backup', destination, '--database', database])
    cleanups.push(() => backup.child.kill('SIGKILL'))
    const partial = () => readdirSync(dir).some((name) => name.startsWith('copy.db.partial-'))
    await until(() => partial() || backup.child.exitCode !== null, 'the backup to start writing', 9000)
    backup.child.kill('SIGKILL')
    await backup.exited
    expect(partial(), backup.output()).toBe(true)
    expect(existsSync(destination)).toBe(false)
  })

  // root writes anywhere, so the refusal cannot be seen as root.
  it.skipIf(process.getuid?.() === 0)(
    'exits 1 naming the destination when it cannot be written',
    async () => {
      const dir = tempDir()
      const database = join(dir, 'rio.db')
      const seed = new Rio({ database })
      await seed.emit('x', {})
      await seed.stop()
      const locked = join(dir, 'locked')
      mkdirSync(locked)
      chmodSync(locked, 0o500)
      cleanups.push(() => chmodSync(locked, 0o700))

      const result = await rio(['backup', join(locked, 'copy.db'), '--database', database])
      expect(result.code).toBe(1)
      expect(result.err).toMatch(new RegExp(`cannot write the backup ${join(locked, 'copy.db')}: .*EACCES`))
      expect(result.err).toMatch(/hint: the destination needs a directory this user may write to/)
      expect(readdirSync(locked)).toEqual([])
    },
  )
})
