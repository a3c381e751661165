import { describe, expect, it } from 'vitest'
import { type RawConnection, rawConnection, within } from '../../../../test/support/raw-connection.js'
import { parseListenOptions } from '../../src/http/server.js'
import { onCleanup, waitUntil } from '../helpers.js'
import { ADMIN_TOKEN, startApi } from './api-server.js'

function open(port: number): RawConnection {
  const connection = rawConnection(port)
  onCleanup(() => void connection.socket.destroy())
  return connection
}

const emitHead = (length: number) =>
  `POST /api/v1/projects/shop/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\n` +
  `Content-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`

/** A JSON emit body of exactly `length` bytes (padded with spaces). */
const emitBody = (length: number) => {
  const json = '{"name":"big","payload":{}}'
  return json + ' '.repeat(length - json.length)
}

describe('rio.listen() resource limits', () => {
  it('defaults to timeouts an honest client on a 64 kbit/s link meets, scaled to maxBodyBytes', () => {
    expect(parseListenOptions({}).listen).toMatchObject({
      headersTimeoutMs: 20_000,
      // 20 s for the headers, 1 MiB at 8000 bytes a second.
      requestTimeoutMs: 152_000,
      maxConnections: 10_000,
      maxBufferedBodyBytes: 128 * 1024 * 1024,
    })
    expect(parseListenOptions({ maxBodyBytes: 8000 * 600 }).listen.requestTimeoutMs).toBe(620_000)
    expect(parseListenOptions({ requestTimeoutMs: 0 }).listen.requestTimeoutMs).toBe(0)
    // A short requestTimeoutMs alone is a complete choice: the headers' default follows it.
    expect(parseListenOptions({ requestTimeoutMs: 10_000 }).listen).toMatchObject({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 10_000,
    })
  })

  it('refuses limits Node would refuse or that make no sense, before listening', () => {
    expect(() => parseListenOptions({ headersTimeoutMs: 10_000, requestTimeoutMs: 5000 })).toThrow(
      /headersTimeoutMs must not be longer than requestTimeoutMs/,
    )
    expect(() => parseListenOptions({ maxConnections: 0 })).toThrow(/maxConnections/)
    expect(() => parseListenOptions({ maxBufferedBodyBytes: -1 })).toThrow(/maxBufferedBodyBytes/)
    expect(() => parseListenOptions({ headersTimeoutMs: 1.5 })).toThrow(/headersTimeoutMs/)
  })

  it('closes a connection dripping its headers with 408 after headersTimeoutMs', async () => {
    const { server } = await startApi({ api: { headersTimeoutMs: 400, requestTimeoutMs: 5000 } })
    const client = open(server.port)
    client.socket.write('POST /api/v1/projects/shop/events HTTP/1.1\r\nHost: x\r\n')
    const drip = setInterval(() => client.socket.write('x'), 50)
    onCleanup(() => clearInterval(drip))
    // Node's own default held such a connection 60 to 90 s.
    expect(await within(3000, client.closed)).toBeGreaterThanOrEqual(350)
    expect(client.received()).toMatch(/^HTTP\/1\.1 408 /)
  })

  it('closes a connection dripping its body with 408 after requestTimeoutMs', async () => {
    const { rio, server } = await startApi({ api: { headersTimeoutMs: 300, requestTimeoutMs: 800 } })
    await rio.createProject('shop')
    const client = open(server.port)
    client.socket.write(emitHead(1000))
    const drip = setInterval(() => client.socket.write(' '), 50)
    onCleanup(() => clearInterval(drip))
    expect(await within(3000, client.closed)).toBeGreaterThanOrEqual(750)
    expect(client.received()).toMatch(/^HTTP\/1\.1 408 /)
    expect(await rio.listEvents({ project: 'shop' })).toEqual([])
  })

  it('closes connections past maxConnections as soon as they are accepted', async () => {
    const { server } = await startApi({ api: { maxConnections: 2 } })
    const held = [open(server.port), open(server.port)]
    // Answered, so the server has accepted both (a connect alone may still sit in the backlog).
    for (const client of held) {
      client.socket.write('GET /_health/ HTTP/1.1\r\nHost: x\r\n\r\n')
      await waitUntil(() => client.received().includes('ok'), 'a health answer')
    }
    const third = open(server.port)
    third.socket.write('GET /_health/ HTTP/1.1\r\nHost: x\r\n\r\n')
    await within(2000, third.closed)
    expect(third.received()).toBe('')
    held[0]!.socket.destroy()
    await held[0]!.closed
    const fourth = open(server.port)
    fourth.socket.write('GET /_health/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    await within(2000, fourth.closed)
    expect(fourth.received()).toMatch(/^HTTP\/1\.1 200 /)
  })

  it('answers 503 server_busy with Retry-After to a body that would pass maxBufferedBodyBytes, and takes it once bodies complete', async () => {
    const { rio, server } = await startApi({ api: { maxBufferedBodyBytes: 100_000 } })
    await rio.createProject('shop')
    // A slow client holds 80 000 bytes of a 90 000-byte body.
    const slow = open(server.port)
    slow.socket.write(emitHead(90_000))
    const body = emitBody(90_000)
    slow.socket.write(body.slice(0, 80_000))
    const send = async (length: number) => {
      const client = open(server.port)
      client.socket.write(emitHead(length) + emitBody(length))
      await waitUntil(() => /\r\n\r\n\{.*\}$/s.test(client.received()), 'an answer')
      client.socket.destroy()
      return client.received()
    }
    // Once the slow body's bytes are in, a second large one does not fit beside them.
    const refused = await waitUntil(
      async () => {
        const answer = await send(40_000)
        return answer.startsWith('HTTP/1.1 503 ') ? answer : undefined
      },
      'a 503',
      5000,
    )
    expect(refused.toLowerCase()).toContain('retry-after: 1')
    expect(refused.toLowerCase()).toContain('connection: close')
    expect(refused).toContain('maxBufferedBodyBytes')
    expect(refused).toContain('"code":"server_busy"')
    // A small body still fits.
    expect(await send(1000)).toMatch(/^HTTP\/1\.1 202 /)
    // The slow body completes and is stored; its bytes are given back.
    slow.socket.write(body.slice(80_000))
    await waitUntil(() => slow.received().includes('"duplicate"'), 'the slow emit answered')
    expect(slow.received()).toMatch(/^HTTP\/1\.1 202 /)
    expect(await send(40_000)).toMatch(/^HTTP\/1\.1 202 /)
    // A body alone may use all of maxBodyBytes, even past the budget.
    expect(await send(200_000)).toMatch(/^HTTP\/1\.1 202 /)
    expect(await rio.listEvents({ project: 'shop' })).toHaveLength(4)
  })
})
