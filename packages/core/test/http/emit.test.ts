import { describe, expect, it } from 'vitest'
import { admin, basic, call, eventCount, postJson, startApi, withSender } from './api-server.js'

const events = (url: string, project = 'shop') => `${url}/api/v1/projects/${project}/events`

describe('POST /api/v1/projects/:project/events', () => {
  it('answers 202 with the id only once the event is stored', async () => {
    const { rio, url } = await startApi()
    const sender = await withSender(rio)
    const res = await postJson(
      events(url),
      { name: 'order-paid', payload: { order: 7 } },
      { authorization: sender.authorization },
    )
    expect(res.status).toBe(202)
    expect(res.body).toEqual({ id: expect.any(String), duplicate: false })
    // No waiting: the answer came after COMMIT.
    const event = await rio.getEvent(res.body.id)
    expect(event).toMatchObject({ project: 'shop', name: 'order-paid', payload: { order: 7 } })
  })

  it('answers 401 with a Basic challenge when credentials are missing, malformed or wrong', async () => {
    const { rio, url } = await startApi()
    const sender = await withSender(rio)
    for (const authorization of [
      undefined,
      'Basic !!!',
      'Basic bm9jb2xvbg==', // "nocolon"
      basic(sender.name, 'wrong-secret'),
      basic('nobody', sender.secret),
      'Bearer not-the-admin-token-at-all',
    ]) {
      const res = await postJson(
        events(url),
        { name: 'x', payload: {} },
        authorization ? { authorization } : {},
      )
      expect(res.status, String(authorization)).toBe(401)
      expect(res.body.error.code).toBe('unauthorized')
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm="rio"/)
    }
    expect(await eventCount(rio)).toBe(0)
  })

  it('answers 403 to a sender of another project', async () => {
    const { rio, url } = await startApi()
    const sender = await withSender(rio, 'shop')
    await rio.createProject('billing')
    const res = await postJson(
      events(url, 'billing'),
      { name: 'x', payload: {} },
      { authorization: sender.authorization },
    )
    expect(res.status).toBe(403)
    expect(res.body.error).toMatchObject({ code: 'forbidden', message: expect.stringContaining('billing') })
    expect(await eventCount(rio)).toBe(0)
  })

  it('lets the admin token emit into any existing project, and 404s an unknown one', async () => {
    const { rio, url } = await startApi()
    await rio.createProject('billing')
    const ok = await postJson(events(url, 'billing'), { name: 'invoice-sent', payload: 1 }, admin)
    expect(ok.status).toBe(202)
    expect((await rio.getEvent(ok.body.id)).project).toBe('billing')
    const missing = await postJson(events(url, 'typo'), { name: 'x', payload: 1 }, admin)
    expect(missing.status).toBe(404)
    expect(missing.body.error.code).toBe('not_found')
    expect((await rio.listProjects()).map((p) => p.name)).not.toContain('typo')
  })

  it('stores a payload-less event with a null payload', async () => {
    const { rio, url } = await startApi()
    const sender = await withSender(rio)
    const res = await postJson(events(url), { name: 'ping' }, { authorization: sender.authorization })
    expect(res.status).toBe(202)
    expect((await rio.getEvent(res.body.id)).payload).toBeNull()
  })

  it('returns the first id and writes nothing for a repeated idempotency key (body or header)', async () => {
    const { rio, url } = await startApi()
    const { authorization } = await withSender(rio)
    const first = await postJson(
      events(url),
      { name: 'x', payload: 1, idempotencyKey: 'k1' },
      { authorization },
    )
    const again = await postJson(
      events(url),
      { name: 'x', payload: 1, idempotencyKey: 'k1' },
      { authorization },
    )
    expect(again.body).toEqual({ id: first.body.id, duplicate: true })
    // The key again with another payload is another event: 422, as the IETF Idempotency-Key draft asks.
    const reused = await postJson(
      events(url),
      { name: 'x', payload: 2, idempotencyKey: 'k1' },
      { authorization },
    )
    expect(reused.status).toBe(422)
    expect(reused.body.error).toMatchObject({ code: 'idempotency_key_reused' })
    expect(reused.body.error.message).toContain(first.body.id)
    const header = { authorization, 'idempotency-key': 'req-1' }
    const viaHeader = await postJson(events(url), { name: 'x', payload: 3 }, header)
    const retried = await postJson(events(url), { name: 'x', payload: 3 }, header)
    expect(retried.body).toEqual({ id: viaHeader.body.id, duplicate: true })
    expect(await eventCount(rio)).toBe(2)
  })

  it('emits a batch in order, and a retried batch with the same Idempotency-Key writes nothing new', async () => {
    const { rio, url } = await startApi()
    const { authorization } = await withSender(rio)
    const body = {
      events: [
        { name: 'a', payload: { n: 1 } },
        { name: 'b', payload: { n: 2 }, idempotencyKey: 'own-key' },
        { name: 'c', payload: { n: 3 } },
      ],
    }
    const headers = { authorization, 'idempotency-key': 'batch-42' }
    const first = await postJson(events(url), body, headers)
    expect(first.status).toBe(202)
    expect(first.body.ids).toHaveLength(3)
    const stored = await Promise.all(first.body.ids.map((id: string) => rio.getEvent(id)))
    expect(stored.map((e) => [e.name, e.idempotencyKey])).toEqual([
      ['a', 'batch-42:0'],
      ['b', 'own-key'],
      ['c', 'batch-42:2'],
    ])
    const retry = await postJson(events(url), body, headers)
    expect(retry.status).toBe(202)
    expect(retry.body.ids).toEqual(first.body.ids)
    expect(await eventCount(rio)).toBe(3)
    // Another batch under the same Idempotency-Key is refused whole.
    const changed = await postJson(
      events(url),
      {
        events: [
          { name: 'z', payload: {} },
          { name: 'a', payload: { n: 99 } },
        ],
      },
      headers,
    )
    expect(changed.status).toBe(422)
    expect(await eventCount(rio)).toBe(3)
  })

  it('writes nothing from a batch with one bad item', async () => {
    const { rio, url } = await startApi({ rio: { maxPayloadBytes: 100 } })
    const { authorization } = await withSender(rio)
    const res = await postJson(
      events(url),
      {
        events: [
          { name: 'ok', payload: 1 },
          { name: 'big', payload: 'x'.repeat(200) },
        ],
      },
      { authorization },
    )
    expect(res.status).toBe(413)
    expect(res.body.error).toMatchObject({
      code: 'payload_too_large',
      message: expect.stringContaining('events[1]'),
    })
    expect(await eventCount(rio)).toBe(0)
  })

  it('answers 429 with Retry-After after too many failed authentications from one address', async () => {
    const { rio, url } = await startApi({ api: { failedAuthLimit: 3 } })
    const { authorization } = await withSender(rio)
    for (let i = 0; i < 3; i++) {
      const res = await postJson(events(url), { name: 'x' }, { authorization: basic('checkout', `bad-${i}`) })
      expect(res.status).toBe(401)
    }
    const blocked = await postJson(events(url), { name: 'x' }, { authorization })
    expect(blocked.status).toBe(429)
    expect(blocked.body.error.code).toBe('rate_limited')
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0)
    const adminBlocked = await call(`${url}/api/v1/projects`, { headers: admin })
    expect(adminBlocked.status).toBe(429)
    expect(await eventCount(rio)).toBe(0)
  })
})
