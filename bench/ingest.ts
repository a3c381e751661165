import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { Agent, request } from 'undici'
import { Client } from '../packages/client/src/index.js'
import { type BenchRow, pool, samplePayload, scratch, timed } from './support.js'

const CONCURRENCY = 32

/** Starts `ingest-server.ts` in its own process and reads its URL (and sender secret). */
async function serve(
  mode: 'noop' | 'full' | 'normal',
  dir: string,
): Promise<{ url: string; secret: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('./ingest-server.ts', import.meta.url)), mode, dir],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  const line = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (chunk) => {
      out += chunk
      if (out.includes('\n')) resolve(out.split('\n')[0]!)
    })
    child.on('exit', (code) => reject(new Error(`ingest server (${mode}) exited with ${code}`)))
  })
  return { ...(JSON.parse(line) as { url: string; secret: string }), child }
}

/**
 * rio-client → Rio's HTTP ingest (202 after the durable commit), concurrency 32, single emits and
 * batches of 100, with the server in its own process as in production. The reference is raw
 * undici POSTing the same body to a no-op node:http server in the same layout.
 */
export async function runIngestBench(options: { events?: number } = {}): Promise<BenchRow[]> {
  const events = options.events ?? 20_000
  const space = scratch()
  const body = JSON.stringify({ name: 'comment-published', payload: samplePayload(0) })
  const servers: ChildProcess[] = []
  try {
    const noop = await serve('noop', space.dir)
    servers.push(noop.child)
    const agent = new Agent({ connections: CONCURRENCY })
    const rawSeconds = await timed(() =>
      pool(events, CONCURRENCY, async () => {
        const res = await request(`${noop.url}/api/v1/projects/bench/events`, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json' },
          dispatcher: agent,
        })
        await res.body.dump()
      }),
    )
    await agent.close()
    const raw = events / rawSeconds

    const rates: Record<string, number> = {}
    for (const mode of ['full', 'normal'] as const) {
      const rio = await serve(mode, space.dir)
      servers.push(rio.child)
      const client = new Client({ dsn: `http://sender:${rio.secret}@${new URL(rio.url).host}/bench` })
      rates[mode] =
        events /
        (await timed(() =>
          pool(events, CONCURRENCY, (i) => client.emit('comment-published', samplePayload(i))),
        ))
      if (mode === 'full') {
        const batches = events / 100
        rates.batch =
          events /
          (await timed(() =>
            pool(batches, CONCURRENCY, (b) =>
              client.emitMany(
                Array.from({ length: 100 }, (_, k) => ({
                  name: 'comment-published',
                  payload: samplePayload(b * 100 + k),
                })),
              ),
            ),
          ))
      }
      await client.close()
    }
    return [
      {
        benchmark: 'HTTP ingest, c=32',
        subject: 'raw undici → no-op node:http (own process)',
        opsPerSec: raw,
      },
      {
        benchmark: 'HTTP ingest, c=32',
        subject: 'rio-client emit → Rio (own process), 202 after FULL commit',
        opsPerSec: rates.full!,
        ratio: rates.full! / raw,
        target: '>= 0.50',
        met: rates.full! / raw >= 0.5,
      },
      {
        benchmark: 'HTTP ingest, c=32',
        subject: 'rio-client emit, synchronous=normal',
        opsPerSec: rates.normal!,
        ratio: rates.normal! / raw,
      },
      {
        benchmark: 'HTTP ingest, c=32',
        subject: 'rio-client emitMany(100) → 202 (FULL)',
        opsPerSec: rates.batch!,
        ratio: rates.batch! / raw,
      },
    ]
  } finally {
    for (const child of servers) child.kill()
    space.remove()
  }
}
