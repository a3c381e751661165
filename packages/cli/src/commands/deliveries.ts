import type { Attempt, Delivery, DeliveryStatus, Handler, Rio } from '@rio/core'
import type { Command } from 'commander'
import { type CommonOptions, common, parseCount, parseSince, print, withRio } from '../context.js'
import { UsageError } from '../errors.js'
import { escapeControls } from '../escape-controls.js'
import { progress } from '../progress.js'
import { redactHandlerName } from '../redact-url.js'
import type { Column } from '../table.js'

/** What `--status` takes: the stored statuses, and `retrying` (pending after a failed attempt). */
const STATUSES = ['pending', 'retrying', 'in_flight', 'succeeded', 'dead', 'cancelled'] as const
type StatusFilter = (typeof STATUSES)[number]

/**
 * A delivery's handler as the tables name it: its name, redacted as `handler list`, the logs and the
 * dashboard show it (a webhook's default name, `<pattern> <url>`, holds its URL), or its id when the
 * handler was removed. `--json` keeps the delivery as stored, with its `handlerId`.
 */
function handlerName(handlers: ReadonlyMap<string, Handler>, id: string): string {
  const handler = handlers.get(id)
  return handler ? redactHandlerName(handler) : `${id} (removed)`
}

/** The columns of a delivery; `withHandlerId` adds the handler's id (for a single delivery). */
function deliveryColumns(
  handlers: ReadonlyMap<string, Handler>,
  { withHandlerId = false }: { withHandlerId?: boolean } = {},
): Column<Delivery>[] {
  return [
    { header: 'id', value: (d) => d.id },
    { header: 'event', value: (d) => d.eventId },
    { header: 'handler', value: (d) => handlerName(handlers, d.handlerId), shrink: true },
    ...(withHandlerId ? [{ header: 'handler id', value: (d: Delivery) => d.handlerId }] : []),
    { header: 'status', value: (d) => d.status },
    { header: 'attempts', value: (d) => d.attempts },
    { header: 'next', value: (d) => d.nextAttemptAt },
    { header: 'last', value: (d) => d.lastStatus ?? d.lastError, shrink: true },
  ]
}

/** The handlers of `deliveries`, by id, to name them: those only, not every handler there is. */
function handlerMap(rio: Rio, deliveries: readonly Delivery[]): Promise<Map<string, Handler>> {
  return rio.getHandlers(new Set(deliveries.map((d) => d.handlerId)))
}

type DeliveryQuery = NonNullable<Parameters<Rio['listDeliveries']>[0]>

/**
 * The newest `limit` retrying deliveries (`isRetrying` in `retrying.ts`) that match `query`: pending ones
 * attempted at least once, filtered by the store's query (`attempted`), not read into the process
 * a page of pending deliveries at a time.
 */
async function listRetrying(
  rio: Rio,
  query: Omit<DeliveryQuery, 'status'>,
  limit: number,
): Promise<Delivery[]> {
  return rio.listDeliveries({ ...query, status: 'pending', attempted: true, limit })
}

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
      .option('--failed', 'only dead ones (--status dead; not with another --status)')
      .option(
        '--status <status>',
        'pending, retrying (pending after a failed attempt), in_flight, succeeded, dead or cancelled',
      )
      .option('--handler <id>', "only this handler's (its id: `rio handler list`)")
      .option('--project <project>')
      .option(
        '--since <time>',
        'ISO date or date and time (UTC unless it ends in an offset like +02:00), or a span like 2h, 3d',
      )
      .option('--limit <n>', 'at most this many (newest first)', '50')
      .description('list deliveries, newest first'),
  ).action((options: ListOptions) =>
    withRio(options, async (rio) => {
      if (options.status !== undefined && !STATUSES.includes(options.status as StatusFilter)) {
        throw new UsageError(
          `--status must be one of ${STATUSES.join(', ')}, got "${options.status}"`,
          '`retrying` lists the pending deliveries that failed at least once; `--failed` is `--status dead`',
        )
      }
      // `--failed` is `--status dead`: with another status one of the two would be dropped unsaid.
      if (options.failed && options.status !== undefined && options.status !== 'dead') {
        throw new UsageError(
          `--failed lists dead deliveries, so it cannot be combined with --status ${options.status}`,
          `give one of them: --failed (the same as --status dead), or --status ${options.status} alone`,
        )
      }
      const status = options.failed ? 'dead' : options.status
      const limit = parseCount(options.limit, '--limit')
      const query = {
        ...(options.handler ? { handlerId: options.handler } : {}),
        ...(options.project ? { project: options.project } : {}),
        ...(options.since ? { since: parseSince(options.since) } : {}),
      }
      if (options.project) await rio.getProject(options.project) // exit 3 for a typo, not "(none)"
      const found =
        status === 'retrying'
          ? await listRetrying(rio, query, limit)
          : await rio.listDeliveries({
              ...query,
              ...(status ? { status: status as DeliveryStatus } : {}),
              limit,
            })
      print(options, found, deliveryColumns(options.json ? new Map() : await handlerMap(rio, found)))
    }),
  )
  common(deliveries.command('show').argument('<id>').description('a delivery and every attempt')).action(
    (id: string, options: CommonOptions) =>
      withRio(options, async (rio) => {
        const delivery = await rio.getDelivery(id)
        const attempts = await rio.listAttempts(id)
        if (options.json)
          return void process.stdout.write(`${JSON.stringify({ ...delivery, attempts }, null, 2)}\n`)
        print(options, delivery, deliveryColumns(await handlerMap(rio, [delivery]), { withHandlerId: true }))
        process.stdout.write('\n')
        print(options, attempts, [
          { header: '#', value: (a: Attempt) => a.number },
          { header: 'started', value: (a: Attempt) => a.startedAt },
          { header: 'ms', value: (a: Attempt) => a.durationMs },
          { header: 'status', value: (a: Attempt) => a.status },
          { header: 'error', value: (a: Attempt) => a.error, shrink: true },
          { header: 'response', value: (a: Attempt) => a.responseBody, shrink: true },
        ])
      }),
  )
  common(
    deliveries.command('retry').argument('<id>').description('put a delivery back in the queue, due now'),
  ).action((id: string, options: CommonOptions) =>
    withRio(options, async (rio) => {
      const delivery = await rio.redeliver(id)
      print(options, delivery, deliveryColumns(await handlerMap(rio, [delivery]), { withHandlerId: true }))
    }),
  )
  common(
    program
      .command('recover')
      .requiredOption('--handler <id>')
      .option(
        '--since <time>',
        'ISO date or date and time (UTC unless it ends in an offset like +02:00), or a span like 2h, 3d',
        '7d',
      )
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
