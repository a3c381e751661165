import { randomUUID } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  Client,
  type ClientOptions,
  type EmitEvent,
  type RioClientError,
  ValidationError,
} from '../src/index.ts'
import { FakeRio } from './support/fake-rio.ts'

const events = (count: number, from = 0): EmitEvent[] =>
  Array.from({ length: count }, (_, i) => ({ name: 'comment-published', payload: { n: from + i } }))

describe('Client.emitMany', () => {
  let rio: FakeRio
  let client: Client
  const start = (options: ClientOptions = {}) => {
    client = new Client({ dsn: rio.dsn(), retryDelayMs: 10, retryMaxDelayMs: 40, ...options })
    return client
  }
  beforeEach(async () => {
    rio = await FakeRio.start()
  })
  afterEach(async () => {
    await client?.close()
    await rio.close()
  })

  it('refuses two different events under one key before sending any batch', async () => {
    // Split into two requests (maxBatchSize 2), the first would be stored before Rio refused the second.
    const calls = start({ maxBatchSize: 2 })
    const error = await calls
      .emitMany([
        { name: 'order-paid', payload: { order: 1 }, idempotencyKey: 'order-1' },
        { name: 'order-paid', payload: { order: 2 } },
        { name: 'order-paid', payload: { order: 3 }, idempotencyKey: 'order-1' },
      ])
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ValidationError)
    expect(error).toMatchObject({
      code: 'idempotency_key_reused',
      message: expect.stringMatching(/^events\[0\] and events\[2\] use idempotency key "order-1"/),
      issues: [{ path: 'events[2].idempotencyKey', message: 'already given to events[0]' }],
    })
    expect(rio.requests).toHaveLength(0)
    // The same event twice under its key is allowed: Rio answers one id for both.
    await calls.emitMany([
      { name: 'order-paid', payload: { order: 1 }, idempotencyKey: 'order-1' },
      { name: 'order-paid', payload: { order: 1 }, idempotencyKey: 'order-1' },
    ])
    expect(rio.requests).toHaveLength(1)
  })

  it('posts the events in one request and resolves with their ids in order', async () => {
    const { ids } = await start().emitMany([
      { name: 'comment-published', payload: { id: 1, content: 'First!' } },
      { name: 'comment-deleted', payload: { id: 2 }, idempotencyKey: 'comment-2:deleted' },
    ])
    expect(ids).toEqual(['evt_1', 'evt_2'])
    expect(rio.requests).toHaveLength(1)
    const [request] = rio.requests
    expect(request!.url).toBe('/api/v1/projects/shop/events')
    expect(request!.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/)
    expect(JSON.parse(request!.body)).toEqual({
      events: [
        { name: 'comment-published', payload: { id: 1, content: 'First!' } },
        { name: 'comment-deleted', payload: { id: 2 }, idempotencyKey: 'comment-2:deleted' },
      ],
    })
  })

  it('splits more than 1000 events into requests of at most 1000, in order', async () => {
    const { ids } = await start().emitMany(events(2500))
    expect(rio.requests.map((request) => JSON.parse(request.body).events.length)).toEqual([1000, 1000, 500])
    expect(ids).toHaveLength(2500)
    expect(ids).toEqual(rio.events.map((event) => event.id))
    expect(rio.events.map((event) => (event.payload as { n: number }).n)).toEqual(
      Array.from({ length: 2500 }, (_, i) => i),
    )
    const keys = new Set(rio.requests.map((request) => request.headers['idempotency-key']))
    expect(keys.size).toBe(3)
  })

  it('splits by maxBatchSize and by maxBatchBytes', async () => {
    await start({ maxBatchSize: 2 }).emitMany(events(5))
    expect(rio.requests.map((request) => JSON.parse(request.body).events.length)).toEqual([2, 2, 1])
    await client.close()
    rio.requests.length = 0
    const big = Array.from({ length: 4 }, () => ({ name: 'a', payload: 'x'.repeat(400) }))
    await start({ maxBatchBytes: 1000 }).emitMany(big)
    expect(rio.requests.map((request) => JSON.parse(request.body).events.length)).toEqual([2, 2])
    for (const request of rio.requests) expect(Buffer.byteLength(request.body)).toBeLessThanOrEqual(1000)
  })

  it('retries a batch with the same key, so Rio stores each event once', async () => {
    rio.fail('store-then-drop', { status: 503 })
    const { ids } = await start().emitMany(events(3))
    expect(ids).toEqual(['evt_1', 'evt_2', 'evt_3'])
    expect(rio.events).toHaveLength(3)
    expect(new Set(rio.requests.map((request) => request.headers['idempotency-key'])).size).toBe(1)
  })

  it('sends nothing for an empty array', async () => {
    await expect(start().emitMany([])).resolves.toEqual({ ids: [] })
    expect(rio.requests).toHaveLength(0)
  })

  it('checks every event before sending any, naming the bad one by index', async () => {
    const batch = [...events(1999), { name: 'bad name', payload: 1 }]
    const error = await start()
      .emitMany(batch)
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ValidationError)
    expect(error).toMatchObject({
      code: 'invalid_event_name',
      issues: [{ path: 'events[1999].name', message: expect.any(String) }],
    })
    expect((error as Error).message).toMatch(/^events\[1999\]\.name "bad name" is invalid/)
    await expect(client.emitMany([{ name: 'a', payload: 1n }])).rejects.toThrow(
      'events[0] ("a"): payload is a BigInt (1n)',
    )
    await expect(client.emitMany([null as unknown as EmitEvent])).rejects.toThrow(
      'events[0] must be an object { name, payload, idempotencyKey? }, got null',
    )
    await expect(client.emitMany('nope' as unknown as EmitEvent[])).rejects.toMatchObject({
      code: 'invalid_argument',
    })
    expect(rio.requests).toHaveLength(0)
  })

  it('refuses a hole in a sparse array like undefined, naming its index, before sending anything', async () => {
    const leading: EmitEvent[] = []
    leading[1] = { name: 'comment-published', payload: 1 }
    const error = await start()
      .emitMany(leading)
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ValidationError)
    expect(error).toMatchObject({
      code: 'invalid_argument',
      message: 'events[0] must be an object { name, payload, idempotencyKey? }, got undefined',
      issues: [{ path: 'events[0]', message: 'expected an object' }],
    })
    const middle = [...events(2)]
    middle[3] = { name: 'comment-published', payload: 3 }
    await expect(client.emitMany(middle)).rejects.toMatchObject({
      code: 'invalid_argument',
      issues: [{ path: 'events[2]', message: 'expected an object' }],
    })
    expect(rio.requests).toHaveLength(0)
  })

  it('reads the ids of a batch larger than maxResponseBytes allows, since Rio stored it', async () => {
    // Rio's ids are UUIDs: 39 bytes each in `{"ids":[...]}`, 1.2 MB for 30 000 events.
    const stored = Array.from({ length: 30_000 }, () => randomUUID())
    const body = JSON.stringify({ ids: stored })
    expect(Buffer.byteLength(body)).toBeGreaterThan(1024 * 1024)
    rio.fail({ status: 202, body })
    const options = { maxBatchSize: 30_000, maxBatchBytes: 8 * 1024 * 1024, maxResponseBytes: 64 * 1024 }
    const { ids } = await start(options).emitMany(events(30_000))
    expect(rio.requests).toHaveLength(1)
    expect(ids).toEqual(stored)
  })

  it('still refuses an answer to a batch over the room its ids need', async () => {
    rio.fail({ status: 202, huge: true })
    const error = (await start({ maxResponseBytes: 1024 })
      .emitMany(events(10))
      .catch((caught: unknown) => caught)) as RioClientError
    expect(error).toMatchObject({ code: 'response_too_large', status: 202 })
    expect(rio.hugeBytesWritten).toBeLessThan(64 * 1024 * 1024)
    // A single emit keeps the configured cap: an answer the batch's room would fit is refused.
    rio.fail({
      status: 202,
      body: JSON.stringify({ id: randomUUID(), duplicate: false, pad: 'x'.repeat(1200) }),
    })
    await expect(client.emit('a', 1)).rejects.toMatchObject({ code: 'response_too_large' })
  })

  it('says how many events a failed later request leaves emitted', async () => {
    rio.fail({ status: 202, body: '{"ids":[]}' }) // never a valid answer for 2 events
    const error = (await start({ maxBatchSize: 2 })
      .emitMany(events(4))
      .catch((caught: unknown) => caught)) as RioClientError
    expect(error.code).toBe('invalid_response')
    expect(error.message).toContain('emitMany request 1 of 2 (2 events)')
    rio.requests.length = 0
    rio.fail({ status: 202, body: JSON.stringify({ ids: ['evt_a', 'evt_b'] }) }, { status: 401 })
    const later = (await client.emitMany(events(4)).catch((caught: unknown) => caught)) as RioClientError
    expect(later.message).toContain('emitMany request 2 of 2 (2 events; the 2 before are emitted)')
  })
})
