import { createServer, request } from 'node:http'
import type { Socket } from 'node:net'
import { describe, expect, it } from 'vitest'
import { createApiHandler } from '../../src/index.js'
import { makeRio, onCleanup } from '../helpers.js'
import { basic, startApi, withSender } from './api-server.js'

/** POSTs an emit on a connection of its own (`agent: false`), from `localAddress` when given. */
function emit(port: number, host: string, authorization: string, localAddress?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host,
        port,
        method: 'POST',
        path: '/api/v1/projects/shop/events',
        headers: { authorization, 'content-type': 'application/json' },
        agent: false,
        ...(localAddress ? { localAddress } : {}),
      },
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      },
    )
    req.on('error', reject)
    req.end('{"name":"x"}')
  })
}

describe('failed authentication limit by client network', () => {
  it('counts the addresses of one IPv6 /64 together when a client changes its source address per guess', async () => {
    const rio = makeRio()
    await withSender(rio)
    // A real server and real connections; only the peer address each connection reports is set,
    // as one client holding 2001:db8:0:7::/64 would pick a new source address for each guess.
    const peers: string[] = []
    const server = createServer(createApiHandler(rio, { failedAuthLimit: 3 }))
    server.on('connection', (socket: Socket) => {
      Object.defineProperty(socket, 'remoteAddress', { value: peers.shift(), configurable: true })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    onCleanup(() => new Promise<void>((resolve) => server.close(() => resolve())))
    const port = (server.address() as { port: number }).port
    const from = async (peer: string, secret: string) => {
      peers.push(peer)
      return emit(port, '127.0.0.1', basic('checkout', secret))
    }

    expect(await from('2001:db8:0:7::1', 'guess-1')).toBe(401)
    expect(await from('2001:db8:0:7::2', 'guess-2')).toBe(401)
    expect(await from('2001:db8:0:7:ffff:1:2:3', 'guess-3')).toBe(401)
    // Limited: another address of the same /64, written any way.
    expect(await from('2001:0DB8:0000:0007::4', 'guess-4')).toBe(429)
    expect(await from('2001:db8:0:7::5', 'checkout-secret')).toBe(429)
    // Another /64 is another client.
    expect(await from('2001:db8:0:8::1', 'checkout-secret')).toBe(202)
  })

  it('keeps IPv4 clients of a dual-stack server apart (IPv4-mapped addresses)', async () => {
    const { rio, server } = await startApi({ api: { host: '::', failedAuthLimit: 2 } })
    await withSender(rio)
    const wrong = basic('checkout', 'wrong-secret')
    expect(await emit(server.port, '127.0.0.1', wrong, '127.0.0.2')).toBe(401)
    expect(await emit(server.port, '127.0.0.1', wrong, '127.0.0.2')).toBe(401)
    expect(await emit(server.port, '127.0.0.1', wrong, '127.0.0.2')).toBe(429)
    // 127.0.0.3 arrives as ::ffff:127.0.0.3, in the same /64 as ::ffff:127.0.0.2, yet is another client.
    expect(await emit(server.port, '127.0.0.1', basic('checkout', 'checkout-secret'), '127.0.0.3')).toBe(202)
  })
})
