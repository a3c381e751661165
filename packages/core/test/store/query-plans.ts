import type { Database, Statement } from 'better-sqlite3'

/** A read the store ran: its SQL, the values bound, and SQLite's plan for them. */
export interface RecordedRead {
  readonly sql: string
  readonly args: readonly unknown[]
  readonly plan: readonly string[]
}

/**
 * Records every read (`all`, `get`, `iterate`) run through statements that `db` prepares from now
 * on, to check the plans of the queries an operator's page or command really runs, with the values
 * really bound: SQLite chooses a partial index only for a literal, so a plan of the SQL with
 * literals spliced in could differ from the one used.
 * @param db - a connection not yet handed to the store (its statements are prepared in its constructor)
 * @returns `reads()`, the reads since the last `clear()`, each with its plan
 */
export function recordReads(db: Database): { reads(): RecordedRead[]; clear(): void } {
  const prepare = db.prepare.bind(db)
  let ran: Array<{ sql: string; args: unknown[] }> = []
  db.prepare = ((sql: string) => {
    const statement = prepare(sql)
    if (!statement.reader) return statement
    for (const method of ['all', 'get', 'iterate'] as const) {
      const original = statement[method] as (...args: unknown[]) => unknown
      ;(statement as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
        ran.push({ sql, args })
        return original.apply(statement, args)
      }
    }
    return statement
  }) as Database['prepare']
  return {
    reads: () =>
      ran
        .filter((read) => /^\s*(SELECT|WITH)\b/i.test(read.sql))
        .map((read) => ({
          ...read,
          plan: (prepare(`EXPLAIN QUERY PLAN ${read.sql}`) as Statement<unknown[], { detail: string }>)
            .all(...read.args)
            .map((row) => row.detail),
        })),
    clear: () => {
      ran = []
    },
  }
}

/**
 * The steps of `reads` that walk the whole deliveries table: a `SCAN` of it that is not a scan of a
 * partial index holding one status only (`deliveries_due` pending, `deliveries_lease` in flight,
 * `deliveries_dead` dead), each with its SQL.
 */
export function deliveryTableScans(reads: readonly RecordedRead[]): string[] {
  const partial = /USING (COVERING )?INDEX deliveries_(due|lease|dead)\b/
  return reads.flatMap((read) =>
    read.plan
      .filter((step) => /^SCAN (d|deliveries)\b/.test(step) && !partial.test(step))
      .map((step) => `${step} in: ${read.sql.replace(/\s+/g, ' ')}`),
  )
}
