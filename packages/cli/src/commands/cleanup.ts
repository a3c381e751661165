import type { Command } from 'commander'
import { type CommonOptions, common, parseCount, withRio } from '../context.js'

/** `rio cleanup --days N`: deletes finished events older than N days, in small batches. */
export function addCleanup(program: Command): void {
  common(
    program
      .command('cleanup')
      .option('--days <n>', 'remove finished events older than this many days', '30')
      .option('--batch <n>', 'events per transaction', '500')
      .description('delete old events whose deliveries are all finished (pending work is never touched)'),
  ).action((options: CommonOptions & { days: string; batch: string }) =>
    withRio(options, async (rio) => {
      const days = parseCount(options.days, '--days')
      const tty = process.stderr.isTTY === true && !options.json
      const removed = await rio.cleanup({
        olderThan: new Date(Date.now() - days * 86_400_000),
        batchSize: parseCount(options.batch, '--batch'),
        // A progress line on a terminal only; scripts get the final count.
        ...(tty ? { onProgress: (so) => process.stderr.write(`\rremoved ${so.events} events…`) } : {}),
      })
      if (tty) process.stderr.write('\n')
      process.stdout.write(
        options.json
          ? `${JSON.stringify(removed)}\n`
          : `removed ${removed.events} events, ${removed.deliveries} deliveries and ${removed.attempts} attempts older than ${days} days\n`,
      )
    }),
  )
}
