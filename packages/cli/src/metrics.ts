import type { IncomingMessage, ServerResponse } from 'node:http'
import type { DeliveryReport, DeliveryStats, Handler, Rio } from '@rio/core'
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'
import { redactHandlerName } from './redact-url.js'

/**
 * Prometheus metrics for one Rio, on a registry of its own: emitted, delivered, failed, retried and
 * dead counters by project and handler; emit→success latency and attempt duration histograms; the
 * backlog of pending deliveries (and those due now, and in flight), read from the database at
 * scrape time; plus Node's process metrics (`process_*`, `nodejs_*`).
 *
 * The delivery series are labelled `project`, `handler` (the handler's name, its URL redacted as in
 * the logs: a default name, `<pattern> <url>`, holds the URL) and `handler_id`. Redacting can make
 * two names equal (`order.* https://***@h/x` for two tokens), so the id keeps their series apart;
 * the label values of one handler are the same on every scrape.
 *
 * Counters count what this process did: with `rio start web` + `rio start worker`, deliveries are
 * counted by the worker, while the backlog gauges read the shared database from any process.
 * @example
 * ```ts
 * const metrics = createMetrics(rio)
 * createServer((req, res) => (req.url === '/metrics' ? metrics.handler(req, res) : api(req, res)))
 * ```
 */
export function createMetrics(rio: Rio): {
  registry: Registry
  handler: (req: IncomingMessage, res: ServerResponse) => void
  stop(): void
} {
  const registry = new Registry()
  const labels = ['project', 'handler', 'handler_id'] as const
  const emitted = new Counter({
    name: 'rio_events_emitted_total',
    help: 'events stored',
    labelNames: ['project'],
    registers: [registry],
  })
  const succeeded = new Counter({
    name: 'rio_deliveries_succeeded_total',
    help: 'deliveries that succeeded',
    labelNames: labels,
    registers: [registry],
  })
  const failed = new Counter({
    name: 'rio_deliveries_failed_total',
    help: 'failed attempts',
    labelNames: labels,
    registers: [registry],
  })
  const retried = new Counter({
    name: 'rio_deliveries_retried_total',
    help: 'failed attempts with a retry scheduled',
    labelNames: labels,
    registers: [registry],
  })
  const dead = new Counter({
    name: 'rio_deliveries_dead_total',
    help: 'deliveries that gave up',
    labelNames: labels,
    registers: [registry],
  })
  const latency = new Histogram({
    name: 'rio_delivery_latency_seconds',
    help: 'from emit to the successful attempt',
    labelNames: labels,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 300, 3600],
    registers: [registry],
  })
  const duration = new Histogram({
    name: 'rio_attempt_duration_seconds',
    help: 'one attempt, request to response',
    labelNames: labels,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
    registers: [registry],
  })
  collectDefaultMetrics({ register: registry })
  // One read of the database per scrape, shared by the three gauges.
  let stats: Promise<DeliveryStats> | undefined
  const readStats = () => {
    stats ??= rio.store
      .deliveryStats({ now: Date.now(), deadSince: Date.now() })
      .finally(() => setImmediate(() => (stats = undefined)))
    return stats
  }
  new Gauge({
    name: 'rio_backlog',
    help: 'pending deliveries (waiting for their first or next attempt)',
    registers: [registry],
    async collect() {
      this.set((await readStats()).pending)
    },
  })
  new Gauge({
    name: 'rio_backlog_due',
    help: 'pending deliveries whose attempt is due now',
    registers: [registry],
    async collect() {
      this.set((await readStats()).due)
    },
  })
  new Gauge({
    name: 'rio_deliveries_in_flight',
    help: 'deliveries being attempted (by any process on this database)',
    registers: [registry],
    async collect() {
      this.set((await readStats()).inFlight)
    },
  })
  // Redacting parses the URL; do it once per handler (again only when its name or URL changes).
  const names = new Map<string, { name: string; url: string | undefined; shown: string }>()
  const shownName = (handler: Handler) => {
    const url = handler.kind === 'webhook' ? handler.url : undefined
    let known = names.get(handler.id)
    if (known?.name !== handler.name || known.url !== url) {
      known = { name: handler.name, url, shown: redactHandlerName(handler) }
      names.set(handler.id, known)
    }
    return known.shown
  }
  const l = (r: DeliveryReport) => ({
    project: r.event.project,
    handler: shownName(r.handler),
    handler_id: r.handler.id,
  })
  const onEmitted = (event: { project: string }) => emitted.inc({ project: event.project })
  const onSucceeded = (r: DeliveryReport) => {
    succeeded.inc(l(r))
    duration.observe(l(r), r.durationMs / 1000)
    latency.observe(l(r), Math.max(0, Date.now() - r.event.createdAt.getTime()) / 1000)
  }
  const onRetrying = (r: DeliveryReport) => {
    failed.inc(l(r))
    retried.inc(l(r))
    duration.observe(l(r), r.durationMs / 1000)
  }
  const onDead = (r: DeliveryReport) => {
    failed.inc(l(r))
    dead.inc(l(r))
    duration.observe(l(r), r.durationMs / 1000)
  }
  rio.events.on('event.emitted', onEmitted)
  rio.events.on('delivery.succeeded', onSucceeded)
  rio.events.on('delivery.retrying', onRetrying)
  rio.events.on('delivery.dead', onDead)
  return {
    registry,
    handler(req, res) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('GET /metrics\n')
        return
      }
      registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': registry.contentType })
          res.end(text)
        },
        (error: Error) => {
          res.writeHead(500, { 'content-type': 'text/plain' })
          res.end(`cannot collect metrics: ${error.message}`)
        },
      )
    },
    stop() {
      rio.events.off('event.emitted', onEmitted)
      rio.events.off('delivery.succeeded', onSucceeded)
      rio.events.off('delivery.retrying', onRetrying)
      rio.events.off('delivery.dead', onDead)
    },
  }
}
