import { describe, expect, it } from 'vitest'
import { startReceiver } from '../../../../test/support/receiver.js'
import { ManualClock } from '../../src/index.js'
import { onCleanup, waitUntil } from '../helpers.js'
import { admin, call, postJson, startApi } from './api-server.js'

describe('handler headers', () => {
  it('refuses header names and values an HTTP client cannot send, naming the header, and saves nothing', async () => {
    const { rio, url } = await startApi()
    await rio.createProject('shop')
    const cases: Array<[string, Record<string, string>, string]> = [
      ['value above U+00FF', { 'x-price': '9 €' }, 'headers.x-price'],
      ['value with a control character', { 'x-a': 'a\u0001b' }, 'headers.x-a'],
      ['value with DEL', { 'x-a': 'a\u007fb' }, 'headers.x-a'],
      ['value with CR LF', { 'x-a': 'b\r\nx-evil: 1' }, 'headers.x-a'],
      ['name with a space', { 'x team': 'a' }, 'headers.x team'],
      ['name with a non-ASCII letter', { 'x-ü': 'a' }, 'headers.x-ü'],
      ['empty name', { '': 'a' }, 'headers.'],
    ]
    for (const [what, headers, path] of cases) {
      const res = await postJson(
        `${url}/api/v1/projects/shop/handlers`,
        { pattern: 'order.*', url: 'http://127.0.0.1:9/', headers },
        admin,
      )
      expect(res.status, what).toBe(400)
      expect(res.body.error.code, what).toBe('invalid_handler')
      expect(
        res.body.error.issues.map((i: { path: string }) => i.path),
        what,
      ).toEqual([path])
    }
    expect(await rio.listHandlers()).toEqual([])

    const created = await postJson(
      `${url}/api/v1/projects/shop/handlers`,
      { pattern: 'order.*', url: 'http://127.0.0.1:9/', headers: { 'x-a': 'ok' } },
      admin,
    )
    const patched = await call(`${url}/api/v1/handlers/${created.body.id}`, {
      method: 'PATCH',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ headers: { 'x-a': '€' } }),
    })
    expect(patched.status).toBe(400)
    expect(patched.body.error.issues[0].path).toBe('headers.x-a')
    expect(await rio.getHandler(created.body.id)).toMatchObject({ headers: { 'x-a': 'ok' } })
  })

  it('delivers every header value it accepts: tab, space, visible ASCII and U+0080–U+00FF', async () => {
    const receiver = await startReceiver()
    onCleanup(() => receiver.close())
    const { rio, url } = await startApi()
    await rio.createProject('shop')
    const value = 'café\tau lait ~!"#'
    const created = await postJson(
      `${url}/api/v1/projects/shop/handlers`,
      { pattern: 'order.*', url: receiver.url, headers: { 'X-Team': value }, retrySchedule: [0] },
      admin,
    )
    expect(created.status).toBe(201)
    await rio.start()
    await rio.emit('order.paid', {}, { project: 'shop' })
    const request = await waitUntil(() => receiver.requests[0], 'a delivery')
    // Node reads header bytes as latin1: U+00E9 went out as the one byte 0xE9.
    expect(request.headers['x-team']).toBe(value)
    await waitUntil(
      async () => (await rio.listDeliveries({}))[0]?.status === 'succeeded',
      'the delivery to succeed',
    )
  })

  it('refuses unknown fields when creating a handler, as when updating one', async () => {
    const { rio, url } = await startApi()
    await rio.createProject('shop')
    for (const field of ['retrySchedual', 'kind', 'bogus']) {
      const res = await postJson(
        `${url}/api/v1/projects/shop/handlers`,
        { pattern: 'order.*', url: 'http://127.0.0.1:9/', [field]: 1 },
        admin,
      )
      expect(res.status, field).toBe(400)
      expect(res.body.error.message, field).toContain(field)
    }
    expect(await rio.listHandlers()).toEqual([])
  })
})

describe('handler recovery', () => {
  it('answers 400 with an issue at since for a since more than 60 s ahead of the server clock', async () => {
    const T0 = Date.parse('2026-01-01T00:00:00Z')
    const { rio, url } = await startApi({ rio: { clock: new ManualClock(T0) } })
    await rio.createProject('shop')
    const handler = (
      await postJson(
        `${url}/api/v1/projects/shop/handlers`,
        { pattern: 'x', url: 'http://127.0.0.1:9/' },
        admin,
      )
    ).body
    const recover = `${url}/api/v1/handlers/${handler.id}/recover`
    for (const since of ['2062-01-01', '2026-01-01T00:01:00.001Z']) {
      const res = await postJson(recover, { since }, admin)
      expect(res.status, since).toBe(400)
      expect(res.body.error.code, since).toBe('invalid_argument')
      const shown = new Date(since).toISOString()
      expect(res.body.error.message, since).toContain(shown)
      expect(res.body.error.issues, since).toEqual([
        { path: 'since', message: expect.stringContaining('2026-01-01T00:00:00.000Z') },
      ])
    }
    // A minute ahead is another host's clock running fast, not a mistake.
    const skewed = await postJson(recover, { since: '2026-01-01T00:01:00Z' }, admin)
    expect(skewed.status).toBe(200)
    expect(skewed.body).toEqual({ requeued: 0 })
  })
})
