import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { startReceiver } from '../../../../test/support/receiver.js'
import { Rio, RioNotFoundError, RioValidationError } from '../../src/index.js'
import { makeRio, onCleanup, sleep, tempDir, waitUntil } from '../helpers.js'

async function receiver() {
  const r = await startReceiver()
  onCleanup(() => r.close())
  return r
}

describe('handlers', () => {
  it('holds deliveries of a disabled handler and sends them once it is enabled again', async () => {
    const r = await receiver()
    const rio = makeRio()
    const handler = await rio.webhook('x', { url: r.url })
    await rio.start()
    await rio.disableHandler(handler.id)
    const { id, deliveries } = await rio.emit('x', {})
    expect(deliveries).toBe(0)
    await rio.enableHandler(handler.id)
    const second = await rio.emit('x', { n: 2 })
    await r.waitFor(1, 5000)
    expect(r.requests.map((q) => q.headers['webhook-id'])).toEqual([second.id])
    expect(await rio.listDeliveries({ eventId: id })).toEqual([])
  })

  it('pauses pending deliveries while disabled and resumes them on enable', async () => {
    const r = await receiver()
    r.respond(() => ({ status: 500 }))
    const rio = makeRio({ retrySchedule: [0, 300, 300] })
    const handler = await rio.webhook('x', { url: r.url })
    await rio.start()
    const { id } = await rio.emit('x', {})
    await r.waitFor(1, 5000)
    await rio.disableHandler(handler.id)
    await sleep(700)
    expect(r.requests).toHaveLength(1)
    const [pending] = await rio.listDeliveries({ eventId: id })
    expect(pending!.status).toBe('pending')
    r.respond(() => ({ status: 200 }))
    await rio.enableHandler(handler.id)
    await r.waitFor(2, 5000)
    await waitUntil(
      async () => (await rio.getDelivery(pending!.id)).status === 'succeeded',
      'success after enable',
    )
  })

  it('cancels unfinished deliveries of a removed handler instead of dropping them', async () => {
    const r = await receiver()
    r.respond(() => ({ status: 500 }))
    const rio = makeRio({ retrySchedule: [0, 60_000] })
    const handler = await rio.webhook('x', { url: r.url })
    await rio.start()
    const { id } = await rio.emit('x', {})
    await r.waitFor(1, 5000)
    await waitUntil(
      async () => (await rio.listDeliveries({ eventId: id, status: 'pending' })).length === 1,
      'retry pending',
    )
    expect(await rio.removeHandler(handler.id)).toEqual({ cancelled: 1 })
    const [delivery] = await rio.listDeliveries({ eventId: id })
    expect(delivery!.status).toBe('cancelled')
    expect(await rio.listAttempts(delivery!.id)).toHaveLength(1)
    await expect(rio.getHandler(handler.id)).rejects.toBeInstanceOf(RioNotFoundError)
    expect((await rio.emit('x', {})).deliveries).toBe(0)
  })

  it('disables the handler on 410 Gone and stops a delivery on webhook-delivery: abort-message', async () => {
    const gone = await receiver()
    gone.respond(() => ({ status: 410 }))
    const abort = await receiver()
    abort.respond(() => ({ status: 500, headers: { 'webhook-delivery': 'abort-message' } }))
    const rio = makeRio()
    const goneHandler = await rio.webhook('x', { url: gone.url, name: 'gone' })
    const abortHandler = await rio.webhook('x', { url: abort.url, name: 'abort' })
    await rio.start()
    const { id } = await rio.emit('x', {})
    await waitUntil(async () => {
      const ds = await rio.listDeliveries({ eventId: id, status: 'dead' })
      return ds.length === 2
    }, 'both deliveries dead after one attempt each')
    expect((await rio.getHandler(goneHandler.id)).disabledReason).toBe('gone')
    expect((await rio.getHandler(abortHandler.id)).enabled).toBe(true)
  })

  it('disables a handler that answers 2xx with webhook-delivery: disable, after this delivery succeeds', async () => {
    const r = await receiver()
    r.respond(() => ({ status: 200, headers: { 'webhook-delivery': 'disable' } }))
    const rio = makeRio()
    const handler = await rio.webhook('x', { url: r.url })
    await rio.start()
    const { id } = await rio.emit('x', {})
    await waitUntil(
      async () => (await rio.listDeliveries({ eventId: id, status: 'succeeded' })).length === 1,
      'success',
    )
    await waitUntil(async () => !(await rio.getHandler(handler.id)).enabled, 'the handler to be disabled')
    expect((await rio.getHandler(handler.id)).disabledReason).toBe('endpoint_disabled')
  })

  it('updates a webhook declared again under the same name and keeps its secret', async () => {
    const rio = makeRio()
    const first = await rio.webhook('x', { url: 'http://127.0.0.1:1/a', name: 'hook' })
    expect(first.secrets[0]).toMatch(/^whsec_/)
    const second = await rio.webhook('y', { url: 'http://127.0.0.1:1/b', name: 'hook' })
    expect(second.id).toBe(first.id)
    expect(second.pattern).toBe('y')
    expect(second.url).toBe('http://127.0.0.1:1/b')
    expect(second.secrets).toEqual(first.secrets)
    expect(await rio.listHandlers()).toHaveLength(1)
  })

  it('applies enabled given when a function handler is registered again under the same name', async () => {
    const file = join(tempDir(), 'rio.db')
    const first = new Rio({ database: file })
    onCleanup(() => first.stop())
    first.on('x', 'fn', () => undefined)
    await first.emit('x', {})
    const [registered] = await first.listHandlers()
    expect(registered).toMatchObject({ name: 'fn', enabled: true })
    await first.stop()

    const second = makeRio({ database: file })
    second.on('x', 'fn', () => undefined, { enabled: false })
    expect((await second.emit('x', {})).deliveries).toBe(0)
    expect(await second.getHandler(registered!.id)).toMatchObject({
      enabled: false,
      disabledReason: 'manual',
    })
    // Left out, the stored state is kept, as for webhook().
    second.on('x', 'fn', () => undefined)
    expect((await second.emit('x', {})).deliveries).toBe(0)
    second.on('x', 'fn', () => undefined, { enabled: true })
    expect((await second.emit('x', {})).deliveries).toBe(1)
  })

  it('enforces a per-handler rate limit', async () => {
    const r = await receiver()
    const rio = makeRio()
    await rio.webhook('x', { url: r.url, rateLimit: 5 })
    await rio.start()
    const started = Date.now()
    await rio.emitMany(Array.from({ length: 12 }, () => ({ name: 'x', payload: {} })))
    await r.waitFor(12, 10_000)
    const times = r.requests.map((q) => q.receivedAt - started)
    // at most 5 starts in any second: 5, then 5 a second later, then the last 2 a second after that
    expect(times[11]! - times[0]!).toBeGreaterThan(1800)
    for (const t of times) {
      // arrival times carry some network jitter, hence a window a little under a second
      const inWindow = times.filter((u) => u >= t && u < t + 800).length
      expect(inWindow).toBeLessThanOrEqual(5)
    }
  })

  it('does not let a hanging endpoint starve the others', async () => {
    const slow = await receiver()
    slow.respond(() => 'hang')
    const fast = await receiver()
    const rio = makeRio({ concurrency: 8 })
    await rio.webhook('x', { url: slow.url, name: 'slow', concurrency: 4, timeoutMs: 20_000 })
    await rio.webhook('x', { url: fast.url, name: 'fast' })
    await rio.start()
    await rio.emitMany(Array.from({ length: 50 }, (_, n) => ({ name: 'x', payload: { n } })))
    await fast.waitFor(50, 5000)
    expect(slow.requests.length).toBeLessThanOrEqual(4)
  })

  it('refuses bad patterns, URLs and options with typed errors and writes nothing', async () => {
    const rio = makeRio()
    await expect(rio.webhook('bad name!', { url: 'http://x' })).rejects.toBeInstanceOf(RioValidationError)
    await expect(rio.webhook('x', { url: 'ftp://example.com/' })).rejects.toThrow(/http/)
    await expect(rio.webhook('x', { url: 'not a url' })).rejects.toBeInstanceOf(RioValidationError)
    await expect(rio.webhook('x', { url: 'http://x', timeoutMs: -1 })).rejects.toThrow(/timeoutMs/)
    await expect(rio.webhook('x', { url: 'http://x', headers: { 'x-a': 'a\r\nb' } })).rejects.toThrow(
      /headers/,
    )
    expect(() => rio.on('x', '', () => undefined)).toThrow(RioValidationError)
    // A misspelt option is an error, not a silently default setting (JavaScript callers, JSON config).
    const misspelt = { url: 'http://x', retrySchedual: [1000] } as unknown as { url: string }
    await expect(rio.webhook('x', misspelt)).rejects.toThrow(/retrySchedual/)
    expect(() => rio.on('x', 'fn', () => undefined, { concurency: 2 } as object)).toThrow(/concurency/)
    expect(await rio.listHandlers()).toEqual([])
    await expect(rio.getHandler('nope')).rejects.toThrow('handler "nope" does not exist')
    await expect(rio.redeliver('12345')).rejects.toBeInstanceOf(RioNotFoundError)
  })
})
