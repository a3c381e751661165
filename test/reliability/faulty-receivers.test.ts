import { createServer as createHttpsServer } from 'node:https'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Delivery, Rio } from '../../packages/core/src/index.js'
import { makeRio, onCleanup, tempDir, waitUntil } from '../../packages/core/test/helpers.js'
import { type Behaviour, startReceiver } from '../support/receiver.js'
import { selfSignedCertificate } from '../support/self-signed.js'

/** Waits until the delivery of `eventId` has one recorded attempt and is no longer in flight. */
async function firstAttempt(rio: Rio, eventId: string): Promise<Delivery> {
  return waitUntil(async () => {
    const [d] = await rio.listDeliveries({ eventId })
    return d && d.attempts >= 1 && d.status !== 'in_flight' ? d : undefined
  }, `the first attempt of ${eventId}`)
}

async function receiverAnswering(behaviour: Behaviour) {
  const r = await startReceiver()
  onCleanup(() => r.close())
  r.respond(() => behaviour)
  return r
}

/** A closed port: bind one, note it, close it. */
async function closedPortUrl(): Promise<string> {
  const r = await startReceiver()
  const url = r.url
  await r.close()
  return url
}

/** https with a self-signed certificate (openssl makes it), which Rio must refuse. */
async function selfSignedUrl(): Promise<string> {
  const server = createHttpsServer(selfSignedCertificate(), (_req, res) => res.end('ok'))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onCleanup(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const address = server.address()
  return `https://localhost:${typeof address === 'object' && address ? address.port : 0}/`
}

const MINUTE = 60_000

describe('faulty receivers', () => {
  const cases: Array<{
    name: string
    url: () => Promise<string>
    timeoutMs?: number
    error: RegExp
    status?: number | null
    /** Expected delay before the next attempt (schedule step 10 s unless throttled), or 'dead'. */
    next: number | 'dead'
  }> = [
    {
      name: 'never answers',
      url: async () => (await receiverAnswering('hang')).url,
      timeoutMs: 300,
      error: /timeout/i,
      next: MINUTE,
    },
    { name: 'refuses the connection', url: closedPortUrl, error: /refused/i, next: 10_000 },
    {
      name: 'resets mid-response',
      url: async () => (await receiverAnswering('reset')).url,
      error: /reset|closed|socket|terminated/i,
      next: 10_000,
    },
    {
      name: 'drips its body slower than the timeout',
      url: async () => (await receiverAnswering({ drip: { chunks: 50, intervalMs: 100 } })).url,
      timeoutMs: 500,
      error: /timeout/i,
      next: MINUTE,
    },
    {
      name: 'answers 503 with Retry-After: 120',
      url: async () => (await receiverAnswering({ status: 503, headers: { 'retry-after': '120' } })).url,
      error: /503/,
      status: 503,
      next: 120_000,
    },
    {
      name: 'answers 429 with a short Retry-After',
      url: async () => (await receiverAnswering({ status: 429, headers: { 'retry-after': '2' } })).url,
      error: /429/,
      status: 429,
      next: MINUTE,
    },
    {
      name: 'answers 410 Gone',
      url: async () => (await receiverAnswering({ status: 410 })).url,
      error: /410/,
      status: 410,
      next: 'dead',
    },
    {
      name: 'redirects',
      url: async () =>
        (await receiverAnswering({ status: 302, headers: { location: 'http://127.0.0.1:1/elsewhere' } })).url,
      error: /redirect 302.*not followed/,
      status: 302,
      next: 10_000,
    },
    {
      name: 'presents a self-signed certificate',
      url: selfSignedUrl,
      error: /TLS|certificate|self.signed/i,
      next: 10_000,
    },
    {
      name: 'has a name that does not resolve',
      url: async () => 'http://rio-test-host.invalid/hook',
      error: /DNS|ENOTFOUND|resolve/i,
      next: 10_000,
    },
  ]

  for (const c of cases) {
    it(`records a useful error and schedules the next attempt when the receiver ${c.name}`, async () => {
      const rio = makeRio({ retrySchedule: [0, 10_000, 10_000] })
      await rio.webhook('x', { url: await c.url(), ...(c.timeoutMs ? { timeoutMs: c.timeoutMs } : {}) })
      await rio.start()
      const { id } = await rio.emit('x', { n: 1 })
      const d = await firstAttempt(rio, id)
      const [attempt] = await rio.listAttempts(d.id)
      expect(attempt!.error).toMatch(c.error)
      if (c.status !== undefined) expect(attempt!.status).toBe(c.status)
      if (c.next === 'dead') {
        expect(d.status).toBe('dead')
      } else {
        expect(d.status).toBe('pending')
        const delay = d.nextAttemptAt!.getTime() - attempt!.startedAt.getTime() - attempt!.durationMs
        expect(delay).toBeGreaterThanOrEqual(c.next - 50)
        expect(delay).toBeLessThanOrEqual(c.next + 1000)
      }
    })
  }

  it('reads at most 4 KiB of a 50 MB response and stays within bounded memory', async () => {
    const r = await receiverAnswering({ bigBody: 50 * 1024 * 1024 })
    const rio = makeRio()
    await rio.webhook('x', { url: r.url })
    await rio.start()
    const before = process.memoryUsage().rss
    const { id } = await rio.emit('x', {})
    const d = await firstAttempt(rio, id)
    const [attempt] = await rio.listAttempts(d.id)
    expect(d.status).toBe('succeeded')
    expect(attempt!.responseBody!.length).toBeLessThanOrEqual(4096)
    expect(attempt!.durationMs).toBeLessThan(2000)
    expect(process.memoryUsage().rss - before).toBeLessThan(40 * 1024 * 1024)
  })

  it('keeps delivering to healthy handlers during a 5xx storm across many others', async () => {
    const storm = await receiverAnswering({ status: 500, body: 'storm' })
    const hang = await receiverAnswering('hang')
    const healthy = await startReceiver()
    onCleanup(() => healthy.close())
    const rio = makeRio({ concurrency: 64, retrySchedule: [0, 200, 200, 200] })
    for (let h = 0; h < 20; h++)
      await rio.webhook('x', { url: `${storm.url}/${h}`, name: `storm-${h}`, concurrency: 2 })
    for (let h = 0; h < 5; h++)
      await rio.webhook('x', {
        url: `${hang.url}/${h}`,
        name: `hang-${h}`,
        concurrency: 2,
        timeoutMs: 30_000,
      })
    await rio.webhook('x', { url: healthy.url, name: 'healthy' })
    await rio.start()
    const started = Date.now()
    await rio.emitMany(Array.from({ length: 100 }, (_, n) => ({ name: 'x', payload: { n } })))
    await healthy.waitFor(100, 10_000)
    expect(Date.now() - started).toBeLessThan(5000)
    expect(storm.requests.length).toBeGreaterThan(100)
  })
})

describe('private-address protection', () => {
  it('refuses loopback targets, by IP and by name, when blockPrivateAddresses is on', async () => {
    const r = await startReceiver()
    onCleanup(() => r.close())
    const file = join(tempDir(), 'rio.db')
    const urls = { 'by-ip': r.url, 'by-name': `http://localhost:${r.port}/` }
    const rio = makeRio({ database: file, blockPrivateAddresses: true })
    // A new handler is refused when it is saved.
    for (const url of Object.values(urls)) {
      await expect(rio.webhook('x', { url })).rejects.toMatchObject({ code: 'invalid_handler' })
    }
    // Handlers stored before the option was turned on are refused as each connection is made.
    const before = makeRio({ database: file })
    for (const [name, url] of Object.entries(urls)) await before.webhook('x', { url, name })
    await before.stop()
    await rio.start()
    const { id } = await rio.emit('x', {})
    await waitUntil(async () => {
      const ds = await rio.listDeliveries({ eventId: id })
      return ds.length === 2 && ds.every((d) => d.attempts === 1 && d.status !== 'in_flight')
    }, 'both attempts')
    for (const d of await rio.listDeliveries({ eventId: id })) {
      expect(d.lastError).toMatch(/private|blocked|refused to connect/i)
    }
    expect(r.requests).toHaveLength(0)
  })

  it('allows them by default, since Rio usually runs inside the firewall', async () => {
    const r = await startReceiver()
    onCleanup(() => r.close())
    const rio = makeRio()
    await rio.webhook('x', { url: `http://localhost:${r.port}/` })
    await rio.start()
    await rio.emit('x', {})
    await r.waitFor(1)
  })
})
