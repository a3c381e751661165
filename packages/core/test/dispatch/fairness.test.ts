import { describe, expect, it } from 'vitest'
import type { Rio } from '../../src/index.js'
import { makeRio, receiver, sleep } from '../helpers.js'

/** Emits `count` events named `name`, in batches. */
async function backlog(rio: Rio, name: string, count: number): Promise<void> {
  for (let i = 0; i < count; i += 1000) {
    await rio.emitMany(
      Array.from({ length: Math.min(1000, count - i) }, (_, n) => ({ name, payload: { n } })),
    )
  }
}

/** Emits one event for the healthy handler and measures how long until its receiver has it. */
async function healthyLatency(rio: Rio, healthy: Awaited<ReturnType<typeof receiver>>): Promise<number> {
  const before = healthy.requests.length
  const started = Date.now()
  await rio.emit('fine', {})
  const [request] = (await healthy.waitFor(before + 1, 3000)).slice(before)
  return request!.receivedAt - started
}

describe('fairness between handlers', () => {
  it('starts a healthy delivery at once while hanging endpoints fill the pool up to its reserve', async () => {
    const hanging = await receiver()
    hanging.respond(() => 'hang')
    const healthy = await receiver()
    // Four endpoints that never answer, four attempts each: the whole pool of 16 if nothing is kept.
    const rio = makeRio({ concurrency: 16, handlerConcurrency: 4 })
    for (let b = 0; b < 4; b++) {
      await rio.webhook(`slow.${b}`, { url: `${hanging.url}/${b}`, name: `hanging-${b}`, timeoutMs: 20_000 })
      await backlog(rio, `slow.${b}`, 20)
    }
    await rio.webhook('fine', { url: healthy.url, name: 'healthy' })
    await rio.start()
    await hanging.waitFor(15)
    await sleep(100)
    // The pool less its reserve (1 of 16): the hanging ones never get the last slot.
    expect(hanging.requests).toHaveLength(15)
    expect(rio.inFlight).toBe(15)
    // Before, the healthy delivery waited for a hanging attempt to time out: 20 s here, 15 s by default.
    for (let i = 0; i < 3; i++) expect(await healthyLatency(rio, healthy)).toBeLessThan(1000)
    expect(hanging.requests).toHaveLength(15)
  }, 20_000)

  it('claims for a handler with nothing running when less than a quarter of the pool is free', async () => {
    const hanging = await receiver()
    hanging.respond(() => 'hang')
    const healthy = await receiver()
    const rio = makeRio({ concurrency: 16 })
    // 13 of 16 hang: 3 free, under the quarter (4) that rounds waited for, forever while they hung.
    await rio.webhook('slow', { url: hanging.url, name: 'hanging', concurrency: 13, timeoutMs: 20_000 })
    await backlog(rio, 'slow', 50)
    await rio.webhook('fine', { url: healthy.url, name: 'healthy' })
    await rio.start()
    await hanging.waitFor(13)
    for (let i = 0; i < 3; i++) expect(await healthyLatency(rio, healthy)).toBeLessThan(1000)
  }, 20_000)

  it('gives the whole pool to the only handler there is', async () => {
    const hanging = await receiver()
    hanging.respond(() => 'hang')
    const rio = makeRio({ concurrency: 8 })
    await rio.webhook('slow', { url: hanging.url, name: 'hanging', concurrency: 8, timeoutMs: 20_000 })
    await backlog(rio, 'slow', 20)
    await rio.start()
    await hanging.waitFor(8)
    expect(rio.inFlight).toBe(8)
  })

  it('keeps one slot from a handler allowed the whole pool when there is another handler', async () => {
    const hanging = await receiver()
    hanging.respond(() => 'hang')
    const healthy = await receiver()
    const rio = makeRio({ concurrency: 8 })
    await rio.webhook('slow', { url: hanging.url, name: 'hanging', concurrency: 8, timeoutMs: 20_000 })
    await backlog(rio, 'slow', 20)
    await rio.webhook('fine', { url: healthy.url, name: 'healthy' })
    await rio.start()
    await hanging.waitFor(7)
    await sleep(100)
    expect(hanging.requests).toHaveLength(7)
    expect(await healthyLatency(rio, healthy)).toBeLessThan(1000)
  }, 20_000)

  it('does not make a healthy handler wait behind another handler’s backlog of 5 000 hanging deliveries', async () => {
    const hanging = await receiver()
    hanging.respond(() => 'hang')
    const healthy = await receiver()
    const rio = makeRio()
    await rio.webhook('slow', { url: hanging.url, name: 'hanging', timeoutMs: 20_000 })
    await backlog(rio, 'slow', 5000)
    await rio.webhook('fine', { url: healthy.url, name: 'healthy' })
    await rio.start()
    // Its own concurrency (32 by default) is all the backlog holds.
    await hanging.waitFor(32)
    for (let i = 0; i < 3; i++) expect(await healthyLatency(rio, healthy)).toBeLessThan(1000)
    expect(hanging.requests).toHaveLength(32)
  }, 20_000)

  it('does not make a healthy handler wait behind another handler failing through a backlog of 5 000', async () => {
    const failing = await receiver()
    failing.respond(() => ({ status: 500, body: 'down' }))
    const healthy = await receiver()
    const rio = makeRio({ retrySchedule: [0, 60_000] })
    await rio.webhook('bad', { url: failing.url, name: 'failing' })
    await backlog(rio, 'bad', 5000)
    await rio.webhook('fine', { url: healthy.url, name: 'healthy' })
    await rio.start()
    await failing.waitFor(100)
    for (let i = 0; i < 3; i++) expect(await healthyLatency(rio, healthy)).toBeLessThan(1000)
  }, 30_000)
})
