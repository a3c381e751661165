import { existsSync } from 'node:fs'
import type { BackupReport } from '@rio/core'
import type { Command } from 'commander'
import { type CommonOptions, common } from '../context.js'
import { CliError, EXIT, UsageError } from '../errors.js'
import { progress } from '../progress.js'

interface BackupCommandOptions extends CommonOptions {
  force?: boolean
}

/** `1.5 MiB`, `86.4 MiB`, `2.3 GiB`: a size for people (`--json` has the bytes). */
function size(bytes: number): string {
  const mib = bytes / 1024 / 1024
  return mib >= 1024 ? `${(mib / 1024).toFixed(1)} GiB` : `${mib.toFixed(1)} MiB`
}

/**
 * `rio backup <destination> [--force]`: an online, consistent copy of the database, safe while Rio
 * runs (a `cp` of a live database misses what is still in its `-wal` file, or copies a torn file).
 * It does not open the database as Rio does: nothing is migrated (a backup taken before
 * `rio migrate` keeps the old schema), and a file that is not Rio's is refused, not changed.
 */
export function addBackup(program: Command): void {
  common(
    program
      .command('backup')
      .argument('<destination>', 'the file to write the copy to (its directory must exist)')
      .option('--force', 'replace the destination if it exists')
      .description('copy the database while Rio runs: a consistent snapshot, written under a temporary name')
      .addHelpText(
        'after',
        `
The copy holds every event acknowledged before the backup started. To restore it: stop every Rio
process on the database, delete the database's -wal and -shm files, put the copy in its place, start
Rio. See "Backups and restores" in docs/reliability.md for what a restore brings back and undoes.`,
      ),
  ).action(async (destination: string, options: BackupCommandOptions) => {
    const [{ resolveConfig }, { backupDatabase }] = await Promise.all([
      import('../config.js'),
      import('@rio/core'),
    ])
    const { config, sources } = resolveConfig({ database: options.database })
    if (config.database === ':memory:')
      throw new UsageError(
        `the database is ":memory:" (from ${sources.database}): there is no file to back up`,
        'point --database, RIO_DATABASE or RIO_CONF at the database file',
      )
    if (!existsSync(config.database)) {
      throw new CliError(
        `the database ${config.database} (from ${sources.database}) does not exist`,
        undefined,
        'point --database, RIO_DATABASE or RIO_CONF at the right file',
      )
    }
    const spinner = progress(`backing up ${config.database}…`, { quiet: options.json === true })
    let report: BackupReport
    try {
      report = await backupDatabase(config.database, destination, {
        force: options.force === true,
        onProgress: ({ totalPages, remainingPages }) =>
          spinner.update(
            `backing up ${config.database}: ${Math.floor((100 * (totalPages - remainingPages)) / Math.max(totalPages, 1))} %`,
          ),
      })
    } catch (error) {
      throw await explain(error)
    } finally {
      spinner.done()
    }
    process.stdout.write(
      options.json
        ? `${JSON.stringify(report)}\n`
        : `backed up ${report.database} to ${report.path}: ${report.bytes} bytes (${size(report.bytes)}), ${report.events} events, ${report.deliveries} deliveries, schema version ${report.schemaVersion} (${(report.durationMs / 1000).toFixed(1)} s)\n`,
    )
  })
}

/** The CLI's message and hint for what the copy's side can go wrong with; the rest as core says. */
async function explain(error: unknown): Promise<unknown> {
  const { RioConflictError, RioDatabaseError } = await import('@rio/core')
  if (error instanceof RioConflictError) {
    return new CliError(
      error.message.replace('pass force: true', 'pass --force'),
      EXIT.failure,
      '--force replaces it in one step (a reader never sees half a file), or pick another destination',
    )
  }
  if (error instanceof RioDatabaseError && error.message.startsWith('cannot write the backup')) {
    return new CliError(
      error.message,
      EXIT.failure,
      'the destination needs a directory this user may write to, with room for a copy of the database',
    )
  }
  return error
}
