import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { eventId } from '../../../core/src/events/event-id.js'
import { Rio } from '../../../core/src/index.js'
import { runRio as rio } from '../support/run-rio.js'

/** More than `handler list` reads at a time (1000), in two projects. */
const COUNT = 2500

describe('rio handler list and the handler names of rio deliveries', () => {
  let dir: string
  let db: string[]
  let names: string[]
  let removedId: string

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rio-cli-handler-list-'))
    const database = join(dir, 'rio.db')
    db = ['--database', database]
    const engine = new Rio({ database })
    try {
      await engine.webhook('order.*', { project: 'shop', url: 'http://127.0.0.1:9/erp', name: 'erp' })
      const doomed = await engine.webhook('order.*', {
        project: 'shop',
        url: 'http://127.0.0.1:9/x',
        name: 'doomed',
      })
      removedId = doomed.id
      await engine.emit('order.paid', { order: 7 }, { project: 'shop' })
      await engine.removeHandler(doomed.id)
    } finally {
      await engine.stop()
    }
    // The rest written in one transaction: 2 500 handler writes of their own would take seconds.
    const sqlite = new Database(database)
    const projects = ['shop', 'blog'].map((name) => {
      sqlite.prepare('INSERT OR IGNORE INTO projects (name, created_at) VALUES (?, 0)').run(name)
      return (sqlite.prepare('SELECT id FROM projects WHERE name = ?').get(name) as { id: number }).id
    })
    const insert = sqlite.prepare(
      `INSERT INTO handlers (id, project_id, name, kind, pattern, concurrency, created_at, updated_at)
       VALUES (?, ?, ?, 'function', 'tick', 1, 0, 0)`,
    )
    sqlite.transaction(() => {
      for (let i = 0; i < COUNT - 1; i++) {
        insert.run(eventId(), projects[i % 2], `fn-${String((i * 7919) % COUNT).padStart(4, '0')}`)
      }
    })()
    sqlite.close()
    const check = new Rio({ database })
    names = (await check.listHandlers()).map((h) => `${h.project}/${h.name}`)
    await check.stop()
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('prints every handler once, by project and name, read a page at a time', async () => {
    expect(names).toHaveLength(COUNT)
    const listed = vi.spyOn(Rio.prototype, 'listHandlers')
    try {
      const { code, out } = await rio(['handler', 'list', '--json', ...db])
      expect(code).toBe(0)
      const printed = (JSON.parse(out) as Array<{ project: string; name: string }>).map(
        (h) => `${h.project}/${h.name}`,
      )
      expect(printed).toEqual(names)
      // Three pages of at most 1000, not one read of 2 500.
      expect(listed.mock.calls.map(([filter]) => filter?.limit)).toEqual([1000, 1000, 1000])
      const table = await rio(['handler', 'list', '--project', 'blog', ...db])
      expect(table.out.trimEnd().split('\n')).toHaveLength(
        1 + names.filter((n) => n.startsWith('blog/')).length,
      )
    } finally {
      listed.mockRestore()
    }
  })

  it('names the handlers of the deliveries listed by looking up their ids, a removed one by its id', async () => {
    const listed = vi.spyOn(Rio.prototype, 'listHandlers')
    const lookedUp = vi.spyOn(Rio.prototype, 'getHandlers')
    try {
      const { code, out } = await rio(['deliveries', 'list', ...db])
      expect(code).toBe(0)
      expect(out).toContain(' erp ')
      expect(out).toContain(`${removedId} (removed)`)
      expect(listed).not.toHaveBeenCalled()
      expect(lookedUp).toHaveBeenCalledTimes(1)
      expect([...lookedUp.mock.calls[0]![0]]).toHaveLength(2)
    } finally {
      listed.mockRestore()
      lookedUp.mockRestore()
    }
  })
})
