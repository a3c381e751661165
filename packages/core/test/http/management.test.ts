import { verify } from '@rio/signature'
import { describe, expect, it } from 'vitest'
import { startReceiver } from '../../../../test/support/receiver.js'
import { makeRio, onCleanup, waitUntil } from '../helpers.js'
import { admin, basic, call, postJson, startApi } from './api-server.js'

async function receiver() {
  const r = await startReceiver()
  onCleanup(() => r.close())
  return r
}

describe('management API', () => {
  it('creates a project, sender and handler, shows a failed delivery and redelivers it', async () => {
    const r = await receiver()
    r.respond(() => ({ status: 500 }))
    const { rio, url } = await startApi()
    await rio.start()

    expect((await postJson(`${url}/api/v1/projects`, { name: 'shop' }, admin)).status).toBe(201)
    expect((await postJson(`${url}/api/v1/projects`, { name: 'shop' }, admin)).status).toBe(409)
    const sender = await postJson(`${url}/api/v1/projects/shop/senders`, { name: 'checkout' }, admin)
    expect(sender.status).toBe(201)
    expect(sender.body.sender).toEqual({ project: 'shop', name: 'checkout', createdAt: expect.any(String) })
    expect(new Date(sender.body.sender.createdAt).toISOString()).toBe(sender.body.sender.createdAt)
    const created = await postJson(
      `${url}/api/v1/projects/shop/handlers`,
      { pattern: 'order.*', url: r.url, retrySchedule: [0] },
      admin,
    )
    expect(created.status).toBe(201)
    const handler = created.body
    expect(handler).toMatchObject({ project: 'shop', pattern: 'order.*', url: r.url, enabled: true })
    expect(handler.secrets).toHaveLength(1)

    const listed = await call(`${url}/api/v1/projects/shop/handlers`, { headers: admin })
    expect(listed.body.data.map((h: { id: string }) => h.id)).toEqual([handler.id])
    expect(listed.body.data[0].secrets).toBeUndefined()

    const emitted = await postJson(
      `${url}/api/v1/projects/shop/events`,
      { name: 'order.paid', payload: { order: 7 } },
      { authorization: basic('checkout', sender.body.secret) },
    )
    expect(emitted.status).toBe(202)
    const eventId = emitted.body.id

    const dead = await waitUntil(async () => {
      const res = await call(`${url}/api/v1/deliveries?event=${eventId}&status=dead`, { headers: admin })
      return res.body.data[0]
    }, 'the delivery to die')
    expect(dead).toMatchObject({
      eventId,
      handlerId: handler.id,
      status: 'dead',
      attempts: 1,
      lastStatus: 500,
    })
    const event = await call(`${url}/api/v1/events/${eventId}`, { headers: admin })
    expect(event.body).toMatchObject({ id: eventId, name: 'order.paid', payload: { order: 7 } })
    expect(event.body.deliveries.map((d: { id: string }) => d.id)).toEqual([dead.id])

    r.respond(() => ({ status: 200 }))
    const redelivered = await call(`${url}/api/v1/deliveries/${dead.id}/redeliver`, {
      method: 'POST',
      headers: admin,
    })
    expect(redelivered.status).toBe(200)
    expect(redelivered.body.id).toBe(dead.id)
    const done = await waitUntil(async () => {
      const res = await call(`${url}/api/v1/deliveries/${dead.id}`, { headers: admin })
      return res.body.status === 'succeeded' && res.body
    }, 'the redelivery to succeed')
    expect(done.attempts.map((a: { number: number; status: number }) => [a.number, a.status])).toEqual([
      [1, 500],
      [2, 200],
    ])

    // Both requests were signed with the handler's secret, with the same webhook-id.
    expect(r.requests).toHaveLength(2)
    for (const request of r.requests) {
      expect(verify(request.body, request.headers, handler.secrets).id).toBe(eventId)
    }
  })

  it('updates, disables, enables, recovers and removes a handler', async () => {
    const r = await receiver()
    const { rio, url } = await startApi()
    await rio.createProject('shop')
    const handler = (
      await postJson(`${url}/api/v1/projects/shop/handlers`, { pattern: 'x', url: r.url }, admin)
    ).body
    const base = `${url}/api/v1/handlers/${handler.id}`
    const patched = await call(base, {
      method: 'PATCH',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ pattern: 'y.*', timeoutMs: 1000 }),
    })
    expect(patched.body).toMatchObject({ pattern: 'y.*', timeoutMs: 1000 })
    const bad = await call(base, {
      method: 'PATCH',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ timeoutMs: -5 }),
    })
    expect(bad.status).toBe(400)
    expect(bad.body.error.code).toBe('invalid_handler')
    const disabled = await postJson(`${base}/disable`, { reason: 'maintenance' }, admin)
    expect(disabled.body).toMatchObject({ enabled: false, disabledReason: 'maintenance' })
    expect((await call(`${base}/enable`, { method: 'POST', headers: admin })).body.enabled).toBe(true)
    const recovered = await postJson(`${base}/recover`, { since: '2020-01-01T00:00:00Z' }, admin)
    expect(recovered.body).toEqual({ requeued: 0 })
    expect((await postJson(`${base}/recover`, { since: 'last week' }, admin)).status).toBe(400)
    const removed = await call(base, { method: 'DELETE', headers: admin })
    expect(removed.body).toEqual({ deleted: true, cancelled: 0 })
    expect((await call(base, { headers: admin })).status).toBe(404)
  })

  it('lists and revokes senders without ever showing a secret or its hash', async () => {
    const { url } = await startApi()
    await postJson(`${url}/api/v1/projects`, { name: 'shop' }, admin)
    const created = await postJson(
      `${url}/api/v1/projects/shop/senders`,
      { name: 'web', secret: 'my-own-secret' },
      admin,
    )
    expect(created.body.secret).toBe('my-own-secret')
    const list = await call(`${url}/api/v1/projects/shop/senders`, { headers: admin })
    expect(list.body).toEqual({ data: [{ project: 'shop', name: 'web', createdAt: expect.any(String) }] })
    expect(JSON.stringify(list.body)).not.toContain('secret')
    expect(
      (await call(`${url}/api/v1/projects/shop/senders/web`, { method: 'DELETE', headers: admin })).status,
    ).toBe(204)
    expect(
      (await call(`${url}/api/v1/projects/shop/senders/web`, { method: 'DELETE', headers: admin })).status,
    ).toBe(404)
    const emit = await postJson(
      `${url}/api/v1/projects/shop/events`,
      { name: 'x' },
      { authorization: basic('web', 'my-own-secret') },
    )
    expect(emit.status).toBe(401)
    expect((await call(`${url}/api/v1/projects/nowhere/senders`, { headers: admin })).status).toBe(404)
  })

  it('pages events and deliveries with cursors, newest first, without gaps or repeats', async () => {
    const { rio, url } = await startApi()
    rio.on('tick', 'counter', () => undefined)
    const ids: string[] = []
    for (let i = 0; i < 5; i++) ids.push((await rio.emit('tick', { i })).id)
    // Ids are UUIDv7 that keep the order they were made in, within one millisecond too.
    expect([...ids].sort()).toEqual(ids)
    for (const [path, expected] of [
      // Newest first: the reverse of the emit order.
      ['/api/v1/events?name=tick&limit=2', [...ids].reverse()],
      ['/api/v1/deliveries?limit=2', null],
    ] as const) {
      const seen: string[] = []
      let next: string | null = path
      let pages = 0
      while (next !== null) {
        const res = await call(`${url}${next}`, { headers: admin })
        expect(res.status).toBe(200)
        expect(res.body.data.length).toBeLessThanOrEqual(2)
        seen.push(...res.body.data.map((item: { id: string }) => item.id))
        next =
          res.body.nextCursor === null ? null : `${path}&before=${encodeURIComponent(res.body.nextCursor)}`
        pages++
      }
      expect(pages).toBe(3)
      expect(new Set(seen).size).toBe(5)
      if (expected) expect(seen).toEqual(expected)
    }
  })

  it('answers 401 without or with a wrong admin token, and 403 when none is configured', async () => {
    const { url } = await startApi()
    const missing = await call(`${url}/api/v1/projects`)
    expect(missing.status).toBe(401)
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="rio"')
    const wrong = await call(`${url}/api/v1/projects`, {
      headers: { authorization: 'Bearer wrong-token-wrong-token' },
    })
    expect(wrong.status).toBe(401)

    const rio = makeRio()
    const open = await rio.listen({ port: 0 })
    onCleanup(() => open.close())
    const disabled = await call(`${open.url}/api/v1/projects`, { headers: admin })
    expect(disabled.status).toBe(403)
    expect(disabled.body.error).toMatchObject({
      code: 'admin_api_disabled',
      message: expect.stringContaining('no admin token is configured'),
    })
  })
})
