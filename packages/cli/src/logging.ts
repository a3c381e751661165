import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import type { DeliveryReport, Handler, Rio, RioEvent } from '@rio/core'
import pino, { type Logger } from 'pino'
import { redactCredentialsIn } from './redact-credentials.js'
import { redactHandlerName, redactUrl, redactUrlsIn } from './redact-url.js'

/** Log format: structured JSON lines (default) or `pretty` for people. */
export type LogFormat = 'json' | 'pretty'

/**
 * The time on a pretty line: the date and time in UTC, as ISO 8601 (`2026-11-28T06:29:56.585Z`),
 * like every other time Rio prints. pino-pretty's default is the time of day alone in the machine's
 * zone, unlabelled, which matched neither the dashboard nor the tables and lost the date.
 */
const PRETTY_TIME = "UTC:yyyy-mm-dd'T'HH:MM:ss.l'Z'"

/** Longest payload or response excerpt written in one line, in characters. */
const EXCERPT = 2048

/** Creates the root logger; secrets are redacted wherever they appear in logged objects. */
export function createLogger(
  options: { level?: string; format?: LogFormat; destination?: NodeJS.WritableStream } = {},
): Logger {
  const settings: pino.LoggerOptions = {
    level: options.level ?? process.env.RIO_LOG_LEVEL ?? 'info',
    redact: {
      paths: [
        '*.authorization',
        '*.secret',
        '*.secrets',
        '*.password',
        '*.token',
        '*.adminToken',
        '*.dsn',
        '*["webhook-signature"]',
        'headers.authorization',
        '*.headers.authorization',
        '*.headers["webhook-signature"]',
      ],
      censor: '[redacted]',
    },
  }
  if (options.format === 'pretty') {
    return pino({
      ...settings,
      transport: {
        target: 'pino-pretty',
        options: {
          colorize: process.stdout.isTTY === true,
          ignore: 'pid,hostname',
          singleLine: true,
          translateTime: PRETTY_TIME,
        },
      },
    })
  }
  return options.destination ? pino(settings, options.destination as pino.DestinationStream) : pino(settings)
}

/**
 * An attempt's error fit for a log line: the engine's text can quote a URL the receiver chose (a
 * redirect's `Location`, which may carry a token in its userinfo or query), so URLs in it are
 * redacted like the webhook's own, and it can quote the receiver's answer, so the handler's own
 * credentials are hidden too ({@link redactCredentialsIn}).
 */
function shownError(error: string | null | undefined, handler: Handler): string {
  return error ? redactUrlsIn(redactCredentialsIn(error, handler)) : ''
}

function excerpt(text: string): string {
  const oneLine = text.replace(/[\r\n]+/g, ' ')
  if (oneLine.length <= EXCERPT) return oneLine
  // Never half of a surrogate pair (an emoji): written as UTF-8 it would become U+FFFD.
  const end = /[\ud800-\udbff]/.test(oneLine[EXCERPT - 1]!) ? EXCERPT - 1 : EXCERPT
  return `${oneLine.slice(0, end)}…`
}

/**
 * Logs Rio's work in the original Rio's line formats, on two loggers: `rio.event` (`EMIT <id>
 * "<project>" "<event>" <payload>`, info) and `rio.tasks` (`REQUEST <id> POST <url>` and
 * `RESPONSE <id> POST <url> <status> <body excerpt>` at debug, `RETRY …` at warn, `DEAD …` and
 * `DISABLED …` at error). Subscribes to Rio's diagnostics channels and event bus; nothing is
 * computed for a level that is off. Never logs signatures, sender secrets or URL credentials
 * (webhook URLs, and handler names that hold one, are redacted by {@link redactUrl}), nor a
 * handler's credentials that its receiver's answer quotes ({@link redactCredentialsIn}).
 * @returns a function that unsubscribes
 */
export function logRio(rio: Rio, logger: Logger): () => void {
  const events = logger.child({ name: 'rio.event' })
  const tasks = logger.child({ name: 'rio.tasks' })
  const target = (handler: Handler) =>
    handler.kind === 'webhook' ? `${handler.method} ${redactUrl(handler.url)}` : `CALL ${handler.name}`
  const onEmit = (message: unknown) => {
    if (!events.isLevelEnabled('info')) return
    const { event, deliveries } = message as { event: RioEvent; deliveries: number }
    events.info(
      { deliveries },
      `EMIT ${event.id} "${event.project}" "${event.name}" ${excerpt(JSON.stringify(event.payload) ?? 'null')}`,
    )
  }
  const onAttempt = (message: unknown) => {
    if (!tasks.isLevelEnabled('debug')) return
    const { event, handler, attempt, deliveryId } = message as {
      event: RioEvent
      handler: Handler
      attempt: number
      deliveryId: string
    }
    tasks.debug({ delivery: deliveryId, attempt }, `REQUEST ${event.id} ${target(handler)}`)
  }
  const onResult = (message: unknown) => {
    if (!tasks.isLevelEnabled('debug')) return
    // `responseBody` is used when the channel carries it; older engines publish status and error only.
    const r = message as DeliveryReport & { outcome: string; responseBody?: string | null }
    // Redacted before it is cut: a credential cut in two at the end would not be found.
    const body =
      typeof r.responseBody === 'string' ? excerpt(redactCredentialsIn(r.responseBody, r.handler)) : ''
    // A bare `HTTP <status>` error repeats the status; the body says more when there is one.
    const detail = r.error && r.error !== `HTTP ${r.status}` ? shownError(r.error, r.handler) : body
    tasks.debug(
      { delivery: r.deliveryId, attempt: r.attempt, ms: Math.round(r.durationMs), outcome: r.outcome },
      `RESPONSE ${r.event.id} ${target(r.handler)} ${r.status ?? '-'} ${detail}`.trimEnd(),
    )
  }
  const onRetrying = (r: DeliveryReport) =>
    tasks.warn(
      { delivery: r.deliveryId, attempt: r.attempt, next: r.nextAttemptAt },
      `RETRY ${r.event.id} ${target(r.handler)} ${r.status ?? '-'} ${shownError(r.error, r.handler)}`.trimEnd(),
    )
  const onDead = (r: DeliveryReport) =>
    tasks.error(
      { delivery: r.deliveryId, attempt: r.attempt },
      `DEAD ${r.event.id} ${target(r.handler)} ${r.status ?? '-'} ${shownError(r.error, r.handler)}`.trimEnd(),
    )
  const onDisabled = (handler: Handler, reason: string) =>
    tasks.error(
      { handler: handler.id },
      `DISABLED ${redactHandlerName(handler)}: ${shownError(reason, handler)}`,
    )
  const onEnabled = (handler: Handler) =>
    tasks.info({ handler: handler.id }, `ENABLED ${redactHandlerName(handler)}`)
  const onError = (error: Error) => logger.error({ err: error }, error.message)
  subscribe('rio:emit', onEmit)
  subscribe('rio:delivery:attempt', onAttempt)
  subscribe('rio:delivery:result', onResult)
  rio.events.on('delivery.retrying', onRetrying)
  rio.events.on('delivery.dead', onDead)
  rio.events.on('handler.disabled', onDisabled)
  rio.events.on('handler.enabled', onEnabled)
  rio.events.on('error', onError)
  return () => {
    unsubscribe('rio:emit', onEmit)
    unsubscribe('rio:delivery:attempt', onAttempt)
    unsubscribe('rio:delivery:result', onResult)
    rio.events.off('delivery.retrying', onRetrying)
    rio.events.off('delivery.dead', onDead)
    rio.events.off('handler.disabled', onDisabled)
    rio.events.off('handler.enabled', onEnabled)
    rio.events.off('error', onError)
  }
}
