import { lstatSync, statSync } from 'node:fs'
import type { Rio } from '@rio/core'
import type { Command } from 'commander'
import { CliError, HELP_HINT, UsageError } from './errors.js'
import { type Column, formatTable, terminalWidth } from './table.js'

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
 *   definitions); reading commands refuse, so a mistyped path is an error, not an empty table. They
 *   refuse an empty (0-byte) file too, which Rio would otherwise turn into an empty database
 * @throws {@link CliError} when the file is missing or empty and `create` is false
 */
export async function withRio<T>(
  options: CommonOptions,
  fn: (rio: Rio) => Promise<T>,
  { create = false }: { create?: boolean } = {},
): Promise<T> {
  // Loaded here, not up front, so `rio --help` and commands that never open Rio do not pay for them.
  const { resolveConfig } = await import('./config.js')
  const { config, sources } = resolveConfig({ database: options.database })
  const found = create || config.database === ':memory:' ? 'file' : lookUp(config.database)
  if (found === 'missing' || found === 'dangling') {
    throw new CliError(
      `the database ${config.database} (from ${sources.database}) does not exist${found === 'dangling' ? ' (it is a symbolic link to a missing file)' : ''}`,
      undefined,
      'run `rio migrate` to create it, or point --database, RIO_DATABASE or RIO_CONF at the right file',
    )
  }
  if (found === 'empty') {
    throw new CliError(
      `the database ${config.database} (from ${sources.database}) is an empty file: it holds no Rio data`,
      undefined,
      'run `rio migrate` to create the schema in it, or point --database, RIO_DATABASE or RIO_CONF at the right file; if it held data, restore a copy made by `rio backup`',
    )
  }
  const { Rio } = await import('@rio/core')
  const rio = new Rio({ database: config.database })
  try {
    return await fn(rio)
  } finally {
    await rio.stop()
  }
}

/**
 * What is at a database path, for a command that must not create one: nothing, a symbolic link to
 * nothing, an empty file, or something else (a file, or what Rio's open explains: a directory, a
 * link that loops).
 */
function lookUp(path: string): 'missing' | 'dangling' | 'empty' | 'file' {
  try {
    if (!lstatSync(path, { throwIfNoEntry: false })) return 'missing'
    const stats = statSync(path, { throwIfNoEntry: false })
    if (!stats) return 'dangling'
    return stats.isFile() && stats.size === 0 ? 'empty' : 'file'
  } catch {
    return 'file'
  }
}

/**
 * Prints `data` as JSON (`--json`) or as a table of `columns`, fitted to the terminal's width when
 * stdout is one (long free-text cells cut with `…`) and whole when it is a pipe or a file.
 */
export function print<T>(
  options: CommonOptions,
  data: T | readonly T[],
  columns: readonly Column<T>[],
): void {
  const rows = (Array.isArray(data) ? data : [data]) as readonly T[]
  process.stdout.write(
    options.json
      ? `${JSON.stringify(data, null, 2)}\n`
      : formatTable(rows, columns, { width: terminalWidth() }),
  )
}

/** A span back from now: `90s`, `15m`, `2h`, `3d`. */
const SPAN = /^(\d{1,9})\s*([smhd])$/
/**
 * An ISO 8601 date (`2026-01-31`) or date and time (`2026-01-31T09:30`, seconds and fractions
 * optional, a `Z` or `±hh:mm` offset optional; a space may stand for `T`). Groups: year, month, day,
 * hour, minute, second, fraction, offset.
 */
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/i
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const
const SINCE_FORMS =
  'give an ISO date or a span like 2h or 3d (2026-01-31, 2026-01-31T09:30:00Z, 90s, 15m, 2h, 3d); a date, or a date and time without Z or an offset, is UTC, as rio prints times'

/** Days in `month` (1–12) of `year`, proleptic Gregorian (`Date.UTC` would read years 0–99 as 19xx). */
function daysIn(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28
  return [4, 6, 9, 11].includes(month) ? 30 : 31
}

/**
 * The instant an {@link ISO} match names, or NaN when its fields name no real day and time (no
 * 31 April, no 25:00) or its offset is out of range. Without `Z` or an offset the time is UTC, never
 * the machine's zone: every time rio prints (tables, `--json`, the dashboard, logs) is UTC, so a time
 * copied from them means the same instant on any machine, and no local time falls into a DST gap.
 */
function isoInstant(match: RegExpExecArray): number {
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((f) => Number(f ?? 0)) as number[]
  if (month! < 1 || month! > 12 || day! < 1 || day! > daysIn(year!, month!)) return Number.NaN
  if (hour! > 23 || minute! > 59 || second! > 59) return Number.NaN
  // `Z`, or no offset at all, is UTC.
  const offset = /^([+-])(\d{2}):?(\d{2})$/.exec(match[8] ?? '')
  const [offsetHours, offsetMinutes] = offset ? [Number(offset[2]), Number(offset[3])] : [0, 0]
  if (offsetHours > 23 || offsetMinutes > 59) return Number.NaN
  const date = new Date(0)
  date.setUTCFullYear(year!, month! - 1, day!)
  date.setUTCHours(hour!, minute!, second!, Number((match[7] ?? '').slice(0, 3).padEnd(3, '0')))
  const offsetMs = (offsetHours * 60 + offsetMinutes) * 60_000
  return date.getTime() - (offset?.[1] === '-' ? -offsetMs : offsetMs)
}

/**
 * Reads a time for `--since`: an ISO 8601 date or date and time, in UTC unless it ends in an offset
 * (`+02:00`), or a span back from now like `90s`, `15m`, `2h`, `3d`. Nothing else:
 * `Date.parse` would read `7` as July 2001 and `40` as 2040, and `2026-01-31T09:30` in the machine's
 * zone but `2026-01-31` in UTC.
 * @param now - the current time in ms since the epoch, for spans
 * @throws {@link UsageError} naming the value and the forms accepted
 */
export function parseSince(value: string, now = Date.now()): Date {
  const text = value.trim()
  const span = SPAN.exec(text)
  const iso = span ? null : ISO.exec(text)
  const at = span
    ? now - Number(span[1]) * UNIT_MS[span[2] as keyof typeof UNIT_MS]
    : iso
      ? isoInstant(iso)
      : Number.NaN
  // A span too long for a Date (`999999999d`) is as unreadable as a word.
  if (!Number.isFinite(new Date(at).getTime()))
    throw new UsageError(`cannot read the time "${value}"`, SINCE_FORMS)
  return new Date(at)
}

/**
 * Reads a positive integer option, in decimal digits only: `Number()` alone would read `0x10` as 16
 * and `1e3` as 1000, which for `rio cleanup --days` decides what is deleted. @throws {@link UsageError}
 */
export function parseCount(value: string, name: string): number {
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN
  if (!Number.isSafeInteger(n) || n < 1)
    throw new UsageError(`${name} must be a positive whole number, got "${value}"`, HELP_HINT)
  return n
}

/** Reads a positive number option (fractions allowed, e.g. a rate of 0.5 per second). @throws {@link UsageError} */
export function parsePositive(value: string, name: string): number {
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`${name} must be a positive number, got "${value}"`, HELP_HINT)
  return n
}
