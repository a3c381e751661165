import { join } from 'node:path'
import { Rio } from '@rio/core'
import Database from 'better-sqlite3'
import { type BenchRow, samplePayload, scratch, timed } from './support.js'

/**
 * Durable in-process emit with one webhook handler (synchronous=FULL, WAL), 1 000 emits in flight so
 * group commit can batch them, against raw better-sqlite3 inserts of the same rows (event + delivery)
 * in transactions of 100 on an identically configured file.
 */
export async function runEmitBench(options: { events?: number } = {}): Promise<BenchRow[]> {
  const events = options.events ?? 50_000
  const space = scratch()
  try {
    const raw = rawInserts(join(space.dir, 'raw.db'), events)
    const rio = new Rio({ database: join(space.dir, 'rio.db'), synchronous: 'full' })
    await rio.webhook('comment-published', { url: 'http://127.0.0.1:9/never-called' })
    // not started: this measures the write path only
    const inFlight = 1000
    const seconds = await timed(async () => {
      for (let i = 0; i < events; i += inFlight) {
        const batch: Promise<unknown>[] = []
        for (let k = i; k < Math.min(events, i + inFlight); k++)
          batch.push(rio.emit('comment-published', samplePayload(k)))
        await Promise.all(batch)
      }
    })
    await rio.stop()
    const rate = events / seconds
    const ratio = rate / raw
    return [
      { benchmark: 'durable emit (FULL)', subject: 'raw better-sqlite3, tx of 100', opsPerSec: raw },
      {
        benchmark: 'durable emit (FULL)',
        subject: 'rio.emit(), 1 webhook',
        opsPerSec: rate,
        ratio,
        target: '>= 0.50',
        met: ratio >= 0.5,
      },
    ]
  } finally {
    space.remove()
  }
}

function rawInserts(file: string, events: number): number {
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  db.exec(`CREATE TABLE events (id TEXT PRIMARY KEY, project_id INTEGER, name TEXT, payload TEXT, created_at INTEGER, idempotency_key TEXT);
    CREATE TABLE deliveries (id INTEGER PRIMARY KEY, event_id TEXT, handler_id TEXT, status TEXT, next_attempt_at INTEGER, created_at INTEGER, updated_at INTEGER);
    CREATE INDEX deliveries_due ON deliveries (handler_id, next_attempt_at) WHERE status = 'pending';`)
  const insertEvent = db.prepare('INSERT INTO events VALUES (?, 1, ?, ?, ?, NULL)')
  const insertDelivery = db.prepare(
    "INSERT INTO deliveries (event_id, handler_id, status, next_attempt_at, created_at, updated_at) VALUES (?, 'h', 'pending', ?, ?, ?)",
  )
  const tx = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const now = Date.now()
      const id = crypto.randomUUID()
      insertEvent.run(id, 'comment-published', JSON.stringify(samplePayload(i)), now)
      insertDelivery.run(id, now, now, now)
    }
  })
  const start = process.hrtime.bigint()
  for (let i = 0; i < events; i += 100) tx(i, Math.min(events, i + 100))
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  db.close()
  return events / seconds
}
