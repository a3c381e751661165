import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { ManualClock, Rio } from '../../core/src/index.js'
import { waitUntil } from '../../core/test/helpers.js'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const bin = fileURLToPath(new URL('../src/bin.ts', import.meta.url))
const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})
function rio(args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', bin, ...args], {
    cwd: root,
    env: { ...process.env, TSX_TSCONFIG_PATH: join(root, 'tsconfig.check.json') },
    encoding: 'utf8',
    timeout: 20_000,
  })
}

/**
 * A database with events written 40 days ago (one delivered, one still being attempted, one with no
 * handler) and one written now: a 30-day cleanup removes 2 events, 1 delivery and 1 attempt.
 */
async function seedOldEvents() {
  const dir = mkdtempSync(join(tmpdir(), 'rio-ops-'))
  dirs.push(dir)
  const database = join(dir, 'rio.db')
  const clock = new ManualClock(Date.now() - 40 * 86_400_000)
  const old = new Rio({ database, clock, pollIntervalMs: 10, stopTimeoutMs: 100 })
  old.on('done', 'ok', async () => {})
  old.on('stuck', 'never', () => new Promise(() => {}))
  const done = await old.emit('done', {})
  const stuck = await old.emit('stuck', {})
  const orphan = await old.emit('nobody-listens', {})
  await old.start()
  await waitUntil(
    async () => (await old.listDeliveries({})).every((d) => d.status !== 'pending'),
    'the old deliveries to be attempted',
  )
  await old.stop() // `stuck` is given back as pending: unfinished work
  const recent = new Rio({ database })
  const fresh = await recent.emit('nobody-listens', {})
  await recent.stop()
  return { database, done, stuck, orphan, fresh }
}

/** The ids of the events left in the database, sorted. */
async function eventIds(database: string): Promise<string[]> {
  const left = new Rio({ database })
  const ids = (await left.listEvents({ limit: 10 })).map((e) => e.id).sort()
  await left.stop()
  return ids
}

describe('rio cleanup', () => {
  it('removes old finished events and keeps old unfinished ones and recent ones', async () => {
    const { database, done, stuck, orphan, fresh } = await seedOldEvents()

    const result = rio(['cleanup', '--days', '30', '--database', database, '--json'])
    expect(result.status, result.stderr).toBe(0)
    expect(JSON.parse(result.stdout)).toEqual({ events: 2, deliveries: 1, attempts: 1 })
    const ids = await eventIds(database)
    expect(ids).toEqual([stuck.id, fresh.id].sort())
    expect(ids).not.toContain(done.id)
    expect(ids).not.toContain(orphan.id)
  })

  it('counts with --dry-run what a cleanup then removes, says so, and removes nothing', async () => {
    const { database, stuck, fresh } = await seedOldEvents()
    const all = await eventIds(database)
    expect(all).toHaveLength(4)

    const text = rio(['cleanup', '--days', '30', '--dry-run', '--database', database])
    expect(text.status, text.stderr).toBe(0)
    expect(text.stdout).toBe(
      'dry run: would remove 2 events, 1 deliveries and 1 attempts older than 30 days; nothing was removed (run without --dry-run to remove them)\n',
    )
    const json = rio(['cleanup', '--days', '30', '--dry-run', '--database', database, '--json'])
    expect(json.status, json.stderr).toBe(0)
    expect(JSON.parse(json.stdout)).toEqual({ events: 2, deliveries: 1, attempts: 1, dryRun: true })
    expect(await eventIds(database)).toEqual(all)

    const real = rio(['cleanup', '--days', '30', '--batch', '1', '--database', database, '--json'])
    expect(real.status, real.stderr).toBe(0)
    expect(JSON.parse(real.stdout)).toEqual({ events: 2, deliveries: 1, attempts: 1 })
    expect(await eventIds(database)).toEqual([stuck.id, fresh.id].sort())
  })

  it('reads --days and --batch in decimal digits only, and refuses a span before any date (exit 2, nothing deleted)', () => {
    for (const [option, value] of [
      ['--days', '0x10'],
      ['--days', '1e3'],
      ['--batch', '5e2'],
    ] as const) {
      const result = rio(['cleanup', option, value, '--database', '/nonexistent/rio.db'])
      expect(result.status, `${option} ${value}: ${result.stderr}`).toBe(2)
      expect(result.stderr).toContain(`rio: ${option} must be a positive whole number, got "${value}"`)
    }
    const far = rio(['cleanup', '--days', '999999999999', '--database', '/nonexistent/rio.db'])
    expect(far.status, far.stderr).toBe(2)
    expect(far.stderr).toMatch(/^rio: --days 999999999999 reaches back before any date there is\nhint: /)
  })
})
