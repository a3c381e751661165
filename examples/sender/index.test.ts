import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { RioHttpError } from 'rio-client'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { comment, main, optionsFromEnv } from './index.ts'

// A few lines of Rio's emit API: Basic auth, one event per idempotency key, 202 with the id.
function fakeRio(stored: Map<string, { id: string; name: string; payload: unknown }>): Server {
  const auth = `Basic ${Buffer.from('blog:s3cret').toString('base64')}`
  return createServer((req, res) => {
    let body = ''
    req.on('data', (chunk) => {
      body += chunk
    })
    req.on('end', () => {
      res.setHeader('content-type', 'application/json')
      if (req.headers.authorization !== auth) {
        res.writeHead(401).end(JSON.stringify({ error: { code: 'unauthorized', message: 'wrong secret' } }))
        return
      }
      if (req.method !== 'POST' || req.url !== '/api/v1/projects/blog/events') {
        res.writeHead(404).end(JSON.stringify({ error: { code: 'route_not_found', message: req.url } }))
        return
      }
      const { name, payload } = JSON.parse(body)
      const key = String(req.headers['idempotency-key'])
      const existing = stored.get(key)
      if (!existing) stored.set(key, { id: `evt_${stored.size + 1}`, name, payload })
      res.writeHead(202).end(JSON.stringify({ id: stored.get(key)!.id, duplicate: existing !== undefined }))
    })
  })
}

describe('sender example', () => {
  const stored = new Map<string, { id: string; name: string; payload: unknown }>()
  let server: Server
  let port: number
  beforeEach(async () => {
    stored.clear()
    server = fakeRio(stored)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as AddressInfo).port
  })
  afterEach(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })

  it('emits one comment-published event per comment and returns their ids', async () => {
    const { ids } = await main({ dsn: `http://blog:s3cret@127.0.0.1:${port}/blog`, count: 3 })
    expect(ids).toEqual(['evt_1', 'evt_2', 'evt_3'])
    expect([...stored.values()]).toEqual([
      {
        id: 'evt_1',
        name: 'comment-published',
        payload: { id: 1, ip: '127.0.0.1', content: 'I am a spammer' },
      },
      { id: 'evt_2', name: 'comment-published', payload: comment(2) },
      { id: 'evt_3', name: 'comment-published', payload: comment(3) },
    ])
  })

  it('stores nothing twice when run again', async () => {
    const dsn = `http://blog:s3cret@127.0.0.1:${port}/blog`
    const first = await main({ dsn })
    const second = await main({ dsn })
    expect(second).toEqual(first)
    expect(stored.size).toBe(3)
  })

  it('fails with a 401 RioHttpError for a wrong secret', async () => {
    const run = main({ dsn: `http://blog:wrong@127.0.0.1:${port}/blog` })
    await expect(run).rejects.toBeInstanceOf(RioHttpError)
    await expect(main({ dsn: `http://blog:wrong@127.0.0.1:${port}/blog` })).rejects.toMatchObject({
      status: 401,
      serverCode: 'unauthorized',
    })
    expect(stored.size).toBe(0)
  })

  it('reads RIO_DSN and COUNT from the environment, refusing a count that is not one', () => {
    const dsn = 'http://blog:s3cret@127.0.0.1:8009/blog'
    expect(optionsFromEnv({ RIO_DSN: dsn })).toEqual({ dsn, count: 3 })
    expect(optionsFromEnv({ RIO_DSN: dsn, COUNT: '5' })).toEqual({ dsn, count: 5 })
    // Number('abc') is NaN, and a loop to NaN emits nothing: that used to print "emitted 0 … events".
    for (const COUNT of ['abc', '0', '2.5', '-1'])
      expect(() => optionsFromEnv({ RIO_DSN: dsn, COUNT })).toThrow(/^COUNT must be a whole number/)
    expect(() => optionsFromEnv({})).toThrow(/^set RIO_DSN to the DSN Rio printed/)
  })
})
