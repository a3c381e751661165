import { join } from 'node:path'
import { Rio } from '@rio/core'
import { startReceiverProcess } from './receiver.js'
import { type BenchRow, percentile, samplePayload, scratch } from './support.js'

/**
 * Emit → acknowledged latency at a steady rate (default 1 000 events/s for 5 s): the time from
 * calling `emit()` to Rio recording the receiver's 2xx (`delivery.succeeded`).
 */
export async function runLatencyBench(
  options: { rate?: number; seconds?: number } = {},
): Promise<BenchRow[]> {
  const rate = options.rate ?? 1000
  const seconds = options.seconds ?? 5
  const total = rate * seconds
  const receiver = await startReceiverProcess()
  const space = scratch()
  try {
    const rio = new Rio({ database: join(space.dir, 'rio.db') })
    await rio.webhook('comment-published', { url: `${receiver.url}/hook` })
    const emittedAt = new Map<string, number>()
    const latencies: number[] = []
    let finished!: () => void
    const done = new Promise<void>((resolve) => {
      finished = resolve
    })
    rio.events.on('delivery.succeeded', (report) => {
      const at = emittedAt.get(report.event.id)
      if (at !== undefined) latencies.push(performance.now() - at)
      if (latencies.length === total) finished()
    })
    await rio.start()
    // Emit in 1 ms ticks so the load is steady, not bursty.
    const started = performance.now()
    let sent = 0
    while (sent < total) {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate))
      for (; sent < due; sent++) {
        const at = performance.now()
        void rio.emit('comment-published', samplePayload(sent)).then(({ id }) => emittedAt.set(id, at))
      }
      await new Promise((resolve) => setTimeout(resolve, 1))
    }
    await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 30_000))])
    await rio.stop()
    const p50 = percentile(latencies, 50)
    const p99 = percentile(latencies, 99)
    return [
      {
        benchmark: `latency @ ${rate}/s`,
        subject: 'emit → receiver 2xx recorded',
        figures: {
          delivered: latencies.length,
          p50_ms: Number(p50.toFixed(2)),
          p99_ms: Number(p99.toFixed(2)),
          max_ms: Number(Math.max(...latencies).toFixed(2)),
        },
        target: 'p99 < 20 ms',
        met: latencies.length === total && p99 < 20,
      },
    ]
  } finally {
    receiver.stop()
    space.remove()
  }
}
