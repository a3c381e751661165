import type { Command } from 'commander'
import { type CommonOptions, common, parseCount, withRio } from '../context.js'
import { HELP_HINT, UsageError } from '../errors.js'
import { progress } from '../progress.js'

/** `rio cleanup --days N`: deletes finished events older than N days, in small batches. */
export function addCleanup(program: Command): void {
  common(
    program
      .command('cleanup')
      .option('--days <n>', 'remove finished events older than this many days', '30')
      .option('--batch <n>', 'events per transaction', '500')
      .description('delete old events whose deliveries are all finished (pending work is never touched)'),
  ).action((options: CommonOptions & { days: string; batch: string }) => {
    const days = parseCount(options.days, '--days')
    const batchSize = parseCount(options.batch, '--batch')
    const olderThan = new Date(Date.now() - days * 86_400_000)
    if (!Number.isFinite(olderThan.getTime()))
      throw new UsageError(`--days ${days} reaches back before any date there is`, HELP_HINT)
    return withRio(options, async (rio) => {
      // A progress line on a terminal only; scripts and logs get the final count.
      const spinner = progress(`removing finished events older than ${days} days…`, {
        quiet: options.json === true,
      })
      const removed = await rio
        .cleanup({
          olderThan,
          batchSize,
          onProgress: (so) =>
            spinner.update(`removed ${so.events} events, ${so.deliveries} deliveries so far…`),
        })
        .finally(() => spinner.done())
      process.stdout.write(
        options.json
          ? `${JSON.stringify(removed)}\n`
          : `removed ${removed.events} events, ${removed.deliveries} deliveries and ${removed.attempts} attempts older than ${days} days\n`,
      )
    })
  })
}
