import { afterEach, describe, expect, it } from 'vitest'
import { type RawConnection, rawConnection, within } from '../../../test/support/raw-connection.js'
import { type Served, serve } from '../src/server.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!()
})

/** A server answering every request with 200 "ok" after reading its body. */
async function start(limits: Parameters<typeof serve>[0]['limits']): Promise<Served> {
  const served = await serve({
    api: (req, res) => {
      req.resume()
      req.on('end', () => res.end('ok'))
    },
    port: 0,
    host: '127.0.0.1',
    graceMs: 100,
    limits,
  })
  cleanups.push(() => served.close())
  return served
}

function open(port: number): RawConnection {
  const connection = rawConnection(port)
  cleanups.push(() => connection.socket.destroy())
  return connection
}

function drip(socket: RawConnection['socket'], byte: string): void {
  const timer = setInterval(() => socket.write(byte), 50)
  cleanups.push(() => clearInterval(timer))
}

describe('rio start server limits', () => {
  it('closes a connection dripping its headers with 408 after headersTimeoutMs', async () => {
    const served = await start({ headersTimeoutMs: 400, requestTimeoutMs: 5000 })
    const client = open(served.port)
    client.socket.write('GET /dashboard/ HTTP/1.1\r\nHost: x\r\n')
    drip(client.socket, 'x')
    expect(await within(3000, client.closed)).toBeGreaterThanOrEqual(350)
    expect(client.received()).toMatch(/^HTTP\/1\.1 408 /)
  })

  it('closes a connection dripping its body with 408 after requestTimeoutMs', async () => {
    const served = await start({ headersTimeoutMs: 300, requestTimeoutMs: 800 })
    const client = open(served.port)
    client.socket.write(
      'POST /api/v1/projects/shop/events HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n',
    )
    drip(client.socket, ' ')
    expect(await within(3000, client.closed)).toBeGreaterThanOrEqual(750)
    expect(client.received()).toMatch(/^HTTP\/1\.1 408 /)
  })

  it('closes connections past maxConnections as soon as they are accepted', async () => {
    const served = await start({ maxConnections: 1 })
    const held = open(served.port)
    held.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n')
    await new Promise<void>((resolve) => held.socket.once('data', () => resolve()))
    const second = open(served.port)
    second.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n')
    await within(2000, second.closed)
    expect(second.received()).toBe('')
    held.socket.destroy()
    await held.closed
    const third = open(served.port)
    third.socket.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    await within(2000, third.closed)
    expect(third.received()).toMatch(/^HTTP\/1\.1 200 /)
  })
})
