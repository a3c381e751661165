import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { startReceiver } from '../../../test/support/receiver.js'
import * as core from '../src/index.js'
import { type EmitResult, type Handler, Rio, type RioEvent } from '../src/index.js'
import { makeRio, onCleanup, waitUntil } from './helpers.js'

describe('@rio/core public surface', () => {
  it('exports exactly the documented names', () => {
    expect(Object.keys(core).sort()).toEqual([
      'DEFAULT_RETRY_SCHEDULE',
      'EVENT_NAME_RE',
      'HTTP_ERROR_STATUS',
      'ManualClock',
      'RIO_ERROR_STATUS',
      'RetryLaterError',
      'Rio',
      'RioClosedError',
      'RioConflictError',
      'RioDatabaseCorruptError',
      'RioDatabaseError',
      'RioDatabaseTooNewError',
      'RioDatabaseUnrecognizedError',
      'RioError',
      'RioEventBus',
      'RioIdempotencyError',
      'RioNotFoundError',
      'RioValidationError',
      'SqliteStore',
      'UnrecoverableError',
      'VERSION',
      'backupDatabase',
      'checkDatabase',
      'clientAddress',
      'clientKey',
      'createApiHandler',
      'diagnostics',
      'openApiDocument',
      'resolveOptions',
      'systemClock',
    ])
  })

  it('types emit, handlers and events', () => {
    expectTypeOf<Rio['emit']>().returns.resolves.toEqualTypeOf<EmitResult>()
    expectTypeOf<Rio['webhook']>().returns.resolves.toHaveProperty('secrets')
    expectTypeOf<Handler['kind']>().toEqualTypeOf<'webhook' | 'function'>()
    expectTypeOf<RioEvent<{ n: number }>['payload']>().toEqualTypeOf<{ n: number }>()
  })

  it('refuses bad options before touching the disk', () => {
    expect(() => new Rio({ database: '/definitely/not/here/rio.db', concurrency: 0 })).toThrow(/concurrency/)
    expect(() => new Rio({ database: ':memory:', leaseMs: 1000, timeoutMs: 5000 })).toThrow(/leaseMs/)
    expect(() => new Rio({ database: '/definitely/not/here/rio.db' })).toThrow(
      /cannot open the SQLite database/,
    )
  })
})

describe('diagnostics channels', () => {
  it('publishes emits, attempts and results to subscribers', async () => {
    const receiver = await startReceiver()
    onCleanup(() => receiver.close())
    const seen: string[] = []
    const onEmit = (m: unknown) => seen.push(`emit:${(m as { event: RioEvent }).event.name}`)
    const onAttempt = (m: unknown) => seen.push(`attempt:${(m as { attempt: number }).attempt}`)
    let body: unknown
    const onResult = (m: unknown) => {
      seen.push(`result:${(m as { outcome: string }).outcome}`)
      body = (m as { responseBody: unknown }).responseBody
    }
    subscribe('rio:emit', onEmit)
    subscribe('rio:delivery:attempt', onAttempt)
    subscribe('rio:delivery:result', onResult)
    onCleanup(() => {
      unsubscribe('rio:emit', onEmit)
      unsubscribe('rio:delivery:attempt', onAttempt)
      unsubscribe('rio:delivery:result', onResult)
    })
    const rio = makeRio()
    await rio.webhook('x', { url: receiver.url })
    await rio.start()
    await rio.emit('x', {})
    await waitUntil(() => seen.includes('result:succeeded'), 'the result message')
    expect(seen).toEqual(['emit:x', 'attempt:1', 'result:succeeded'])
    // The answer's first bytes, for RESPONSE log lines.
    expect(body).toBe('ok')
  })
})

describe('recover', () => {
  it('re-queues a handler’s dead deliveries since a time and keeps their history', async () => {
    const receiver = await startReceiver()
    onCleanup(() => receiver.close())
    receiver.respond(() => ({ status: 500 }))
    const rio = makeRio({ retrySchedule: [0] })
    const handler = await rio.webhook('x', { url: receiver.url })
    await rio.start()
    await rio.emitMany([{ name: 'x' }, { name: 'x' }, { name: 'x' }])
    await waitUntil(
      async () => (await rio.listDeliveries({ status: 'dead' })).length === 3,
      'three dead deliveries',
    )
    receiver.respond(() => ({ status: 200 }))
    expect(await rio.recover({ handler: handler.id, since: new Date(Date.now() - 60_000) })).toEqual({
      requeued: 3,
    })
    await waitUntil(
      async () => (await rio.listDeliveries({ status: 'succeeded' })).length === 3,
      'three recovered',
    )
    const [one] = await rio.listDeliveries({ limit: 1 })
    expect((await rio.listAttempts(one!.id)).map((a) => a.status)).toEqual([500, 200])
    expect(await rio.recover({ handler: handler.id })).toEqual({ requeued: 0 })
  })
})

describe('cleanup', () => {
  it('removes old finished events with their deliveries and attempts, and never unfinished work', async () => {
    const receiver = await startReceiver()
    onCleanup(() => receiver.close())
    const rio = makeRio({ retrySchedule: [0, 3_600_000] })
    await rio.webhook('ok', { url: receiver.url, name: 'ok' })
    const failing = await startReceiver()
    onCleanup(() => failing.close())
    failing.respond(() => ({ status: 500 }))
    await rio.webhook('retrying', { url: failing.url, name: 'retrying' })
    await rio.start()
    await rio.emitMany(Array.from({ length: 7 }, () => ({ name: 'ok' })))
    const { id: kept } = await rio.emit('retrying', {})
    await waitUntil(
      async () => (await rio.listDeliveries({ status: 'succeeded' })).length === 7,
      'seven successes',
    )
    await waitUntil(
      async () =>
        (await rio.getDelivery((await rio.listDeliveries({ eventId: kept }))[0]!.id)).attempts === 1,
      'one failure',
    )
    const progress: number[] = []
    const removed = await rio.cleanup({
      olderThan: new Date(Date.now() + 1000),
      batchSize: 3,
      onProgress: (so) => progress.push(so.events),
    })
    expect(removed).toEqual({ events: 7, deliveries: 7, attempts: 7 })
    expect(progress).toEqual([3, 6, 7])
    expect((await rio.listEvents()).map((e) => e.id)).toEqual([kept])
    expect(await rio.cleanup({ olderThan: new Date(Date.now() - 60_000) })).toEqual({
      events: 0,
      deliveries: 0,
      attempts: 0,
    })
  })
})
