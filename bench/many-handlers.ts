import { createServer } from 'node:http'
import { join } from 'node:path'
import { Rio } from '@rio/core'
import { startReceiverProcess } from './receiver.js'
import { type BenchRow, median, samplePayload, scratch, timed } from './support.js'

/**
 * Many handlers in one project: what 10 000 idle handlers cost each emit and its delivery, how long
 * one event takes to reach 1 000 webhooks, and how long a healthy handler waits while hanging
 * endpoints fill the pool.
 */
export async function runManyHandlersBench(
  options: { handlers?: number; events?: number; fanOut?: number } = {},
): Promise<BenchRow[]> {
  const handlers = options.handlers ?? 10_000
  const events = options.events ?? 2000
  const fanOut = options.fanOut ?? 1000
  const receiver = await startReceiverProcess()
  try {
    // Untimed, so the first subject does not run code the JIT has not compiled yet.
    await emitAndDeliver(receiver.url, 1, Math.min(events, 500))
    await receiver.reset()
    const one = await emitAndDeliver(receiver.url, 1, events)
    await receiver.reset()
    const many = await emitAndDeliver(receiver.url, handlers, events)
    await receiver.reset()
    const spread = await oneToMany(receiver.url, fanOut)
    const fair = await healthyBesideHanging(receiver.url)
    return [
      { benchmark: 'many handlers', subject: 'emit → delivered, 1 handler', opsPerSec: one },
      {
        benchmark: 'many handlers',
        subject: `emit → delivered, ${handlers.toLocaleString('en')} handlers (1 matches)`,
        opsPerSec: many,
        ratio: many / one,
        target: '>= 0.50',
        met: many / one >= 0.5,
      },
      {
        benchmark: 'many handlers',
        subject: `1 event → ${fanOut.toLocaleString('en')} webhooks`,
        opsPerSec: fanOut / (spread.lastMs / 1000),
        figures: { emit_ms: spread.emitMs, first_ms: spread.firstMs, last_ms: spread.lastMs },
      },
      {
        benchmark: 'many handlers',
        subject: 'healthy delivery, 8 endpoints hanging (256 of 256 slots before)',
        figures: { p50_ms: fair.p50, max_ms: fair.max },
        target: 'max < 100 ms',
        met: fair.max < 100,
      },
    ]
  } finally {
    receiver.stop()
  }
}

/** Events per second emitted one at a time, each to one handler among `handlers`, until all are delivered. */
async function emitAndDeliver(url: string, handlers: number, events: number): Promise<number> {
  const space = scratch()
  try {
    const rio = new Rio({ database: join(space.dir, 'rio.db'), synchronous: 'normal' })
    await declare(
      rio,
      handlers,
      (i) => `order.${i}`,
      (i) => `${url}/hook/${i}`,
    )
    let delivered = 0
    let finished!: () => void
    const done = new Promise<void>((resolve) => (finished = resolve))
    rio.events.on('delivery.succeeded', () => {
      if (++delivered === events) finished()
    })
    await rio.start()
    const seconds = await timed(async () => {
      for (let i = 0; i < events; i++) await rio.emit('order.0', samplePayload(i))
      await done
    })
    await rio.stop()
    return events / seconds
  } finally {
    space.remove()
  }
}

/** One event to `handlers` webhooks: how long the emit took, and until the first and the last delivery. */
async function oneToMany(url: string, handlers: number) {
  const space = scratch()
  try {
    const rio = new Rio({ database: join(space.dir, 'rio.db') })
    await declare(
      rio,
      handlers,
      () => 'comment.*',
      (i) => `${url}/hook/${i}`,
    )
    const at: number[] = []
    rio.events.on('delivery.succeeded', () => void at.push(performance.now()))
    await rio.start()
    const started = performance.now()
    await rio.emit('comment.published', samplePayload(0))
    const emitMs = performance.now() - started
    while (at.length < handlers) await new Promise((resolve) => setTimeout(resolve, 5))
    await rio.stop()
    const ms = (t: number) => Number((t - started).toFixed(1))
    return { emitMs: Number(emitMs.toFixed(1)), firstMs: ms(at[0]!), lastMs: ms(at[handlers - 1]!) }
  } finally {
    space.remove()
  }
}

/** A healthy handler's latency (emit to recorded 2xx) while 8 handlers' endpoints never answer. */
async function healthyBesideHanging(url: string): Promise<{ p50: number; max: number }> {
  const hanging = createServer(() => undefined)
  await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve))
  const port = (hanging.address() as { port: number }).port
  const space = scratch()
  try {
    const rio = new Rio({ database: join(space.dir, 'rio.db'), stopTimeoutMs: 0 })
    for (let b = 0; b < 8; b++) {
      await rio.webhook(`slow.${b}`, {
        url: `http://127.0.0.1:${port}/${b}`,
        name: `hanging-${b}`,
        timeoutMs: 10_000,
      })
      await rio.emitMany(Array.from({ length: 64 }, (_, n) => ({ name: `slow.${b}`, payload: { n } })))
    }
    await rio.webhook('fine', { url: `${url}/healthy`, name: 'healthy' })
    const recorded = new Map<string, number>()
    rio.events.on('delivery.succeeded', (report) => void recorded.set(report.event.id, performance.now()))
    await rio.start()
    // Let the hanging endpoints take what they can.
    await new Promise((resolve) => setTimeout(resolve, 500))
    const latencies: number[] = []
    for (let i = 0; i < 20; i++) {
      const started = performance.now()
      const { id } = await rio.emit('fine', samplePayload(i))
      while (!recorded.has(id) && performance.now() - started < 15_000) {
        await new Promise((resolve) => setTimeout(resolve, 1))
      }
      latencies.push((recorded.get(id) ?? Number.POSITIVE_INFINITY) - started)
    }
    await rio.stop()
    return { p50: Number(median(latencies).toFixed(1)), max: Number(Math.max(...latencies).toFixed(1)) }
  } finally {
    hanging.closeAllConnections()
    hanging.close()
    space.remove()
  }
}

/** Declares `count` webhooks in one transaction on Rio's connection (10 000 commits otherwise). */
async function declare(
  rio: Rio,
  count: number,
  pattern: (i: number) => string,
  url: (i: number) => string,
): Promise<void> {
  rio.db!.exec('BEGIN')
  for (let i = 0; i < count; i++) await rio.webhook(pattern(i), { url: url(i), name: `handler-${i}` })
  rio.db!.exec('COMMIT')
}
