import {
  closeSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import BetterSqlite3 from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { Rio } from '../../core/src/index.js'
import { runRio as rio } from './support/run-rio.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rio-damaged-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** A Rio database with a project, a sender and a handler, and `events` events each with a delivery. */
async function rioFile(file: string, events = 300): Promise<void> {
  const rio = new Rio({ database: file })
  await rio.createProject('shop')
  await rio.createSender('shop', 'checkout')
  await rio.webhook('order.*', { url: 'http://127.0.0.1:9/hook', name: 'hook', project: 'shop' })
  for (let i = 0; i < events; i += 100)
    await rio.emitMany(
      Array.from({ length: 100 }, (_, n) => ({ name: 'order.paid', payload: { n: i + n } })),
      { project: 'shop' },
    )
  await rio.stop()
}

/** Overwrites the first page of a table or index with garbage, in the main file. @returns the page */
function damagePage(file: string, name: string): number {
  const db = new BetterSqlite3(file)
  db.pragma('wal_checkpoint(TRUNCATE)')
  const page = db.prepare('SELECT min(pageno) FROM dbstat WHERE name = ?').pluck().get(name) as number
  db.close()
  const fd = openSync(file, 'r+')
  writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, (page - 1) * 4096)
  closeSync(fd)
  return page
}

/** The commands that open the database, each as an operator would type it. */
const COMMANDS: ReadonlyArray<readonly string[]> = [
  ['project', 'list'],
  ['sender', 'list', 'shop'],
  ['handler', 'list'],
  ['events', 'list'],
  ['deliveries', 'list'],
  ['health'],
  ['cleanup', '--dry-run'],
  ['migrate'],
  ['check'],
]

describe('rio on a file that is not a usable Rio database', () => {
  const files: Array<{
    name: string
    make: (file: string) => Promise<void> | void
    code: string
    message: RegExp
  }> = [
    {
      name: 'a gzip of a Rio database',
      make: async (file) => {
        await rioFile(`${file}.orig`)
        writeFileSync(file, gzipSync(readFileSync(`${file}.orig`)))
        rmSync(`${file}.orig`)
      },
      code: 'database_unrecognized',
      message: /is not a SQLite database but a gzip-compressed file: decompress it first/,
    },
    {
      name: "another application's database",
      make: (file) => {
        const db = new BetterSqlite3(file)
        db.exec(
          'CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL); INSERT INTO invoices (total) VALUES (9.5)',
        )
        db.close()
      },
      code: 'database_unrecognized',
      message: /another application's SQLite database \(tables "invoices"\)/,
    },
    {
      name: 'a Rio database cut short',
      make: async (file) => {
        await rioFile(file, 3000)
        truncateSync(file, Math.floor(statSync(file).size / 8192) * 4096)
      },
      code: 'database_corrupt',
      message: /it is damaged: it is \d+ bytes but its header says \d+ .*the file was cut short/,
    },
  ]

  it.each(files)(
    'every command refuses $name, names the file, prints a stable code, and changes nothing',
    async (f) => {
      const dir = tempDir()
      const file = join(dir, 'rio.db')
      await f.make(file)
      const before = readFileSync(file)

      for (const command of COMMANDS) {
        const result = await rio([...command, '--database', file, '--json'])
        const label = `rio ${command.join(' ')}: ${result.err}${result.out}`
        expect(result.code, label).toBe(1)
        // `rio check` reports the problem on stdout (exit 1); the others fail with an error on stderr.
        if (command[0] === 'check') {
          const report = JSON.parse(result.out) as { ok: boolean; problems: string[] }
          expect(report.ok, label).toBe(false)
          expect(report.problems.join('\n'), label).toMatch(
            f.code === 'database_corrupt' ? /damaged/ : f.message,
          )
        } else {
          const { error } = JSON.parse(result.err) as { error: { code: string; message: string } }
          expect(error.code, label).toBe(f.code)
          expect(error.message, label).toContain(file)
          expect(error.message, label).toMatch(f.message)
        }
      }
      const started = await rio(['start', '--database', file, '--port', '0'])
      expect(started.code).toBe(1)
      expect(started.err).toMatch(f.message)
      const backup = await rio(['backup', join(dir, 'copy.db'), '--database', file, '--json'])
      expect(backup.code).toBe(1)
      expect((JSON.parse(backup.err) as { error: { code: string } }).error.code).toBe(f.code)

      expect(readFileSync(file).equals(before)).toBe(true)
      expect(readdirSync(dir).filter((name) => !/^rio\.db(-wal|-shm)?$/.test(name))).toEqual([])
    },
  )

  it('reading commands refuse an empty file and a link to nothing, and create nothing', async () => {
    const dir = tempDir()
    const empty = join(dir, 'empty.db')
    writeFileSync(empty, '')
    const link = join(dir, 'link.db')
    symlinkSync(join(dir, 'target.db'), link)

    const onEmpty = await rio(['events', 'list', '--database', empty])
    expect(onEmpty.code).toBe(1)
    expect(onEmpty.err).toContain(
      `the database ${empty} (from --database) is an empty file: it holds no Rio data`,
    )
    expect(onEmpty.err).toContain('hint: run `rio migrate` to create the schema in it')
    expect(statSync(empty).size).toBe(0)
    const onLink = await rio(['deliveries', 'list', '--database', link])
    expect(onLink.code).toBe(1)
    expect(onLink.err).toContain('does not exist (it is a symbolic link to a missing file)')
    expect(readdirSync(dir).sort()).toEqual(['empty.db', 'link.db'])

    // `rio migrate` creates the schema in either.
    expect((await rio(['migrate', '--database', empty])).code).toBe(0)
    expect((await rio(['migrate', '--database', link])).code).toBe(0)
    expect((await rio(['check', '--database', join(dir, 'target.db')])).code).toBe(0)
  })
})

describe('rio check', () => {
  it('says ok for an intact database, and lists the damage with what to do for a damaged one', async () => {
    const dir = tempDir()
    const file = join(dir, 'rio.db')
    await rioFile(file, 3000)

    const ok = await rio(['check', '--database', file])
    expect(ok).toMatchObject({ code: 0, err: '' })
    expect(ok.out).toMatch(new RegExp(`^ok: ${file} \\(schema version 1, quick check, \\d+ ms\\)\\n$`))

    const page = damagePage(file, 'events_created')
    const before = readFileSync(file)
    const damaged = await rio(['check', '--database', file])
    expect(damaged.code).toBe(1)
    expect(damaged.out).toMatch(new RegExp(`^problem: damaged: .*Page ${page}`, 'm'))
    expect(damaged.err).toBe(
      'hint: stop every Rio on it, then put back a copy made by `rio backup`, or salvage what SQLite can still read; see "Damaged database files" in docs/reliability.md\n',
    )
    const json = await rio(['check', '--database', file, '--json', '--full'])
    expect(json.code).toBe(1)
    expect(JSON.parse(json.out)).toMatchObject({
      database: file,
      ok: false,
      damaged: true,
      mode: 'full',
      schemaVersion: 1,
      problems: expect.arrayContaining([expect.stringMatching(/^damaged: /)]),
    })
    expect(readFileSync(file).equals(before)).toBe(true)

    // `rio health` reads what a running Rio reads: damage elsewhere is for `rio check` to find.
    expect((await rio(['health', '--database', file])).out).not.toMatch(/damaged/)
    damagePage(file, 'deliveries')
    const health = await rio(['health', '--database', file])
    expect(health.code).toBe(1)
    expect(health.out).toMatch(/^problem: the database is damaged: .*is damaged/m)
  })

  it('refuses a backup of a damaged database, leaving nothing at the destination', async () => {
    const dir = tempDir()
    const file = join(dir, 'rio.db')
    await rioFile(file, 3000)
    // An index the backup's counts do not read: the copy alone would carry the damage unseen.
    damagePage(file, 'deliveries_due')

    const result = await rio(['backup', join(dir, 'copy.db'), '--database', file])

    expect(result.code).toBe(1)
    expect(result.err).toMatch(
      new RegExp(
        `^rio: cannot back up ${file}: it is damaged, and so would the copy be \\(SQLite's check of the copy: .*Page \\d+`,
      ),
    )
    expect(result.err).toContain(`nothing was written at ${join(dir, 'copy.db')}`)
    expect(readdirSync(dir).filter((name) => !/^rio\.db(-wal|-shm)?$/.test(name))).toEqual([])
  })

  it('needs a file', async () => {
    const dir = tempDir()
    expect(await rio(['check', '--database', join(dir, 'nope.db')])).toMatchObject({
      code: 1,
      err: expect.stringContaining('does not exist'),
    })
    expect(await rio(['check', '--database', ':memory:'])).toMatchObject({
      code: 2,
      err: expect.stringContaining('there is no file to check'),
    })
  })
})
