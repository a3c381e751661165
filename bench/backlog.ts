import { execFile } from 'node:child_process'
import { closeSync, copyFileSync, fsyncSync, openSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { Rio } from '@rio/core'
import { type BenchRow, median, scratch } from './support.js'

const run = promisify(execFile)

type Phase = 'empty' | 'backlog'
interface Measured {
  rate: number
  rssMb: number
  baseRssMb: number
}

/**
 * Emit rate with 1 000 000 pending deliveries in the database while the dispatcher runs (its slots
 * held by an endpoint that never answers, so the backlog stays), next to the emit rate on an empty
 * database set up the same way; and the peak RSS of the measuring process meanwhile.
 *
 * Both phases are measured the same way: each run copies its file (built once, then synced) so
 * every run starts from the same state, opens it in a fresh process, warms up with `warmup` untimed
 * emits, then times `events`. One run is too short to rank two phases on a shared machine, so the
 * phases alternate (empty, backlog, backlog, empty, …: each goes first equally often) and each
 * reports the median of its `runs`.
 */
export async function runBacklogBench(
  options: { backlog?: number; events?: number; warmup?: number; runs?: number } = {},
): Promise<BenchRow[]> {
  const backlog = options.backlog ?? 1_000_000
  const events = options.events ?? 20_000
  const warmup = options.warmup ?? 10_000
  const runs = options.runs ?? 3
  const space = scratch()
  const sockets = new Set<import('node:net').Socket>()
  const hang: Server = createServer(() => undefined)
  hang.on('connection', (socket) => sockets.add(socket))
  await new Promise<void>((resolve) => hang.listen(0, '127.0.0.1', resolve))
  const address = hang.address()
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hang`
  try {
    const templates: Record<Phase, string> = {
      empty: await build(join(space.dir, 'empty.db'), url, 0),
      backlog: await build(join(space.dir, 'backlog.db'), url, backlog),
    }
    const measured: Record<Phase, Measured[]> = { empty: [], backlog: [] }
    for (let i = 0; i < runs * 2; i++) {
      const phase: Phase = [0, 3].includes(i % 4) ? 'empty' : 'backlog'
      const file = join(space.dir, `run-${i}.db`)
      copySynced(templates[phase], file)
      measured[phase].push(await emitRate(file, url, events, warmup))
      rmSync(file, { force: true })
    }
    const empty = median(measured.empty.map((m) => m.rate))
    const loaded = median(measured.backlog.map((m) => m.rate))
    const ratio = loaded / empty
    const rssMb = Math.max(...measured.backlog.map((m) => m.rssMb))
    const k = (rate: number) => (rate / 1000).toFixed(1)
    const spread = (ms: Measured[]) =>
      `${k(Math.min(...ms.map((m) => m.rate)))}–${k(Math.max(...ms.map((m) => m.rate)))}k`
    return [
      {
        benchmark: 'backlog',
        subject: 'emit rate, empty database',
        opsPerSec: empty,
        figures: {
          runs,
          spread: spread(measured.empty),
          rss_mb: Math.round(Math.max(...measured.empty.map((m) => m.rssMb))),
        },
      },
      {
        benchmark: 'backlog',
        subject: `emit rate, ${backlog.toLocaleString('en-US')} pending, dispatching`,
        opsPerSec: loaded,
        ratio,
        figures: {
          runs,
          spread: spread(measured.backlog),
          rss_mb: Math.round(rssMb),
          rss_before_rio_mb: Math.round(Math.max(...measured.backlog.map((m) => m.baseRssMb))),
        },
        target: '>= 0.80 and RSS < 150 MB',
        met: ratio >= 0.8 && rssMb < 150,
      },
    ]
  } finally {
    for (const socket of sockets) socket.destroy()
    hang.close()
    space.remove()
  }
}

/** Creates the file with both handlers and `backlog` pending deliveries, and closes it. */
async function build(file: string, url: string, backlog: number): Promise<string> {
  const rio = new Rio({ database: file, synchronous: 'normal', timeoutMs: 600_000, leaseMs: 900_000 })
  await rio.webhook('backlog', { url, name: 'backlog' })
  await rio.webhook('comment-published', { url, name: 'fresh' })
  for (let i = 0; i < backlog; i += 10_000) {
    await rio.emitMany(
      Array.from({ length: Math.min(10_000, backlog - i) }, (_, k) => ({ name: 'backlog', payload: { k } })),
    )
  }
  await rio.stop()
  return file
}

/** A copy whose pages are on disk, so no run pays for writing back an earlier run's copy. */
function copySynced(from: string, to: string): void {
  copyFileSync(from, to)
  const fd = openSync(to, 'r+')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/** Measures in a fresh process, so its RSS is the measuring process's, not the builder's. */
async function emitRate(file: string, url: string, events: number, warmup: number): Promise<Measured> {
  const child = fileURLToPath(new URL('./backlog-child.ts', import.meta.url))
  const { stdout } = await run(process.execPath, [
    '--import',
    'tsx',
    child,
    file,
    url,
    String(events),
    String(warmup),
  ])
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Measured
}
