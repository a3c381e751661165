import type { Command } from 'commander'
import { type CommonOptions, common, withRio } from '../context.js'

/** `rio migrate` (alias `upgrade`): applies pending migrations and says what it did. */
export function addMigrate(program: Command): void {
  common(
    program
      .command('migrate')
      .alias('upgrade')
      .description('create the database, or apply pending migrations to it, and say what was done'),
  ).action((options: CommonOptions) =>
    withRio(
      options,
      async (rio) => {
        const report = await rio.migrate()
        const database = rio.options.database as string
        if (options.json) {
          process.stdout.write(`${JSON.stringify({ database, ...report })}\n`)
          return
        }
        process.stdout.write(
          report.applied.length === 0
            ? `database ${database} is up to date (schema version ${report.to})\n`
            : `migrated ${database} from version ${report.from} to ${report.to}: ${report.applied.join(', ')}\n`,
        )
      },
      { create: true },
    ),
  )
}
