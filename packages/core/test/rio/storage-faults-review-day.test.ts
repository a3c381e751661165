import { renameSync } from 'node:fs'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { Rio } from '../../src/index.js'
import { onCleanup, tempDir } from '../helpers.js'

describe('storage faults, once cleared', () => {
  it('reports the database writable again when the moved file is put back, with no emit since', async () => {
    const dir = tempDir()
    const file = join(dir, 'rio.db')
    const rio = new Rio({ database: file })
    onCleanup(() => rio.stop())
    await rio.emit('order.paid', { n: 0 })

    renameSync(file, join(dir, 'moved.db'))
    expect((await rio.health()).problems.join('\n')).toContain('was deleted or renamed')

    renameSync(join(dir, 'moved.db'), file)
    // An idle Rio (a web process, a quiet night) stores nothing; the probe's write now succeeds.
    expect(await rio.health()).toEqual({ ok: true, problems: [] })
  })

  it('reports the database writable again once a lock held past the busy timeout is released, with no emit since', async () => {
    const file = join(tempDir(), 'rio.db')
    const db = new BetterSqlite3(file)
    const rio = new Rio({ database: db })
    db.pragma('busy_timeout = 100')
    const locker = new BetterSqlite3(file)
    onCleanup(async () => {
      if (locker.inTransaction) locker.exec('ROLLBACK')
      locker.close()
      await rio.stop()
      db.close()
    })

    locker.exec('BEGIN IMMEDIATE')
    expect((await rio.health()).problems.join('\n')).toContain('write lock')
    locker.exec('COMMIT')

    expect(await rio.health()).toEqual({ ok: true, problems: [] })
  })
})
