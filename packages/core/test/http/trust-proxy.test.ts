import { createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { type ApiOptions, clientAddress, createApiHandler, RioValidationError } from '../../src/index.js'
import { makeRio, onCleanup } from '../helpers.js'
import { basic, startApi, withSender } from './api-server.js'

const WRONG = basic('checkout', 'wrong-secret')
const RIGHT = basic('checkout', 'checkout-secret')

/** An API with a `shop` sender and `failedAuthLimit: 3`; `emit` POSTs from 127.0.0.1 with the given XFF. */
async function api(options: ApiOptions) {
  const { rio, url } = await startApi({ api: { failedAuthLimit: 3, ...options } })
  await withSender(rio)
  const emit = async (authorization: string, forwardedFor?: string) => {
    const res = await fetch(`${url}/api/v1/projects/shop/events`, {
      method: 'POST',
      headers: {
        authorization,
        'content-type': 'application/json',
        ...(forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor }),
      },
      body: '{"name":"x"}',
    })
    await res.arrayBuffer()
    return res.status
  }
  return { emit }
}

/** A server answering each request with `clientAddress(req, trustProxy)`; `ask` sends XFF header lines as given. */
async function addressServer(trustProxy: number) {
  const server = createServer((req, res) => res.end(clientAddress(req, trustProxy) ?? 'none'))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onCleanup(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const { port } = server.address() as AddressInfo
  return (...forwardedFor: string[]) =>
    new Promise<string>((resolve, reject) => {
      const headers = forwardedFor.length ? { 'x-forwarded-for': forwardedFor } : {}
      const req = request({ host: '127.0.0.1', port, headers, agent: false }, (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (body += chunk))
        res.on('end', () => resolve(body))
      })
      req.on('error', reject)
      req.end()
    })
}

describe('failed authentication limit behind reverse proxies (trustProxy)', () => {
  it('counts each forwarded client on its own with trustProxy: 1, so one client cannot lock out the others', async () => {
    const { emit } = await api({ trustProxy: 1 })
    for (let i = 0; i < 3; i++) expect(await emit(WRONG, '203.0.113.7')).toBe(401)
    expect(await emit(WRONG, '203.0.113.7')).toBe(429)
    expect(await emit(RIGHT, '203.0.113.7')).toBe(429)
    // Another client behind the same proxy (the same TCP peer, 127.0.0.1) is not held back.
    expect(await emit(RIGHT, '203.0.113.8')).toBe(202)
  })

  it('keys on the address the proxy appended, not on entries the client wrote further left', async () => {
    const { emit } = await api({ trustProxy: 1 })
    // A new spoofed leftmost entry for every guess changes nothing.
    expect(await emit(WRONG, '1.1.1.1, 203.0.113.7')).toBe(401)
    expect(await emit(WRONG, '1.1.1.2, 203.0.113.7')).toBe(401)
    expect(await emit(WRONG, '1.1.1.3,203.0.113.7')).toBe(401)
    expect(await emit(RIGHT, '1.1.1.4, 203.0.113.7')).toBe(429)
    expect(await emit(RIGHT, '203.0.113.7')).toBe(429)
    // Claiming to be the limited client, from elsewhere, does not make another client limited.
    expect(await emit(RIGHT, '203.0.113.7, 203.0.113.8')).toBe(202)
  })

  it('counts forwarded IPv6 clients by their /64, like connected ones', async () => {
    const { emit } = await api({ trustProxy: 1 })
    expect(await emit(WRONG, '2001:db8:0:7::1')).toBe(401)
    expect(await emit(WRONG, '2001:db8:0:7::2')).toBe(401)
    expect(await emit(WRONG, '[2001:DB8:0:7:ffff::3]:443')).toBe(401)
    expect(await emit(RIGHT, '2001:db8:0:7::4')).toBe(429)
    expect(await emit(RIGHT, '2001:db8:0:8::1')).toBe(202)
  })

  it('falls back to the peer address when the trusted entry is not an IP address', async () => {
    const { emit } = await api({ trustProxy: 1 })
    for (const entry of ['unknown', '203.0.113.7, _hidden', 'not an address']) {
      expect(await emit(WRONG, entry), entry).toBe(401)
    }
    // All three were counted against 127.0.0.1, the proxy's (here: the test's) own address.
    expect(await emit(RIGHT)).toBe(429)
    expect(await emit(RIGHT, 'garbage')).toBe(429)
    expect(await emit(RIGHT, '203.0.113.8')).toBe(202)
  })

  it('ignores X-Forwarded-For without trustProxy (the default): every client counts as the peer address', async () => {
    for (const options of [{}, { trustProxy: 0 }]) {
      const { emit } = await api(options)
      expect(await emit(WRONG, '203.0.113.1')).toBe(401)
      expect(await emit(WRONG, '203.0.113.2')).toBe(401)
      expect(await emit(WRONG)).toBe(401)
      expect(await emit(RIGHT, '203.0.113.3')).toBe(429)
    }
  })

  it('refuses a trustProxy that is not a whole number from 0 to 10 (invalid_options)', async () => {
    const rio = makeRio()
    for (const trustProxy of [-1, 1.5, 11, Number.NaN, '1', true]) {
      const options = { trustProxy } as unknown as ApiOptions
      expect(() => createApiHandler(rio, options), String(trustProxy)).toThrow(/trustProxy/)
      expect(() => createApiHandler(rio, options), String(trustProxy)).toThrow(RioValidationError)
      await expect(rio.listen({ port: 0, ...options })).rejects.toMatchObject({ code: 'invalid_options' })
    }
    const ask = await addressServer(0)
    expect(await ask()).toBe('127.0.0.1')
    const req = { socket: { remoteAddress: '127.0.0.1' }, headers: {} } as Parameters<typeof clientAddress>[0]
    for (const trustProxy of [-1, 0.5, 11]) {
      expect(() => clientAddress(req, trustProxy)).toThrow(RioValidationError)
      expect(() => clientAddress(req, trustProxy)).toThrow(/trustProxy must be an integer from 0 to 10/)
    }
  })
})

describe('clientAddress', () => {
  it('takes the entry trustProxy places left of the peer address, across several X-Forwarded-For headers', async () => {
    const cases: Array<[number, string[], string]> = [
      [0, ['203.0.113.7'], '127.0.0.1'],
      [1, [], '127.0.0.1'],
      [1, ['203.0.113.7'], '203.0.113.7'],
      [1, ['1.1.1.1, 203.0.113.7'], '203.0.113.7'],
      [2, ['1.1.1.1, 203.0.113.7, 10.0.0.2'], '203.0.113.7'],
      [2, ['1.1.1.1', '203.0.113.7', '10.0.0.2'], '203.0.113.7'],
      [2, ['1.1.1.1, 203.0.113.7', '10.0.0.2'], '203.0.113.7'],
      // Fewer entries than proxies: the leftmost.
      [3, ['203.0.113.7, 10.0.0.2'], '203.0.113.7'],
      [10, ['203.0.113.7'], '203.0.113.7'],
      // What some proxies write around an address, where it is unambiguous.
      [1, ['203.0.113.7:51234'], '203.0.113.7'],
      [1, ['[2001:db8::1]'], '2001:db8::1'],
      [1, ['[2001:DB8::1]:443'], '2001:db8::1'],
      [1, ['fe80::1%eth0'], 'fe80::1'],
      [1, ['::ffff:203.0.113.7'], '::ffff:203.0.113.7'],
      // Not an address: the peer.
      [1, ['unknown'], '127.0.0.1'],
      [1, ['203.0.113.7, '], '127.0.0.1'],
      [1, ['_obfuscated'], '127.0.0.1'],
      [1, ['203.0.113.999'], '127.0.0.1'],
      [1, ['[203.0.113.7]'], '127.0.0.1'],
      [1, ['203.0.113.7:http'], '127.0.0.1'],
      [2, ['junk, 203.0.113.7'], '127.0.0.1'],
    ]
    const servers = new Map<number, Awaited<ReturnType<typeof addressServer>>>()
    for (const [trustProxy, headers, expected] of cases) {
      if (!servers.has(trustProxy)) servers.set(trustProxy, await addressServer(trustProxy))
      const ask = servers.get(trustProxy)!
      expect(await ask(...headers), `${trustProxy} ${JSON.stringify(headers)}`).toBe(expected)
    }
  })
})
