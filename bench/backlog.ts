import { execFile } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { Rio } from '../packages/core/src/index.js'
import { type BenchRow, scratch } from './support.js'

const run = promisify(execFile)

/**
 * Emit rate with 1 000 000 pending deliveries in the database while the dispatcher runs (its slots
 * held by an endpoint that never answers, so the backlog stays), next to the emit rate on an empty
 * database set up the same way; and the process's peak RSS meanwhile.
 */
export async function runBacklogBench(
  options: { backlog?: number; events?: number } = {},
): Promise<BenchRow[]> {
  const backlog = options.backlog ?? 1_000_000
  const events = options.events ?? 20_000
  const space = scratch()
  const sockets = new Set<import('node:net').Socket>()
  const hang: Server = createServer(() => undefined)
  hang.on('connection', (socket) => sockets.add(socket))
  await new Promise<void>((resolve) => hang.listen(0, '127.0.0.1', resolve))
  const address = hang.address()
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hang`
  try {
    const empty = await emitRate(join(space.dir, 'empty.db'), url, events, 0)
    const loaded = await emitRate(join(space.dir, 'backlog.db'), url, events, backlog)
    const ratio = loaded.rate / empty.rate
    return [
      { benchmark: 'backlog', subject: 'emit rate, empty database', opsPerSec: empty.rate },
      {
        benchmark: 'backlog',
        subject: `emit rate, ${backlog.toLocaleString('en-US')} pending, dispatching`,
        opsPerSec: loaded.rate,
        ratio,
        figures: { rss_mb: Math.round(loaded.rssMb) },
        target: '>= 0.80 and RSS < 150 MB',
        met: ratio >= 0.8 && loaded.rssMb < 150,
      },
    ]
  } finally {
    for (const socket of sockets) socket.destroy()
    hang.close()
    space.remove()
  }
}

async function emitRate(
  file: string,
  url: string,
  events: number,
  backlog: number,
): Promise<{ rate: number; rssMb: number }> {
  // Build the backlog here, then measure in a fresh process so its RSS is Rio's alone.
  const rio = new Rio({ database: file, synchronous: 'normal', timeoutMs: 600_000, leaseMs: 900_000 })
  await rio.webhook('backlog', { url, name: 'backlog' })
  await rio.webhook('comment-published', { url, name: 'fresh' })
  for (let i = 0; i < backlog; i += 10_000) {
    await rio.emitMany(
      Array.from({ length: Math.min(10_000, backlog - i) }, (_, k) => ({ name: 'backlog', payload: { k } })),
    )
  }
  await rio.stop()
  const child = fileURLToPath(new URL('./backlog-child.ts', import.meta.url))
  const { stdout } = await run(process.execPath, ['--import', 'tsx', child, file, url, String(events)])
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as { rate: number; rssMb: number }
}
