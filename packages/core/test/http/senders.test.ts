import { describe, expect, it } from 'vitest'
import { admin, basic, call, postJson, raw, startApi } from './api-server.js'

/** Creates sender `name` over a raw connection, so the `Host` header is exactly `host`. */
function createWithHost(url: string, host: string, name: string) {
  const body = JSON.stringify({ name })
  return raw(
    url,
    `POST /api/v1/projects/shop/senders HTTP/1.1\r\nHost: ${host}\r\nAuthorization: ${admin.authorization}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
  )
}

describe('POST /api/v1/projects/:project/senders', () => {
  it('builds the DSN from the socket address when the Host header is unusable in a URL, and its secret works', async () => {
    const { rio, server, url } = await startApi()
    const errors: Error[] = []
    rio.events.on('error', (error) => errors.push(error))
    await rio.createProject('shop')
    const hosts = ['x:99999', '[::1]:70000', '[1.2.3.4]']
    for (const [i, host] of hosts.entries()) {
      const res = await createWithHost(url, host, `web-${i}`)
      expect(res.status, host).toBe(201)
      const dsn = new URL(JSON.parse(res.body).dsn)
      expect(dsn.host, host).toBe(`127.0.0.1:${server.port}`)
      expect(dsn.pathname, host).toBe('/shop')
      // The secret shown once is the one stored: the DSN's credentials emit.
      const emitted = await postJson(
        `${url}/api/v1/projects/shop/events`,
        { name: 'x' },
        { authorization: basic(decodeURIComponent(dsn.username), decodeURIComponent(dsn.password)) },
      )
      expect(emitted.status, host).toBe(202)
    }
    const listed = await call(`${url}/api/v1/projects/shop/senders`, { headers: admin })
    expect(listed.body.data.map((s: { name: string }) => s.name)).toEqual(['web-0', 'web-1', 'web-2'])
    expect(errors).toEqual([])
  })

  it('builds the DSN from a usable Host header', async () => {
    const { rio, url } = await startApi()
    await rio.createProject('shop')
    const res = await createWithHost(url, 'rio.internal:8009', 'web')
    expect(res.status).toBe(201)
    const { dsn, secret } = JSON.parse(res.body)
    expect(dsn).toBe(`http://web:${encodeURIComponent(secret)}@rio.internal:8009/shop`)
  })
})
