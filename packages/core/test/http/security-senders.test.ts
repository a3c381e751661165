import { describe, expect, it } from 'vitest'
import { admin, basic, call, postJson, startApi } from './api-server.js'

describe('sender secrets over the API', () => {
  it('refuses a secret holding a lone surrogate with 400 and stores no sender', async () => {
    const { rio, url } = await startApi()
    await rio.createProject('shop')
    const res = await postJson(
      `${url}/api/v1/projects/shop/senders`,
      { name: 'lone', secret: 'abcdef\ud800' },
      admin,
    )
    expect(res.status).toBe(400)
    expect(res.body.error.code).toBe('invalid_request')
    expect(res.body.error.issues).toEqual([
      { path: 'secret', message: expect.stringMatching(/lone surrogate/) },
    ])
    // Before: 500 after the sender was stored, and "abcdef\ufffd" (what UTF-8 makes of it) emitted.
    expect(await rio.listSenders('shop')).toEqual([])
    const emit = await postJson(
      `${url}/api/v1/projects/shop/events`,
      { name: 'x' },
      { authorization: basic('lone', 'abcdef\ufffd') },
    )
    expect(emit.status).toBe(401)
  })

  it('shows the secret once, with no-store and nosniff, and never again', async () => {
    const { rio, url } = await startApi()
    await rio.createProject('shop')
    // A colon in the secret is fine: Basic credentials split at the first one.
    const secret = 'pa:ss:wörd'
    const created = await postJson(`${url}/api/v1/projects/shop/senders`, { name: 'checkout', secret }, admin)
    expect(created.status).toBe(201)
    expect(created.headers.get('cache-control')).toBe('no-store')
    expect(created.headers.get('x-content-type-options')).toBe('nosniff')
    expect(created.body.secret).toBe(secret)

    const listed = await call(`${url}/api/v1/projects/shop/senders`, { headers: admin })
    expect(JSON.stringify(listed.body)).not.toContain('pa:ss')
    expect(JSON.stringify(listed.body)).not.toContain('scrypt')
    const emit = await postJson(
      `${url}/api/v1/projects/shop/events`,
      { name: 'x' },
      { authorization: basic('checkout', secret) },
    )
    expect(emit.status).toBe(202)
  })
})
