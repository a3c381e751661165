import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { createInterface } from 'node:readline'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { verify } from '@rio/signature'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import type { RioEvent } from '../../src/index.js'
import { makeRio, onCleanup, receiver, tempDir, waitUntil } from '../helpers.js'

const SECRET = `whsec_${Buffer.alloc(24, 7).toString('base64')}`
const MiB = 1024 * 1024

setFlagsFromString('--expose-gc')
/** V8's collector, to measure what is still referenced rather than what awaits collection. */
const gc = runInNewContext('gc') as () => void

/** A payload of `bytes` bytes as JSON. */
function bigPayload(bytes: number, mark = 'x'): { data: string } {
  return { data: mark.repeat(bytes - '{"data":""}'.length) }
}

/** What the receiver process reports of each request: never the body, only its size and hash. */
interface Seen {
  readonly path: string
  readonly bytes: number
  readonly sha256: string
  readonly headers: IncomingHttpHeaders
}

/**
 * A webhook receiver in a process of its own, so that what it receives is not counted in this
 * process's memory or event loop: it reads each body through a hash and throws the bytes away, and
 * answers 200 at once, or, with `hold`, only after `release()`.
 */
async function receiverProcess(options: { hold?: boolean } = {}) {
  const code = `
    const { createServer } = require('node:http')
    const { createHash } = require('node:crypto')
    let hold = ${options.hold === true}
    const waiting = []
    process.stdin.on('data', () => {
      hold = false
      for (const each of waiting.splice(0)) each.end('ok')
    })
    const server = createServer((req, res) => {
      const hash = createHash('sha256')
      let bytes = 0
      req.on('data', (chunk) => { bytes += chunk.length; hash.update(chunk) })
      req.on('end', () => {
        process.stdout.write(JSON.stringify({ path: req.url, bytes, sha256: hash.digest('hex'), headers: req.headers }) + '\\n')
        if (hold) waiting.push(res)
        else res.end('ok')
      })
    })
    server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: server.address().port }) + '\\n'))
  `
  const child = spawn(process.execPath, ['-e', code], { stdio: ['pipe', 'pipe', 'inherit'] })
  onCleanup(() => {
    child.kill()
  })
  const seen: Seen[] = []
  const lines = createInterface({ input: child.stdout })
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (status) => reject(new Error(`the receiver process exited (${status})`)))
    lines.on('line', (line) => {
      const message = JSON.parse(line) as Seen | { port: number }
      if ('port' in message) resolve(message.port)
      else seen.push(message)
    })
  })
  return { url: `http://127.0.0.1:${port}`, seen, release: () => child.stdin.write('go\n') }
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

/**
 * A Rio on a connection whose reads are counted: how many payload bytes (the `payload` column of
 * any row read) came out of SQLite.
 */
function countedRio(options: Parameters<typeof makeRio>[0] = {}) {
  const db = new Database(join(tempDir(), 'rio.db'))
  onCleanup(() => {
    db.close()
  })
  let payloadBytes = 0
  let payloadReads = 0
  const prepare = db.prepare.bind(db)
  db.prepare = ((sql: string) => {
    const statement = prepare(sql)
    if (!statement.reader) return statement
    for (const method of ['all', 'get'] as const) {
      const original = statement[method] as (...args: unknown[]) => unknown
      ;(statement as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
        const result = original.apply(statement, args)
        for (const row of Array.isArray(result) ? result : [result]) {
          const payload = (row as { payload?: unknown } | undefined)?.payload
          if (typeof payload === 'string') {
            payloadBytes += payload.length
            payloadReads++
          }
        }
        return result
      }
    }
    return statement
  }) as Database.Database['prepare']
  const rio = makeRio({ database: db, synchronous: 'normal', ...options })
  return {
    rio,
    reads: () => ({ payloadBytes, payloadReads }),
  }
}

describe('one big event to many webhooks', () => {
  it('reads the payload out of SQLite once per claim, not once per delivery', async () => {
    const r = await receiver()
    const { rio, reads } = countedRio()
    const handlers = 50
    for (let i = 0; i < handlers; i++) await rio.webhook('big', { url: `${r.url}/h/${i}`, name: `h-${i}` })
    await rio.start()
    const before = reads().payloadReads
    await rio.emit('big', bigPayload(256 * 1024))
    await r.waitFor(handlers)
    // Each round claims every handler's delivery at once: one read per round, a round or two here
    // (a lane or two may come a round later). Before, all 50 deliveries read it: 12.5 MiB.
    expect(reads().payloadReads - before).toBeLessThanOrEqual(3)
    expect(new Set(r.requests.map((q) => q.body.length))).toEqual(new Set([256 * 1024]))
  })

  it('holds one copy of the body for all its requests in flight, each signed over it', async () => {
    const handlers = 40
    // Answers nothing until told: meanwhile all 40 requests are in flight at once.
    const r = await receiverProcess({ hold: true })
    const rio = makeRio({ maxPayloadBytes: 2 * MiB })
    for (let i = 0; i < handlers; i++) {
      await rio.webhook('big', { url: `${r.url}/h/${i}`, name: `h-${i}`, secret: SECRET })
    }
    let succeeded = 0
    rio.events.on('delivery.succeeded', () => void succeeded++)
    await rio.start()
    const payload = bigPayload(MiB)
    gc()
    const base = process.memoryUsage().arrayBuffers
    await rio.emit('big', payload)
    await waitUntil(() => r.seen.length === handlers, 'every request sent')
    gc()
    const held = process.memoryUsage().arrayBuffers - base
    r.release()
    await waitUntil(() => succeeded === handlers, 'every delivery recorded')
    // Before, each request encoded the body into a buffer of its own: 40 MiB held here.
    expect(held).toBeLessThan(8 * MiB)
    const body = JSON.stringify(payload)
    expect(r.seen).toHaveLength(handlers)
    for (const request of r.seen) {
      expect(request).toMatchObject({ bytes: MiB, sha256: sha256(body) })
      expect(() => verify(body, request.headers as Record<string, string>, SECRET)).not.toThrow()
    }
  })

  it('lets emits through while a big payload goes out to many webhooks', async () => {
    const r = await receiverProcess()
    const handlers = 60
    const rio = makeRio({ maxPayloadBytes: 4 * MiB, synchronous: 'normal' })
    for (let i = 0; i < handlers; i++) await rio.webhook('big', { url: `${r.url}/h/${i}`, name: `h-${i}` })
    let succeeded = 0
    rio.events.on('delivery.succeeded', () => void succeeded++)
    await rio.start()
    // A small event first, so that loading and compiling the code of the first sends is not measured.
    await rio.emit('big', { warm: true })
    await waitUntil(() => succeeded >= handlers, 'the small event delivered')
    await rio.emit('big', bigPayload(2 * MiB))
    const delay = monitorEventLoopDelay({ resolution: 5 })
    delay.enable()
    await waitUntil(() => succeeded >= 2 * handlers, 'every delivery recorded', 20_000)
    delay.disable()
    // Before, the claim read the payload once per delivery (60 × 2 MiB) and the round signed all 60
    // bodies in one turn of the event loop: 0.76–1.05 s without an emit or a request served (now 74–116 ms).
    expect(delay.max / 1e6).toBeLessThan(200)
  })
})

describe('one big event to function handlers', () => {
  it('parses the payload once and gives every handler the same read-only value', async () => {
    const rio = makeRio()
    const seen: Array<{ payload: unknown; error: string | null }> = []
    const handlers = 4
    for (let i = 0; i < handlers; i++) {
      rio.on('big', `f-${i}`, (event: RioEvent) => {
        const payload = event.payload as { data: string; tags: string[] }
        let error: string | null = null
        try {
          payload.tags.push(`from f-${i}`)
        } catch (thrown) {
          error = (thrown as Error).constructor.name
        }
        seen.push({ payload, error })
      })
    }
    let succeeded = 0
    rio.events.on('delivery.succeeded', () => void succeeded++)
    await rio.start()
    await rio.emit('big', { ...bigPayload(64 * 1024), tags: ['a'] })
    await waitUntil(() => succeeded === handlers, 'every function ran')
    // Before, the first handler's push was seen by the others that shared its claim.
    for (const { payload, error } of seen) {
      expect((payload as { tags: string[] }).tags).toEqual(['a'])
      expect(error).toBe('TypeError')
    }
    expect(new Set(seen.map((s) => s.payload)).size).toBe(1)
  })

  it('fails the attempt of a handler that changes the payload, naming the change, and retries it', async () => {
    const rio = makeRio({ retrySchedule: [10, 10] })
    const errors: Array<string | null> = []
    rio.on('sorted', 'sorts-in-place', (event: RioEvent) => {
      ;(event.payload as number[]).sort()
    })
    rio.events.on('delivery.retrying', (report) => void errors.push(report.error))
    rio.events.on('delivery.dead', (report) => void errors.push(report.error))
    rio.events.on('delivery.succeeded', (report) => void errors.push(report.error))
    await rio.start()
    await rio.emit('sorted', [3, 1, 2])
    await waitUntil(() => errors.length === 2, 'both attempts')
    expect(errors).toEqual([
      expect.stringMatching(/^TypeError: Cannot assign to read only property '0'/),
      expect.stringMatching(/^TypeError: Cannot assign to read only property '0'/),
    ])
  })
})
