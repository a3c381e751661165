import { Rio } from '@rio/core'
import type { Command } from 'commander'
import { loadConfig } from '../config.js'

/** `rio migrate` (alias `upgrade`): applies pending migrations and says what it did. */
export function addMigrate(program: Command): void {
  program
    .command('migrate')
    .alias('upgrade')
    .description('apply pending database migrations')
    .option('--database <path>', 'SQLite file (env RIO_DATABASE, rio.yaml; default ./rio.db)')
    .action(async (flags: { database?: string }) => {
      const options = { database: loadConfig({ database: flags.database }).database }
      const rio = new Rio({ database: options.database })
      const report = await rio.migrate()
      await rio.stop()
      process.stdout.write(
        report.applied.length === 0
          ? `database ${options.database} is up to date (schema version ${report.to})\n`
          : `migrated ${options.database} from version ${report.from} to ${report.to}: ${report.applied.join(', ')}\n`,
      )
    })
}
