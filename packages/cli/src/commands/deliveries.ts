import type { Attempt, Delivery, DeliveryStatus } from '@rio/core'
import type { Command } from 'commander'
import { type CommonOptions, common, parseCount, parseSince, print, withRio } from '../context.js'
import { UsageError } from '../errors.js'
import { escapeControls } from '../escape-controls.js'
import { progress } from '../progress.js'
import { redactHandlerName } from '../redact-url.js'

const columns = [
  { header: 'id', value: (d: Delivery) => d.id },
  { header: 'event', value: (d: Delivery) => d.eventId },
  { header: 'handler', value: (d: Delivery) => d.handlerId },
  { header: 'status', value: (d: Delivery) => d.status },
  { header: 'attempts', value: (d: Delivery) => d.attempts },
  { header: 'next', value: (d: Delivery) => d.nextAttemptAt },
  { header: 'last', value: (d: Delivery) => d.lastStatus ?? d.lastError?.slice(0, 50) },
]
const STATUSES = ['pending', 'in_flight', 'succeeded', 'dead', 'cancelled']

interface ListOptions extends CommonOptions {
  failed?: boolean
  status?: string
  handler?: string
  project?: string
  since?: string
  limit: string
}

/** `rio deliveries list|show|retry` and `rio recover`. */
export function addDeliveries(program: Command): void {
  const deliveries = program.command('deliveries').description('deliveries of events to handlers')
  common(
    deliveries
      .command('list')
      .option('--failed', 'only dead ones')
      .option('--status <status>', STATUSES.join(', '))
      .option('--handler <id>')
      .option('--project <project>')
      .option('--since <time>', 'ISO date or a span like 2h, 3d')
      .option('--limit <n>', 'at most this many (newest first)', '50')
      .description('list deliveries, newest first'),
  ).action((options: ListOptions) =>
    withRio(options, async (rio) => {
      const status = options.failed ? 'dead' : options.status
      if (status && !STATUSES.includes(status))
        throw new UsageError(`--status must be one of ${STATUSES.join(', ')}`)
      const filter = {
        ...(status ? { status: status as DeliveryStatus } : {}),
        ...(options.handler ? { handlerId: options.handler } : {}),
        ...(options.project ? { project: options.project } : {}),
        ...(options.since ? { since: parseSince(options.since) } : {}),
        limit: parseCount(options.limit, '--limit'),
      }
      if (options.project) await rio.getProject(options.project) // exit 3 for a typo, not "(none)"
      print(options, await rio.listDeliveries(filter), columns)
    }),
  )
  common(deliveries.command('show').argument('<id>').description('a delivery and every attempt')).action(
    (id: string, options: CommonOptions) =>
      withRio(options, async (rio) => {
        const delivery = await rio.getDelivery(id)
        const attempts = await rio.listAttempts(id)
        if (options.json)
          return void process.stdout.write(`${JSON.stringify({ ...delivery, attempts }, null, 2)}\n`)
        print(options, delivery, columns)
        process.stdout.write('\n')
        print(options, attempts, [
          { header: '#', value: (a: Attempt) => a.number },
          { header: 'started', value: (a: Attempt) => a.startedAt },
          { header: 'ms', value: (a: Attempt) => a.durationMs },
          { header: 'status', value: (a: Attempt) => a.status },
          { header: 'error', value: (a: Attempt) => a.error },
          { header: 'response', value: (a: Attempt) => a.responseBody?.slice(0, 60) },
        ])
      }),
  )
  common(
    deliveries.command('retry').argument('<id>').description('put a delivery back in the queue, due now'),
  ).action((id: string, options: CommonOptions) =>
    withRio(options, async (rio) => print(options, await rio.redeliver(id), columns)),
  )
  common(
    program
      .command('recover')
      .requiredOption('--handler <id>')
      .option('--since <time>', 'ISO date or a span like 2h, 3d', '7d')
      .description("re-queue a handler's dead deliveries created since a time"),
  ).action((options: CommonOptions & { handler: string; since: string }) =>
    withRio(options, async (rio) => {
      const since = parseSince(options.since)
      const handler = await rio.getHandler(options.handler)
      const name = escapeControls(redactHandlerName(handler))
      const spinner = progress(`re-queueing dead deliveries of ${name} since ${since.toISOString()}…`, {
        quiet: options.json === true,
      })
      const result = await rio.recover({ handler: handler.id, since }).finally(() => spinner.done())
      process.stdout.write(
        options.json ? `${JSON.stringify(result)}\n` : `re-queued ${result.requeued} dead deliveries\n`,
      )
    }),
  )
}
