import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FetchTransport } from '../src/fetch-transport.ts'
import { type Transport, TransportRefusal, type TransportRequest } from '../src/transport.ts'
import { UndiciTransport } from '../src/undici-transport.ts'
import { FakeRio } from './support/fake-rio.ts'

const transports: [string, () => Promise<Transport>][] = [
  ['UndiciTransport', async () => (await UndiciTransport.load())!],
  ['FetchTransport', async () => new FetchTransport(globalThis.fetch)],
]

// What every transport does, whichever HTTP layer it sends with.
describe.each(transports)('%s', (_name, create) => {
  let rio: FakeRio
  let transport: Transport
  const request = (overrides: Partial<TransportRequest> = {}): TransportRequest => ({
    url: `http://127.0.0.1:${rio.port}/api/v1/projects/shop/events`,
    headers: {
      authorization: `Basic ${Buffer.from('sender:secret').toString('base64')}`,
      'content-type': 'application/json',
    },
    body: '{"name":"a","payload":1}',
    timeoutMs: 2_000,
    signal: undefined,
    maxResponseBytes: 1024,
    ...overrides,
  })
  beforeEach(async () => {
    rio = await FakeRio.start()
    transport = await create()
  })
  let closed = false
  afterEach(async () => {
    // The client closes its transport once; undici's agent refuses a second close.
    if (!closed) await transport.close()
    closed = false
    await rio.close()
  })

  it('rejects with a TransportRefusal, sending nothing, when the HTTP layer will not build the request', async () => {
    const refused = request({ headers: { ...request().headers, 'x-trace': 'a\x01b' } })
    const error = await transport.send(refused).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(TransportRefusal)
    expect(JSON.stringify((error as TransportRefusal).cause, ['code', 'cause'])).toContain(
      'UND_ERR_INVALID_ARG',
    )
    expect(rio.requests).toHaveLength(0)
  })

  it('answers a redirect as it came, without following it', async () => {
    rio.fail({ status: 307, headers: { location: request().url } })
    const response = await transport.send(request())
    expect(response.status).toBe(307)
    expect(response.header('location')).toBe(request().url)
    expect(rio.requests).toHaveLength(1)
  })

  it('waits in close() for the requests in flight, then refuses new ones', async () => {
    rio.fail({ status: 202, body: '{"id":"evt_late"}', delayMs: 300 })
    const pending = transport.send(request())
    while (rio.requests.length < 1) await new Promise((resolve) => setTimeout(resolve, 5))
    const started = Date.now()
    closed = true
    await transport.close()
    expect(Date.now() - started).toBeGreaterThanOrEqual(250)
    const response = await pending
    expect(response.status).toBe(202)
    await expect(transport.send(request())).rejects.toThrow()
    expect(rio.requests).toHaveLength(1)
  })
})
