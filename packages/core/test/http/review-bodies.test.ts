import { describe, expect, it } from 'vitest'
import { admin, basic, call, postJson, startApi } from './api-server.js'

describe('management request bodies (review)', () => {
  it('refuses an unknown field when creating a project or a sender, writing nothing', async () => {
    const { rio, url } = await startApi()
    const project = await postJson(`${url}/api/v1/projects`, { name: 'shop', nmae: 'typo' }, admin)
    expect(project.status).toBe(400)
    expect(project.body.error).toMatchObject({
      code: 'invalid_request',
      issues: [{ path: '', message: expect.stringContaining('nmae') }],
    })
    expect(await rio.listProjects()).toEqual([])

    await rio.createProject('shop')
    // A misspelt `secret` must not silently become a generated one the sender was never given.
    const sender = await postJson(
      `${url}/api/v1/projects/shop/senders`,
      { name: 'checkout', secrte: 'my-own-secret' },
      admin,
    )
    expect(sender.status).toBe(400)
    expect(sender.body.error).toMatchObject({
      code: 'invalid_request',
      issues: [{ path: '', message: expect.stringContaining('secrte') }],
    })
    expect(await rio.listSenders('shop')).toEqual([])

    const ok = await postJson(
      `${url}/api/v1/projects/shop/senders`,
      { name: 'checkout', secret: 'my-own-secret' },
      admin,
    )
    expect(ok.status).toBe(201)
    const emitted = await postJson(
      `${url}/api/v1/projects/shop/events`,
      { name: 'x' },
      { authorization: basic('checkout', 'my-own-secret') },
    )
    expect(emitted.status).toBe(202)
    expect((await call(`${url}/api/v1/projects`, { headers: admin })).body.data).toHaveLength(1)
  })
})

describe('emit request bodies', () => {
  it('refuses an unknown field in an event or a batch, writing nothing', async () => {
    const { rio, url } = await startApi()
    await rio.createProject('shop')
    const { secret } = await rio.createSender('shop', 'checkout')
    const auth = { authorization: basic('checkout', secret) }
    const emit = (body: unknown) => postJson(`${url}/api/v1/projects/shop/events`, body, auth)

    // A misspelt payload was stored as an event with a null payload.
    const typo = await emit({ name: 'order-paid', paylod: { order: 7 } })
    expect(typo.status).toBe(400)
    expect(typo.body.error).toMatchObject({
      code: 'invalid_request',
      issues: [{ path: '', message: expect.stringContaining('paylod') }],
    })
    // `events` beside `name` made it a single event and dropped the batch.
    const mixed = await emit({ name: 'a', events: [{ name: 'b' }, { name: 'c' }] })
    expect(mixed.status).toBe(400)
    expect(mixed.body.error.issues[0].message).toContain('events')
    const item = await emit({
      events: [
        { name: 'a', payload: 1 },
        { name: 'b', idempotency_key: 'k' },
      ],
    })
    expect(item.status).toBe(400)
    expect(item.body.error.issues).toEqual([
      expect.objectContaining({ path: 'events.1', message: expect.stringContaining('idempotency_key') }),
    ])
    const batch = await emit({ events: [{ name: 'a' }], dryRun: true })
    expect(batch.status).toBe(400)
    expect((await rio.listEvents({ project: 'shop' })).length).toBe(0)

    const ok = await emit({ name: 'order-paid', payload: { order: 7 }, idempotencyKey: 'order-7' })
    expect(ok.status).toBe(202)
    expect((await rio.listEvents({ project: 'shop' })).map((e) => e.payload)).toEqual([{ order: 7 }])
  })
})

describe('batch idempotency keys', () => {
  it('answers 422 naming both items when two events of one batch share a key', async () => {
    const { rio, url } = await startApi()
    await rio.createProject('shop')
    const { secret } = await rio.createSender('shop', 'checkout')
    const res = await postJson(
      `${url}/api/v1/projects/shop/events`,
      {
        events: [
          { name: 'a', payload: 1, idempotencyKey: 'k' },
          { name: 'a', payload: 2, idempotencyKey: 'k' },
        ],
      },
      { authorization: basic('checkout', secret) },
    )
    expect(res.status).toBe(422)
    expect(res.body.error).toMatchObject({
      code: 'idempotency_key_reused',
      message: expect.stringMatching(/^events\[0\] and events\[1\] use idempotency key "k"/),
    })
    expect(await rio.listEvents({ project: 'shop' })).toEqual([])
  })
})
