import { lstatSync } from 'node:fs'
import type { Command } from 'commander'
import { type CommonOptions, common } from '../context.js'
import { CliError, CommandStatus, EXIT, UsageError } from '../errors.js'
import { escapeControls } from '../escape-controls.js'
import { databaseAccessNote } from '../file-access.js'

interface CheckCommandOptions extends CommonOptions {
  full?: boolean
}

/** What to do about a database `rio check` found problems in. */
const REPAIR =
  'stop every Rio on it, then put back a copy made by `rio backup`, or salvage what SQLite can still read; see "Damaged database files" in docs/reliability.md'

/**
 * `rio check [--full]`: whether the database file is Rio's and intact, without changing it
 * (`PRAGMA quick_check`, or `integrity_check` with `--full`, and `foreign_key_check`). Exit 0
 * when nothing is wrong, 1 with one `problem: …` line per problem. A `note: …` line (in `--json`,
 * `notes`) says what is not damage but worth fixing: files every user of the machine can read.
 */
export function addCheck(program: Command): void {
  common(
    program
      .command('check')
      .option('--full', 'also compare every index with its table (PRAGMA integrity_check; slower)')
      .description('check the database file for damage without changing it (safe while Rio runs)')
      .addHelpText(
        'after',
        `
Exit status: 0 nothing wrong, 1 problems found (not Rio's database, damaged pages, rows that refer
to rows that do not exist). The file is opened read-only: nothing is migrated, written or deleted.
A note (exit status unchanged) says when every user of the machine can read the database files.`,
      ),
  ).action(async (options: CheckCommandOptions) => {
    const [{ resolveConfig }, { checkDatabase }] = await Promise.all([
      import('../config.js'),
      import('@rio/core'),
    ])
    const { config, sources } = resolveConfig({ database: options.database })
    if (config.database === ':memory:')
      throw new UsageError(
        `the database is ":memory:" (from ${sources.database}): there is no file to check`,
        'point --database, RIO_DATABASE or RIO_CONF at the database file',
      )
    // lstat, not exists: a symbolic link that loops or points nowhere is there, and checked.
    if (!lstatSync(config.database, { throwIfNoEntry: false })) {
      throw new CliError(
        `the database ${config.database} (from ${sources.database}) does not exist`,
        undefined,
        'point --database, RIO_DATABASE or RIO_CONF at the right file',
      )
    }
    const report = checkDatabase(config.database, { full: options.full === true })
    const note = databaseAccessNote(config.database)
    const notes = note ? [note] : []
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ ...report, notes })}\n`)
    } else {
      for (const line of notes) process.stdout.write(`note: ${escapeControls(line)}\n`)
      if (report.ok) {
        process.stdout.write(
          `ok: ${report.database} (schema version ${report.schemaVersion}, ${report.mode} check, ${report.durationMs} ms)\n`,
        )
      } else {
        const lines = report.problems.map((p) => `problem: ${escapeControls(p)}`)
        process.stdout.write(`${lines.join('\n')}\n`)
        // Other problems (not Rio's database, a newer Rio's) say what to do in their own words.
        if (report.damaged) process.stderr.write(`hint: ${REPAIR}\n`)
      }
    }
    if (!report.ok) throw new CommandStatus(EXIT.failure)
  })
}
