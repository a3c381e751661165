import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { type Clock, Rio, systemClock, UnrecoverableError } from '../../src/index.js'
import { onCleanup, tempDir, waitUntil } from '../helpers.js'
import { call, startApi } from './api-server.js'

describe('health routes', () => {
  it('answers /_health/ with ok and the original /health/ with OK, without credentials', async () => {
    const { url } = await startApi()
    for (const [path, text] of [
      ['/_health/', 'ok'],
      ['/_health', 'ok'],
      ['/health/', 'OK'],
    ]) {
      const res = await call(`${url}${path}`)
      expect(res.status, path).toBe(200)
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/)
      expect(res.body).toBe(text)
    }
  })

  it('answers /_health/?full with 200 and no problems when all is well', async () => {
    const { rio, url } = await startApi()
    await rio.start()
    const res = await call(`${url}/_health/?full`)
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ ok: true, problems: [] })
  })

  it('answers 500 naming the problem when a delivery died in the last hour', async () => {
    const { rio, url } = await startApi()
    rio.on('payment-failed', 'charge', () => {
      throw new UnrecoverableError('card refused for good')
    })
    await rio.start()
    const { id } = await rio.emit('payment-failed', {})
    await waitUntil(
      async () => (await rio.listDeliveries({ eventId: id, status: 'dead' })).length === 1,
      'dead',
    )
    const res = await call(`${url}/_health/?full`)
    expect(res.status).toBe(500)
    expect(res.body.ok).toBe(false)
    expect(res.body.problems).toEqual([expect.stringMatching(/^1 dead delivery in the last hour/)])
  })

  it('reports a backlog of due deliveries over the threshold', async () => {
    const { rio, url } = await startApi({ api: { backlogThreshold: 1 } })
    rio.on('x', 'slowpoke', () => undefined)
    // Not started: deliveries stay due.
    await rio.emitMany([{ name: 'x' }, { name: 'x' }])
    const res = await call(`${url}/_health/?full`)
    expect(res.status).toBe(500)
    expect(res.body.problems).toEqual(['2 deliveries are due and waiting (threshold 1)'])
  })

  it('counts one due delivery in the singular', async () => {
    const { rio, url } = await startApi({ api: { backlogThreshold: 0 } })
    rio.on('x', 'slowpoke', () => undefined)
    await rio.emit('x', null)
    const res = await call(`${url}/_health/?full`)
    expect(res.body.problems).toEqual(['1 delivery is due and waiting (threshold 0)'])
  })

  it('reports a started dispatcher whose heartbeat went stale', async () => {
    let skew = 0
    const clock: Clock = { ...systemClock, now: () => Date.now() + skew }
    const { rio, url } = await startApi({
      rio: { clock, pollIntervalMs: 600_000 },
      api: { heartbeatStaleMs: 60_000 },
    })
    await rio.start()
    await waitUntil(() => rio.heartbeat > 0, 'first round')
    expect((await call(`${url}/_health/?full`)).status).toBe(200)
    skew = 120_000
    const res = await call(`${url}/_health/?full`)
    expect(res.status).toBe(500)
    expect(res.body.problems).toEqual([
      expect.stringMatching(/^the dispatcher has not finished a round for 12\d s/),
    ])
  })

  it('reports a database that cannot be written', async () => {
    const path = join(tempDir(), 'rio.db')
    await new Rio({ database: path }).stop()
    const db = new Database(path, { readonly: true })
    const rio = new Rio({ database: db })
    onCleanup(() => rio.stop())
    const server = await rio.listen({ port: 0 })
    onCleanup(() => server.close())
    const res = await call(`${server.url}/_health/?full`)
    expect(res.status).toBe(500)
    expect(res.body.problems).toEqual([expect.stringMatching(/^the database is not writable: .*readonly/)])
  })
})
