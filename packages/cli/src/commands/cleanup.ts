import type { Command } from 'commander'
import { type CommonOptions, common, parseCount, withRio } from '../context.js'
import { HELP_HINT, UsageError } from '../errors.js'
import { progress } from '../progress.js'

interface CleanupOptions extends CommonOptions {
  days: string
  batch: string
  dryRun?: boolean
}

/**
 * `rio cleanup --days N`: deletes finished events older than N days, in small batches. With
 * `--dry-run` it deletes nothing and reports what it would delete (`"dryRun": true` in `--json`).
 */
export function addCleanup(program: Command): void {
  common(
    program
      .command('cleanup')
      .option('--days <n>', 'remove finished events older than this many days', '30')
      .option('--batch <n>', 'events per transaction', '500')
      .option('--dry-run', 'remove nothing: count the events, deliveries and attempts that would go')
      .description('delete old events whose deliveries are all finished (pending work is never touched)'),
  ).action((options: CleanupOptions) => {
    const days = parseCount(options.days, '--days')
    const batchSize = parseCount(options.batch, '--batch')
    const olderThan = new Date(Date.now() - days * 86_400_000)
    if (!Number.isFinite(olderThan.getTime()))
      throw new UsageError(`--days ${days} reaches back before any date there is`, HELP_HINT)
    const dryRun = options.dryRun === true
    return withRio(options, async (rio) => {
      // A progress line on a terminal only; scripts and logs get the final count.
      const spinner = progress(
        `${dryRun ? 'counting' : 'removing'} finished events older than ${days} days…`,
        { quiet: options.json === true },
      )
      const counts = await rio
        .cleanup({
          olderThan,
          batchSize,
          dryRun,
          onProgress: (so) =>
            spinner.update(
              `${dryRun ? 'counted' : 'removed'} ${so.events} events, ${so.deliveries} deliveries so far…`,
            ),
        })
        .finally(() => spinner.done())
      const what = `${counts.events} events, ${counts.deliveries} deliveries and ${counts.attempts} attempts older than ${days} days`
      process.stdout.write(
        options.json
          ? `${JSON.stringify(dryRun ? { ...counts, dryRun } : counts)}\n`
          : dryRun
            ? `dry run: would remove ${what}; nothing was removed (run without --dry-run to remove them)\n`
            : `removed ${what}\n`,
      )
    })
  })
}
