import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { call, eventCount, startApi, withSender } from './api-server.js'

const json = fc.jsonValue({ maxDepth: 4 })

/** Bodies a sender might send by mistake or malice. */
const body = fc.oneof(
  json.map((value) => JSON.stringify(value)),
  fc.record({ name: fc.string({ maxLength: 20 }), payload: json }).map((value) => JSON.stringify(value)),
  fc
    .record({
      events: fc.array(fc.record({ name: fc.string({ maxLength: 10 }), payload: json }), { maxLength: 4 }),
    })
    .map((value) => JSON.stringify(value)),
  fc.string({ maxLength: 200 }),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
)

const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  undefined,
)

const project = fc.oneof(
  fc.constant('shop'),
  fc.constant('other'),
  fc.string({ maxLength: 12 }).map((s) => encodeURIComponent(s)),
  fc.constantFrom('%2e%2e', '%2F', '..%2f..', '%00', '%ff', '%', 'shop%2Fevents'),
)

describe('emit route under random input', () => {
  it('always answers a JSON 2xx or 4xx, stays up, and writes only for a 202', async () => {
    const { rio, url } = await startApi({ api: { failedAuthLimit: false } })
    const sender = await withSender(rio)
    await rio.createProject('other')
    const authorization = fc.constantFrom(
      sender.authorization,
      'Basic Og==',
      'Bearer x',
      'Basic %%',
      undefined,
    )
    let written = 0
    await fc.assert(
      fc.asyncProperty(
        project,
        body,
        contentType,
        authorization,
        fc.string({ maxLength: 30 }),
        async (p, b, type, auth, key) => {
          const headers: Record<string, string> = {}
          if (type) headers['content-type'] = type
          if (auth) headers.authorization = auth
          // Header values must be ByteStrings without CR/LF for fetch; drop the rest.
          if (/^[\x20-\x7e]*$/.test(key) && key.trim() === key) headers['idempotency-key'] = key
          const before = await eventCount(rio)
          const res = await call(`${url}/api/v1/projects/${p}/events`, { method: 'POST', headers, body: b })
          expect(res.status === 202 || (res.status >= 400 && res.status < 500), `status ${res.status}`).toBe(
            true,
          )
          expect(res.headers.get('content-type')).toMatch(/^application\/json/)
          const after = await eventCount(rio)
          if (res.status === 202) {
            expect(res.body.id ?? res.body.ids).toBeDefined()
            written += after - before
          } else {
            expect(res.body.error.code).toBeTypeOf('string')
            expect(after).toBe(before)
          }
        },
      ),
      { numRuns: 150 },
    )
    expect(await eventCount(rio)).toBe(written)
    expect((await call(`${url}/_health/`)).body).toBe('ok')
  })
})
