import type { RioEvent } from '@rio/core'
import type { Command } from 'commander'
import { type CommonOptions, common, parseCount, parseSince, print, withRio } from '../context.js'

/** `rio events list [--project] [--name] [--since] [--limit]`. */
export function addEvents(program: Command): void {
  const events = program.command('events').description('stored events')
  common(
    events
      .command('list')
      .option('--project <project>')
      .option('--name <name>', 'only this event name')
      .option(
        '--since <time>',
        'ISO date or date and time (UTC unless it ends in an offset like +02:00), or a span like 2h, 3d',
      )
      .option('--limit <n>', 'at most this many (newest first)', '50')
      .description('list events, newest first'),
  ).action((options: CommonOptions & { project?: string; name?: string; since?: string; limit: string }) =>
    withRio(options, async (rio) => {
      const filter = {
        ...(options.project ? { project: options.project } : {}),
        ...(options.name ? { name: options.name } : {}),
        ...(options.since ? { since: parseSince(options.since) } : {}),
        limit: parseCount(options.limit, '--limit'),
      }
      if (options.project) await rio.getProject(options.project) // exit 3 for a typo, not "(none)"
      print(options, await rio.listEvents(filter), [
        { header: 'id', value: (e: RioEvent) => e.id },
        { header: 'project', value: (e: RioEvent) => e.project },
        { header: 'name', value: (e: RioEvent) => e.name },
        { header: 'created', value: (e: RioEvent) => e.createdAt },
        { header: 'payload', value: (e: RioEvent) => JSON.stringify(e.payload), shrink: true },
      ])
    }),
  )
}
