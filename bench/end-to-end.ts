import { join } from 'node:path'
import { Agent, request } from 'undici'
import { Rio } from '../packages/core/src/index.js'
import { startReceiverProcess } from './receiver.js'
import { type BenchRow, pool, samplePayload, scratch, timed } from './support.js'

const CONCURRENCY = 64

/**
 * 20 000 events → a receiver process on 127.0.0.1, all delivered and acknowledged. References, on
 * the same receiver in the same run: raw undici POSTs of the same bodies (the machine's limit) and
 * BullMQ (queue + worker on the local Redis) doing the same POSTs with undici.
 */
export async function runEndToEndBench(options: { events?: number } = {}): Promise<BenchRow[]> {
  const events = options.events ?? 20_000
  const receiver = await startReceiverProcess()
  const space = scratch()
  const rows: BenchRow[] = []
  try {
    const bodies = Array.from({ length: events }, (_, i) => JSON.stringify(samplePayload(i)))

    // Reference: raw undici, keep-alive, the same concurrency Rio is given.
    const agent = new Agent({ connections: CONCURRENCY, keepAliveTimeout: 60_000 })
    const rawSeconds = await timed(() =>
      pool(events, CONCURRENCY, async (i) => {
        const res = await request(`${receiver.url}/hook`, {
          method: 'POST',
          body: bodies[i],
          headers: { 'content-type': 'application/json' },
          dispatcher: agent,
        })
        await res.body.dump()
      }),
    )
    await agent.close()
    const raw = events / rawSeconds
    rows.push({ benchmark: 'end-to-end 20k', subject: 'raw undici POSTs', opsPerSec: raw })
    await receiver.reset()

    // Rio: durable emit (FULL) → dispatcher → signed POST → acknowledged and recorded.
    const rio = new Rio({
      database: join(space.dir, 'rio.db'),
      concurrency: CONCURRENCY,
      handlerConcurrency: CONCURRENCY,
    })
    await rio.webhook('comment-published', { url: `${receiver.url}/hook` })
    let succeeded = 0
    let allDone!: () => void
    const done = new Promise<void>((resolve) => {
      allDone = resolve
    })
    rio.events.on('delivery.succeeded', () => {
      if (++succeeded === events) allDone()
    })
    await rio.start()
    const rioSeconds = await timed(async () => {
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
    const rioRate = events / rioSeconds
    rows.push({
      benchmark: 'end-to-end 20k',
      subject: 'Rio (emit FULL → signed POST → recorded)',
      opsPerSec: rioRate,
      ratio: rioRate / raw,
      target: '>= 0.60 of raw',
      met: rioRate / raw >= 0.6,
    })
    await receiver.reset()

    const bull = await bullmq(receiver.url, bodies, events)
    if (bull === null) {
      rows.push({
        benchmark: 'end-to-end 20k',
        subject: 'BullMQ',
        figures: { skipped: 'no Redis on 127.0.0.1:6379' },
      })
    } else {
      rows.push({
        benchmark: 'end-to-end 20k',
        subject: 'BullMQ + undici (Redis, no persistence)',
        opsPerSec: bull,
      })
      rows.push({
        benchmark: 'end-to-end 20k',
        subject: 'Rio ÷ BullMQ',
        ratio: rioRate / bull,
        target: '>= 2.0',
        met: rioRate / bull >= 2,
      })
    }
    return rows
  } finally {
    receiver.stop()
    space.remove()
  }
}

/** BullMQ doing the same job: a queue of POSTs and a worker with the same concurrency. */
async function bullmq(url: string, bodies: string[], events: number): Promise<number | null> {
  const { Redis } = await import('ioredis')
  const probe = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, maxRetriesPerRequest: 1 })
  try {
    await probe.connect()
    await probe.ping()
  } catch {
    probe.disconnect()
    return null
  }
  probe.disconnect()
  const { Queue, Worker } = await import('bullmq')
  const connection = { host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null }
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
