import { connect, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
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

/** A raw connection that records what the server sends and how long it stayed open. */
function open(port: number): { socket: Socket; received: () => string; closed: Promise<number> } {
  const socket = connect(port, '127.0.0.1')
  cleanups.push(() => socket.destroy())
  let text = ''
  socket.on('data', (chunk) => {
    text += chunk
  })
  socket.on('error', () => undefined)
  const started = Date.now()
  const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now() - started)))
  return { socket, received: () => text, closed }
}

function within(ms: number, closed: Promise<number>): Promise<number> {
  return Promise.race([
    closed,
    new Promise<number>((_, reject) =>
      setTimeout(() => reject(new Error(`still open after ${ms} ms`)), ms).unref(),
    ),
  ])
}

function drip(socket: Socket, byte: string): void {
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
