import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import type { ResponseDoc } from '../../src/http/route.js'
import { apiRoutes } from '../../src/http/route-table.js'
import {
  type JsonSchema,
  type OpenApiDocument,
  openApiDocument,
  UnrecoverableError,
} from '../../src/index.js'
import { onCleanup, waitUntil } from '../helpers.js'
import { type Answer, admin, basic, call, startApi } from './api-server.js'
import { inline } from './openapi-schema.js'

const openApiPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')

/** Validates with the JSON Schema as the document states it, not with the zod schema it came from. */
function documentAccepts(schema: JsonSchema, value: unknown): boolean {
  return z.fromJSONSchema(schema as z.core.JSONSchema.JSONSchema).safeParse(value).success
}

/** The documented success answers: `operationId status media-type`. */
function documentedSuccesses(doc: OpenApiDocument): string[] {
  return Object.values(doc.paths).flatMap((item) =>
    Object.values(item).flatMap((op) =>
      Object.entries(op.responses)
        .filter(([status]) => Number(status) < 300)
        .flatMap(([status, response]) =>
          Object.keys(response.content ?? { none: {} }).map((type) => `${op.operationId} ${status} ${type}`),
        ),
    ),
  )
}

/**
 * Calls the API and holds the answer to the document: the status must be `expected` and
 * documented for the operation, and the body must match both the operation's JSON Schema (from
 * the document, `$ref`s resolved) and the route's strict zod schema; with a field added or one
 * removed, both must refuse it. Records what it checked.
 */
function checker(doc: OpenApiDocument) {
  const checked = new Set<string>()
  async function expectAnswer(
    operationId: string,
    expected: number,
    url: string,
    init: RequestInit = {},
  ): Promise<Answer> {
    const route = apiRoutes.find((r) => r.doc.operationId === operationId)
    if (!route) throw new Error(`no route has operationId ${operationId}`)
    const answer = await call(url, { method: route.method, ...init })
    expect(answer.status, `${operationId}: ${JSON.stringify(answer.body)}`).toBe(expected)
    const operation = doc.paths[openApiPath(route.path)]?.[route.method.toLowerCase()]
    const documented = operation?.responses[String(expected)]
    expect(documented, `${operationId} documents ${expected}`).toBeDefined()
    const given = route.doc.responses[expected] as string | ResponseDoc | undefined
    const responseDoc: ResponseDoc | undefined = typeof given === 'string' ? { description: given } : given
    const type = answer.headers.get('content-type')?.split(';')[0] ?? 'none'
    checked.add(`${operationId} ${expected} ${type}`)
    if (type === 'none') {
      expect(documented?.content, `${operationId} ${expected} has no body`).toBeUndefined()
      expect(answer.body).toBe('')
      return answer
    }
    const stated = documented?.content?.[type]?.schema
    expect(stated, `${operationId} ${expected} documents ${type}`).toBeDefined()
    const schema = inline(stated, doc) as JsonSchema
    const zodSchema = type === 'text/plain' ? responseDoc?.text : responseDoc?.schema
    expect(zodSchema, `${operationId} ${expected} ${type} names its zod schema`).toBeDefined()
    const what = `${operationId} ${expected} ${type}: ${JSON.stringify(answer.body).slice(0, 500)}`
    expect(documentAccepts(schema, answer.body), `the document's schema refuses ${what}`).toBe(true)
    const parsed = zodSchema!.safeParse(answer.body)
    expect(parsed.success, `the zod schema refuses ${what}: ${parsed.error?.message}`).toBe(true)
    if (typeof answer.body === 'object' && answer.body !== null && !Array.isArray(answer.body)) {
      const extra = { ...answer.body, unexpectedField: 1 }
      expect(documentAccepts(schema, extra), `the document's schema takes an extra field: ${what}`).toBe(
        false,
      )
      expect(zodSchema!.safeParse(extra).success, `the zod schema takes an extra field: ${what}`).toBe(false)
      for (const key of Object.keys(answer.body)) {
        const { [key]: _dropped, ...missing } = answer.body
        expect(documentAccepts(schema, missing), `the document's schema takes ${what} without ${key}`).toBe(
          false,
        )
        expect(zodSchema!.safeParse(missing).success, `the zod schema takes ${what} without ${key}`).toBe(
          false,
        )
      }
    }
    return answer
  }
  return { expectAnswer, checked }
}

/** A webhook receiver on 127.0.0.1 that answers 500 to its first request and 200 after. */
async function flakyReceiver(): Promise<{ url: string; requests: () => number }> {
  let requests = 0
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      requests += 1
      res.writeHead(requests === 1 ? 500 : 200, { 'content-type': 'text/plain' })
      res.end(requests === 1 ? 'try again' : 'thanks')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onCleanup(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, requests: () => requests }
}

describe('OpenAPI response schemas', () => {
  it('names a schema for every success answer with a body, in components.schemas', () => {
    const doc = openApiDocument()
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        for (const [status, response] of Object.entries(op.responses)) {
          if (Number(status) >= 300) continue
          for (const [type, { schema }] of Object.entries(response.content ?? {})) {
            expect(Object.keys(schema), `${method} ${path} ${status} ${type}`).not.toEqual([])
            const ref = (schema as { $ref?: string }).$ref
            if (ref !== undefined) expect(doc.components.schemas[ref.split('/').at(-1)!]).toBeDefined()
          }
        }
      }
    }
    // Reused schemas are written once and referred to.
    const text = JSON.stringify(doc)
    expect(text.match(/"#\/components\/schemas\/Delivery"/g)?.length).toBeGreaterThanOrEqual(3)
    expect(doc.components.schemas.Event).toMatchObject({ additionalProperties: false })
  })

  it('every success answer of a realistic flow matches the schema the document gives its route and status', async () => {
    const doc = openApiDocument()
    const { expectAnswer, checked } = checker(doc)
    const receiver = await flakyReceiver()
    const { rio, url } = await startApi()
    const api = `${url}/api/v1`
    const json = (body: unknown, headers: Record<string, string> = admin): RequestInit => ({
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    })

    await expectAnswer('healthOriginal', 200, `${url}/health`)
    await expectAnswer('health', 200, `${url}/_health`)
    await expectAnswer('getOpenApiDocument', 200, `${api}/openapi.json`)

    // Projects and senders.
    await expectAnswer('createProject', 201, `${api}/projects`, json({ name: 'shop' }))
    await expectAnswer('listProjects', 200, `${api}/projects`, { headers: admin })
    const created = await expectAnswer(
      'createSender',
      201,
      `${api}/projects/shop/senders`,
      json({ name: 'checkout' }),
    )
    const sender = { authorization: basic('checkout', created.body.secret) }
    await expectAnswer('createSender', 201, `${api}/projects/shop/senders`, json({ name: 'spare' }))
    await expectAnswer('listSenders', 200, `${api}/projects/shop/senders`, { headers: admin })
    await expectAnswer('deleteSender', 204, `${api}/projects/shop/senders/spare`, { headers: admin })

    // A webhook that fails once, and a function handler that refuses for good.
    const hook = await expectAnswer(
      'createHandler',
      201,
      `${api}/projects/shop/handlers`,
      json({ pattern: 'order.paid', name: 'fulfilment', url: receiver.url, retrySchedule: [20, 20, 20] }),
    )
    rio.on(
      'order.refunded',
      'refunds',
      () => {
        throw new UnrecoverableError('refund refused for good')
      },
      { project: 'shop' },
    )
    await rio.start()
    await expectAnswer('health', 200, `${url}/_health?full`)

    // Emitting: one event, the same again, a batch, and the original route (GET and POST).
    const one = await expectAnswer(
      'emitEvents',
      202,
      `${api}/projects/shop/events`,
      json({ name: 'order.paid', payload: { order: 1 } }, { ...sender, 'idempotency-key': 'order-1' }),
    )
    const again = await expectAnswer(
      'emitEvents',
      202,
      `${api}/projects/shop/events`,
      json({ name: 'order.paid', payload: { order: 1 } }, { ...sender, 'idempotency-key': 'order-1' }),
    )
    expect(again.body).toEqual({ id: one.body.id, duplicate: true })
    await expectAnswer(
      'emitEvents',
      202,
      `${api}/projects/shop/events`,
      json({
        events: [
          { name: 'order.paid', payload: { order: 2 } },
          { name: 'order.refunded', payload: {} },
        ],
      }),
    )
    await expectAnswer('emitOriginalGet', 200, `${url}/event/shop/emit/order.paid?order=3`, {
      headers: sender,
    })
    await expectAnswer('emitOriginalPost', 200, `${url}/event/shop/emit/order.paid`, {
      headers: { ...sender, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'order=4',
    })

    // Every webhook delivery succeeded (the first after a 500); the function's died.
    await waitUntil(
      async () =>
        (await rio.listDeliveries({ project: 'shop', status: 'succeeded', limit: 10 })).length === 4 &&
        (await rio.listDeliveries({ project: 'shop', status: 'dead', limit: 10 })).length === 1,
      'four succeeded deliveries and one dead',
    )
    expect(receiver.requests()).toBe(5)
    await expectAnswer('health', 500, `${url}/_health?full`)

    // Reading events and deliveries.
    await expectAnswer('listEvents', 200, `${api}/events?project=shop&limit=2`, { headers: admin })
    const event = await expectAnswer('getEvent', 200, `${api}/events/${one.body.id}`, { headers: admin })
    expect(event.body.deliveries).toHaveLength(1)
    await expectAnswer('listDeliveries', 200, `${api}/deliveries?project=shop`, { headers: admin })
    const retried = await expectAnswer(
      'getDelivery',
      200,
      `${api}/deliveries/${event.body.deliveries[0].id}`,
      {
        headers: admin,
      },
    )
    expect(retried.body.attempts.map((a: { status: number }) => a.status)).toEqual([500, 200])

    // Operating handlers.
    const listed = await expectAnswer('listHandlers', 200, `${api}/projects/shop/handlers`, {
      headers: admin,
    })
    expect(listed.body.data.map((h: { kind: string }) => h.kind).sort()).toEqual(['function', 'webhook'])
    const fn = listed.body.data.find((h: { kind: string }) => h.kind === 'function')
    await expectAnswer('getHandler', 200, `${api}/handlers/${hook.body.id}`, { headers: admin })
    await expectAnswer('getHandler', 200, `${api}/handlers/${fn.id}`, { headers: admin })
    await expectAnswer('updateHandler', 200, `${api}/handlers/${hook.body.id}`, json({ timeoutMs: 5000 }))
    await expectAnswer(
      'disableHandler',
      200,
      `${api}/handlers/${hook.body.id}/disable`,
      json({ reason: 'manual' }),
    )
    await expectAnswer('enableHandler', 200, `${api}/handlers/${hook.body.id}/enable`, { headers: admin })
    const recovered = await expectAnswer('recoverHandler', 200, `${api}/handlers/${fn.id}/recover`, {
      headers: admin,
    })
    expect(recovered.body).toEqual({ requeued: 1 })
    await expectAnswer('redeliverDelivery', 200, `${api}/deliveries/${retried.body.id}/redeliver`, {
      headers: admin,
    })
    await expectAnswer('deleteHandler', 200, `${api}/handlers/${fn.id}`, { headers: admin })

    // Every documented success answer, with each of its media types, was checked.
    expect([...checked].filter((c) => !c.includes(' 500 ')).sort()).toEqual(documentedSuccesses(doc).sort())
    expect(checked).toContain('health 500 application/json')
  })

  it('refuses answers of another shape: a Date left unserialised, a wrong kind, a missing secret', () => {
    const doc = openApiDocument()
    const handler = inline(doc.components.schemas.Handler, doc) as JsonSchema
    const base = {
      id: 'h1',
      project: 'shop',
      name: 'fulfilment',
      pattern: 'order.paid',
      enabled: true,
      disabledReason: null,
      concurrency: 10,
      rateLimit: null,
      retrySchedule: null,
      failingSince: null,
      createdAt: '2026-01-02T03:04:05.678Z',
      updatedAt: '2026-01-02T03:04:05.678Z',
    }
    const webhook = {
      ...base,
      kind: 'webhook',
      url: 'http://127.0.0.1/hook',
      method: 'POST',
      contentType: 'json',
      secrets: ['whsec_x'],
      headers: {},
      timeoutMs: 30000,
    }
    expect(documentAccepts(handler, webhook)).toBe(true)
    expect(documentAccepts(handler, { ...base, kind: 'function' })).toBe(true)
    expect(documentAccepts(handler, { ...webhook, createdAt: 'yesterday' })).toBe(false)
    expect(documentAccepts(handler, { ...webhook, kind: 'function' })).toBe(false)
    const { secrets: _secrets, ...listed } = webhook
    expect(documentAccepts(handler, listed)).toBe(false)
    const list = inline(doc.components.schemas.HandlerPage, doc) as JsonSchema
    expect(documentAccepts(list, { data: [listed], nextCursor: null })).toBe(true)
    expect(documentAccepts(list, { data: [webhook], nextCursor: null })).toBe(false)
  })
})
