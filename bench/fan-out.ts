import { join } from 'node:path'
import { Rio } from '@rio/core'
import { startReceiverProcess } from './receiver.js'
import { type BenchRow, samplePayload, scratch, timed } from './support.js'

/** One event → 100 webhook handlers (distinct URLs on one receiver process): deliveries per second. */
export async function runFanOutBench(
  options: { handlers?: number; events?: number } = {},
): Promise<BenchRow[]> {
  const handlers = options.handlers ?? 100
  const events = options.events ?? 100
  const receiver = await startReceiverProcess()
  const space = scratch()
  try {
    const rio = new Rio({ database: join(space.dir, 'rio.db'), concurrency: 128, handlerConcurrency: 4 })
    for (let h = 0; h < handlers; h++) {
      await rio.webhook('comment-published', { url: `${receiver.url}/hook/${h}`, name: `handler-${h}` })
    }
    const total = handlers * events
    let succeeded = 0
    let finished!: () => void
    const done = new Promise<void>((resolve) => {
      finished = resolve
    })
    rio.events.on('delivery.succeeded', () => {
      if (++succeeded === total) finished()
    })
    await rio.start()
    const seconds = await timed(async () => {
      await Promise.all(
        Array.from({ length: events }, (_, i) => rio.emit('comment-published', samplePayload(i))),
      )
      await done
    })
    await rio.stop()
    return [
      {
        benchmark: `fan-out 1 → ${handlers}`,
        subject: `${events} events, ${total} deliveries`,
        opsPerSec: total / seconds,
        figures: { events_per_sec: Math.round(events / seconds) },
      },
    ]
  } finally {
    receiver.stop()
    space.remove()
  }
}
