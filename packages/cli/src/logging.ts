import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import type { DeliveryReport, Handler, Rio, RioEvent } from '@rio/core'
import pino, { type Logger } from 'pino'

/** Log format: structured JSON lines (default) or `pretty` for people. */
export type LogFormat = 'json' | 'pretty'

/** Creates the root logger; secrets are redacted wherever they appear in logged objects. */
export function createLogger(options: { level?: string; format?: LogFormat } = {}): Logger {
  return pino({
    level: options.level ?? process.env.RIO_LOG_LEVEL ?? 'info',
    redact: {
      paths: [
        '*.authorization',
        '*.secret',
        '*.secrets',
        '*.dsn',
        '*["webhook-signature"]',
        'headers.authorization',
      ],
      censor: '[redacted]',
    },
    ...(options.format === 'pretty'
      ? {
          transport: {
            target: 'pino-pretty',
            options: { colorize: process.stdout.isTTY, ignore: 'pid,hostname' },
          },
        }
      : {}),
  })
}

/**
 * Logs Rio's work in the original Rio's line formats, on two loggers: `rio.event` (`EMIT <id>
 * "<project>" "<event>" <payload>`, info) and `rio.tasks` (`REQUEST …` and `RESPONSE …` at debug,
 * failures at warn, dead deliveries at error). Subscribes to Rio's diagnostics channels and event
 * bus; returns a function that unsubscribes.
 */
export function logRio(rio: Rio, logger: Logger): () => void {
  const events = logger.child({ name: 'rio.event' })
  const tasks = logger.child({ name: 'rio.tasks' })
  const target = (handler: Handler) =>
    handler.kind === 'webhook' ? `${handler.method} ${handler.url}` : `CALL ${handler.name}`
  const onEmit = (message: unknown) => {
    const { event } = message as { event: RioEvent; deliveries: number }
    events.info(`EMIT ${event.id} "${event.project}" "${event.name}" ${JSON.stringify(event.payload)}`)
  }
  const onAttempt = (message: unknown) => {
    if (!tasks.isLevelEnabled('debug')) return
    const { event, handler, attempt } = message as { event: RioEvent; handler: Handler; attempt: number }
    tasks.debug({ attempt }, `REQUEST ${event.id} ${target(handler)}`)
  }
  const onResult = (message: unknown) => {
    if (!tasks.isLevelEnabled('debug')) return
    const r = message as DeliveryReport & { outcome: string }
    tasks.debug(
      { attempt: r.attempt, ms: Math.round(r.durationMs) },
      `RESPONSE ${r.event.id} ${target(r.handler)} ${r.status ?? '-'} ${r.error ?? ''}`.trimEnd(),
    )
  }
  const onRetrying = (r: DeliveryReport) =>
    tasks.warn(
      { delivery: r.deliveryId, attempt: r.attempt, next: r.nextAttemptAt },
      `RETRY ${r.event.id} ${target(r.handler)} ${r.status ?? '-'} ${r.error ?? ''}`.trimEnd(),
    )
  const onDead = (r: DeliveryReport) =>
    tasks.error(
      { delivery: r.deliveryId, attempt: r.attempt },
      `DEAD ${r.event.id} ${target(r.handler)} ${r.error ?? ''}`.trimEnd(),
    )
  const onDisabled = (handler: Handler, reason: string) =>
    tasks.error({ handler: handler.id }, `DISABLED ${handler.name}: ${reason}`)
  const onError = (error: Error) => logger.error({ err: error }, error.message)
  subscribe('rio:emit', onEmit)
  subscribe('rio:delivery:attempt', onAttempt)
  subscribe('rio:delivery:result', onResult)
  rio.events.on('delivery.retrying', onRetrying)
  rio.events.on('delivery.dead', onDead)
  rio.events.on('handler.disabled', onDisabled)
  rio.events.on('error', onError)
  return () => {
    unsubscribe('rio:emit', onEmit)
    unsubscribe('rio:delivery:attempt', onAttempt)
    unsubscribe('rio:delivery:result', onResult)
    rio.events.off('delivery.retrying', onRetrying)
    rio.events.off('delivery.dead', onDead)
    rio.events.off('handler.disabled', onDisabled)
    rio.events.off('error', onError)
  }
}
