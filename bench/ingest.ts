import { createServer } from 'node:http'
import { join } from 'node:path'
import { Agent, request } from 'undici'
import { Client } from '../packages/client/src/index.js'
import { Rio } from '../packages/core/src/index.js'
import { type BenchRow, pool, samplePayload, scratch, timed } from './support.js'

const CONCURRENCY = 32

/**
 * rio-client → Rio's HTTP ingest (202 after the durable commit), concurrency 32, single emits and
 * batches of 100; the reference is raw undici POSTing the same bodies to a no-op node:http server
 * in the same process layout (server and client in this process).
 */
export async function runIngestBench(options: { events?: number } = {}): Promise<BenchRow[]> {
  const events = options.events ?? 20_000
  const space = scratch()
  const body = JSON.stringify({ name: 'comment-published', payload: samplePayload(0) })
  try {
    // Reference: a no-op server that reads the body and answers 202.
    const noop = createServer((req, res) => {
      req.resume()
      req.on('end', () => {
        res.writeHead(202, { 'content-type': 'application/json' })
        res.end('{"id":"x"}')
      })
    })
    await new Promise<void>((resolve) => noop.listen(0, '127.0.0.1', resolve))
    const address = noop.address()
    const noopUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`
    const agent = new Agent({ connections: CONCURRENCY })
    const rawSeconds = await timed(() =>
      pool(events, CONCURRENCY, async () => {
        const res = await request(noopUrl, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json' },
          dispatcher: agent,
        })
        await res.body.dump()
      }),
    )
    await agent.close()
    noop.close()
    const raw = events / rawSeconds

    const rio = new Rio({ database: join(space.dir, 'rio.db') })
    const { secret } = await rio.createSender('bench', 'sender')
    await rio.webhook('comment-published', { url: 'http://127.0.0.1:9/not-dispatched', project: 'bench' })
    const server = await rio.listen({ port: 0 })
    const client = new Client({ dsn: `http://sender:${secret}@127.0.0.1:${server.port}/bench` })
    const singleSeconds = await timed(() =>
      pool(events, CONCURRENCY, async (i) => {
        await client.emit('comment-published', samplePayload(i))
      }),
    )
    const batches = events / 100
    const batchSeconds = await timed(() =>
      pool(batches, CONCURRENCY, async (b) => {
        await client.emitMany(
          Array.from({ length: 100 }, (_, k) => ({
            name: 'comment-published',
            payload: samplePayload(b * 100 + k),
          })),
        )
      }),
    )
    await client.close()
    await server.close()
    await rio.stop()

    // The same single emits with synchronous=normal: commits without fsync (crash-safe, not power-safe).
    const relaxed = new Rio({ database: join(space.dir, 'normal.db'), synchronous: 'normal' })
    const sender = await relaxed.createSender('bench', 'sender')
    const relaxedServer = await relaxed.listen({ port: 0 })
    const relaxedClient = new Client({
      dsn: `http://sender:${sender.secret}@127.0.0.1:${relaxedServer.port}/bench`,
    })
    const relaxedSeconds = await timed(() =>
      pool(events, CONCURRENCY, async (i) => {
        await relaxedClient.emit('comment-published', samplePayload(i))
      }),
    )
    await relaxedClient.close()
    await relaxedServer.close()
    await relaxed.stop()
    const single = events / singleSeconds
    return [
      { benchmark: 'HTTP ingest, c=32', subject: 'raw undici → no-op node:http', opsPerSec: raw },
      {
        benchmark: 'HTTP ingest, c=32',
        subject: 'rio-client emit → 202 after commit',
        opsPerSec: single,
        ratio: single / raw,
        target: '>= 0.50',
        met: single / raw >= 0.5,
      },
      {
        benchmark: 'HTTP ingest, c=32',
        subject: 'rio-client emit, synchronous=normal',
        opsPerSec: events / relaxedSeconds,
        ratio: events / relaxedSeconds / raw,
      },
      {
        benchmark: 'HTTP ingest, c=32',
        subject: 'rio-client emitMany(100) → 202',
        opsPerSec: events / batchSeconds,
        ratio: events / batchSeconds / raw,
      },
    ]
  } finally {
    space.remove()
  }
}
