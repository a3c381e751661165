import { existsSync } from 'node:fs'
import { Rio } from '@rio/core'
import type { Command } from 'commander'
import { resolveConfig } from './config.js'
import { CliError, UsageError } from './errors.js'
import { type Column, formatTable } from './table.js'

/** Options every data command takes. */
export interface CommonOptions {
  database?: string
  json?: boolean
}

/** Adds `--database` (env `RIO_DATABASE`) and `--json` to a command. */
export function common(command: Command): Command {
  return command
    .option('--database <path>', 'SQLite file (env RIO_DATABASE, rio.yaml; default ./rio.db)')
    .option('--json', 'print JSON for scripts instead of a table')
}

/**
 * Opens Rio on the configured database for one command and always closes it.
 * @param create - whether a missing database file may be created (commands that write
 *   definitions); reading commands refuse, so a mistyped path is an error, not an empty table
 * @throws {@link CliError} when the file is missing and `create` is false
 */
export async function withRio<T>(
  options: CommonOptions,
  fn: (rio: Rio) => Promise<T>,
  { create = false }: { create?: boolean } = {},
): Promise<T> {
  const { config, sources } = resolveConfig({ database: options.database })
  if (!create && config.database !== ':memory:' && !existsSync(config.database)) {
    throw new CliError(
      `the database ${config.database} (from ${sources.database}) does not exist`,
      undefined,
      'run `rio migrate` to create it, or point --database, RIO_DATABASE or RIO_CONF at the right file',
    )
  }
  const rio = new Rio({ database: config.database })
  try {
    return await fn(rio)
  } finally {
    await rio.stop()
  }
}

/** Prints `data` as JSON (`--json`) or as a table of `columns`. */
export function print<T>(
  options: CommonOptions,
  data: T | readonly T[],
  columns: readonly Column<T>[],
): void {
  const rows = (Array.isArray(data) ? data : [data]) as readonly T[]
  process.stdout.write(options.json ? `${JSON.stringify(data, null, 2)}\n` : formatTable(rows, columns))
}

/**
 * Reads a time for `--since`: an ISO date, or a relative span back from now like `90s`, `15m`,
 * `2h`, `3d`.
 * @throws Error naming the value and the forms accepted
 */
export function parseSince(value: string, now = Date.now()): Date {
  const relative = /^(\d+)\s*(s|m|h|d)$/.exec(value.trim())
  if (relative) {
    const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as 's' | 'm' | 'h' | 'd']
    return new Date(now - Number(relative[1]) * unit)
  }
  const at = Date.parse(value)
  if (Number.isNaN(at))
    throw new UsageError(`cannot read the time "${value}": give an ISO date or a span like 2h or 3d`)
  return new Date(at)
}

/** Reads a positive integer option. @throws {@link UsageError} */
export function parseCount(value: string, name: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`${name} must be a positive whole number, got "${value}"`)
  return n
}

/** Reads a positive number option (fractions allowed, e.g. a rate of 0.5 per second). @throws {@link UsageError} */
export function parsePositive(value: string, name: string): number {
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${name} must be a positive number, got "${value}"`)
  return n
}
