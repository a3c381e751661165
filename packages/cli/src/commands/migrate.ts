import { Rio } from '@rio/core'
import type { Command } from 'commander'

/** `rio migrate` (alias `upgrade`): applies pending migrations and says what it did. */
export function addMigrate(program: Command): void {
  program
    .command('migrate')
    .alias('upgrade')
    .description('apply pending database migrations')
    .option('--database <path>', 'SQLite file', process.env.RIO_DATABASE ?? './rio.db')
    .action(async (options: { database: string }) => {
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
