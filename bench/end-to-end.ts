import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import { Rio } from '@rio/core'
import { Agent, request } from 'undici'
import { startReceiverProcess } from './receiver.js'
import { alternate, type BenchRow, pool, samplePayload, scratch, timed } from './support.js'

const CONCURRENCY = 64

/**
 * 20 000 events → a receiver process on 127.0.0.1, all delivered and acknowledged. References, on
 * the same receiver in the same run: raw undici POSTs of the same bodies (the machine's limit) and
 * BullMQ (queue + worker on the local Redis) doing the same POSTs with undici. Each subject gets an
 * untimed warm-up pass of `warmup` events, then `runs` timed passes taken in turn; medians count.
 */
export async function runEndToEndBench(
  options: { events?: number; warmup?: number; runs?: number } = {},
): Promise<BenchRow[]> {
  const events = options.events ?? 20_000
  const warmup = options.warmup ?? 5_000
  const runs = options.runs ?? 3
  const receiver = await startReceiverProcess()
  const space = scratch()
  const rows: BenchRow[] = []
  let redis: Awaited<ReturnType<typeof redisForBench>> = null
  try {
    const bodies = Array.from({ length: events }, (_, i) => JSON.stringify(samplePayload(i)))
    const agent = new Agent({ connections: CONCURRENCY, keepAliveTimeout: 60_000 })
    let files = 0
    const raw = (count: number) => async () => {
      const seconds = await timed(() =>
        pool(count, CONCURRENCY, async (i) => {
          const res = await request(`${receiver.url}/hook`, {
            method: 'POST',
            body: bodies[i],
            headers: { 'content-type': 'application/json' },
            dispatcher: agent,
          })
          await res.body.dump()
        }),
      )
      await receiver.reset()
      return count / seconds
    }
    const rio = (count: number) => async () => {
      const rate = await rioRun(join(space.dir, `rio-${files++}.db`), receiver.url, count)
      await receiver.reset()
      return rate
    }
    redis = await redisForBench()
    const bull = (count: number) => async () => {
      const rate = await bullmq(receiver.url, bodies, count, redis!.port)
      await receiver.reset()
      return rate
    }
    const measured = await alternate(
      {
        raw: { warmUp: raw(warmup), measure: raw(events) },
        rio: { warmUp: rio(warmup), measure: rio(events) },
        ...(redis ? { bull: { warmUp: bull(warmup), measure: bull(events) } } : {}),
      } as Record<'raw' | 'rio' | 'bull', { warmUp(): Promise<number>; measure(): Promise<number> }>,
      runs,
    )
    await agent.close()
    const spread = (rates: number[]) => rates.map((r) => Math.round(r)).join(' / ')
    rows.push({
      benchmark: 'end-to-end 20k',
      subject: 'raw undici POSTs',
      opsPerSec: measured.raw.rate,
      figures: { runs: spread(measured.raw.rates) },
    })
    const rioRate = measured.rio.rate
    rows.push({
      benchmark: 'end-to-end 20k',
      subject: 'Rio (emit FULL → signed POST → recorded)',
      opsPerSec: rioRate,
      ratio: rioRate / measured.raw.rate,
      figures: { runs: spread(measured.rio.rates) },
      target: '>= 0.60 of raw',
      met: rioRate / measured.raw.rate >= 0.6,
    })
    if (!measured.bull) {
      rows.push({
        benchmark: 'end-to-end 20k',
        subject: 'BullMQ',
        figures: { skipped: `no Redis on 127.0.0.1:${REDIS_PORT} and no redis-server binary to start one` },
      })
    } else {
      rows.push({
        benchmark: 'end-to-end 20k',
        subject: 'BullMQ + undici (Redis, no persistence)',
        opsPerSec: measured.bull.rate,
        figures: {
          runs: spread(measured.bull.rates),
          redis: redis!.started ? 'started by the bench' : 'already running',
        },
      })
      rows.push({
        benchmark: 'end-to-end 20k',
        subject: 'Rio ÷ BullMQ',
        ratio: rioRate / measured.bull.rate,
        target: '>= 2.0',
        met: rioRate / measured.bull.rate >= 2,
      })
    }
    return rows
  } finally {
    redis?.stop()
    receiver.stop()
    space.remove()
  }
}

/** One Rio on a fresh file: emits `events` (1 000 at a time, durable) and waits for every 2xx to be recorded. */
async function rioRun(file: string, url: string, events: number): Promise<number> {
  const rio = new Rio({ database: file, concurrency: CONCURRENCY, handlerConcurrency: CONCURRENCY })
  await rio.webhook('comment-published', { url: `${url}/hook` })
  let succeeded = 0
  let allDone!: () => void
  const done = new Promise<void>((resolve) => {
    allDone = resolve
  })
  rio.events.on('delivery.succeeded', () => {
    if (++succeeded === events) allDone()
  })
  await rio.start()
  const seconds = await timed(async () => {
    for (let i = 0; i < events; i += 1000) {
      await Promise.all(
        Array.from({ length: Math.min(1000, events - i) }, (_, k) =>
          rio.emit('comment-published', samplePayload(i + k)),
        ),
      )
    }
    await done
  })
  await rio.stop()
  return events / seconds
}

/** The Redis the BullMQ peer uses: `RIO_BENCH_REDIS_PORT`, else 6379. */
const REDIS_PORT = Number(process.env.RIO_BENCH_REDIS_PORT ?? 6379)

async function pingRedis(port: number): Promise<boolean> {
  const { Redis } = await import('ioredis')
  const probe = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  })
  probe.on('error', () => {})
  try {
    await probe.connect()
    await probe.ping()
    return true
  } catch {
    return false
  } finally {
    probe.disconnect()
  }
}

/**
 * A Redis for the BullMQ peer: the one already running on 127.0.0.1:`REDIS_PORT`, else one started
 * from the `redis-server` binary on that port with no persistence (as the machines' own runs), else
 * null (the row says it was skipped).
 */
async function redisForBench(): Promise<{ port: number; started: boolean; stop(): void } | null> {
  if (await pingRedis(REDIS_PORT)) return { port: REDIS_PORT, started: false, stop: () => {} }
  let child: ChildProcess
  try {
    child = spawn(
      'redis-server',
      ['--port', String(REDIS_PORT), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    )
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve)
      child.once('error', reject)
    })
  } catch {
    return null // no redis-server binary
  }
  const deadline = Date.now() + 5_000
  while (!(await pingRedis(REDIS_PORT))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill()
      return null
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return { port: REDIS_PORT, started: true, stop: () => child.kill() }
}

/** BullMQ doing the same job: a queue of POSTs and a worker with the same concurrency. */
async function bullmq(url: string, bodies: string[], events: number, port: number): Promise<number> {
  const { Queue, Worker } = await import('bullmq')
  const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null }
  const name = `rio-bench-${process.pid}-${Date.now()}`
  const queue = new Queue(name, { connection })
  const agent = new Agent({ connections: CONCURRENCY, keepAliveTimeout: 60_000 })
  let completed = 0
  let allDone!: () => void
  const done = new Promise<void>((resolve) => {
    allDone = resolve
  })
  const worker = new Worker(
    name,
    async (job) => {
      const res = await request(`${url}/hook`, {
        method: 'POST',
        body: job.data.body as string,
        headers: { 'content-type': 'application/json' },
        dispatcher: agent,
      })
      await res.body.dump()
      if (res.statusCode >= 300) throw new Error(`HTTP ${res.statusCode}`)
    },
    { connection, concurrency: CONCURRENCY, removeOnComplete: { count: 0 }, removeOnFail: { count: 0 } },
  )
  worker.on('completed', () => {
    if (++completed === events) allDone()
  })
  await worker.waitUntilReady()
  const seconds = await timed(async () => {
    for (let i = 0; i < events; i += 1000) {
      await queue.addBulk(
        bodies
          .slice(i, i + 1000)
          .map((body) => ({ name: 'comment-published', data: { body }, opts: { attempts: 8 } })),
      )
    }
    await done
  })
  await worker.close()
  await queue.obliterate({ force: true })
  await queue.close()
  await agent.close()
  return events / seconds
}
