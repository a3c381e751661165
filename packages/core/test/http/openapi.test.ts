import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { compileErrors, validate } from '@readme/openapi-parser'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { webhookOptionsSchema } from '../../src/handlers/handler-options.js'
import { resolveApiOptions } from '../../src/http/api-options.js'
import { buildOpenApiDocument } from '../../src/http/openapi-document.js'
import type { Route } from '../../src/http/route.js'
import { apiRoutes } from '../../src/http/route-table.js'
import { listDeliveriesQuery, listEventsQuery } from '../../src/http/schemas.js'
import {
  EVENT_NAME_RE,
  HTTP_ERROR_STATUS,
  type JsonSchema,
  type OpenApiDocument,
  type OpenApiOperation,
  openApiDocument,
  RIO_ERROR_STATUS,
} from '../../src/index.js'
import { ADMIN_TOKEN, admin, call, startApi } from './api-server.js'

const DOCS_JSON = fileURLToPath(new URL('../../../../docs/openapi.json', import.meta.url))
const API_MD = fileURLToPath(new URL('../../../../docs/api.md', import.meta.url))

const openApiPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')

/** The operation of a route, found by its `operationId` in the route table. */
function operationOf(doc: OpenApiDocument, operationId: string): OpenApiOperation {
  const route = apiRoutes.find((r) => r.doc.operationId === operationId)
  if (!route) throw new Error(`no route has operationId ${operationId}`)
  const operation = doc.paths[openApiPath(route.path)]?.[route.method.toLowerCase()]
  if (!operation) throw new Error(`the document lacks ${route.method} ${route.path}`)
  return operation
}

/** The JSON request body schema of an operation. */
function bodySchema(doc: OpenApiDocument, operationId: string): JsonSchema {
  const schema = operationOf(doc, operationId).requestBody?.content['application/json']?.schema
  if (!schema) throw new Error(`${operationId} documents no JSON body`)
  return schema
}

/** Validates with the JSON Schema as the document states it (not with the zod schema it came from). */
function documentAccepts(schema: JsonSchema, value: unknown): boolean {
  return z.fromJSONSchema(schema as z.core.JSONSchema.JSONSchema).safeParse(value).success
}

describe('OpenAPI document', () => {
  it('matches the committed docs/openapi.json', () => {
    const committed = readFileSync(DOCS_JSON, 'utf8')
    expect(committed, 'docs/openapi.json is stale: run `pnpm run docs:openapi` and commit the result').toBe(
      `${JSON.stringify(openApiDocument(), null, 2)}\n`,
    )
  })

  it('is a valid OpenAPI 3.1 document by the schema of the specification, with every $ref resolving', async () => {
    // The checker may dereference what it is given: each call gets a copy.
    const check = (document: unknown) => validate(JSON.parse(JSON.stringify(document)))
    for (const document of [openApiDocument(), openApiDocument({ basePath: '/rio', maxBatchSize: 5 })]) {
      const result = await check(document)
      expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true)
      expect(result).toMatchObject({ specification: 'OpenAPI', warnings: [] })
    }
    // It would say so: a parameter in a place OpenAPI does not have, a $ref to nothing.
    const misplaced = JSON.parse(JSON.stringify(openApiDocument()))
    misplaced.paths['/api/v1/events'].get.parameters[0].in = 'body'
    expect((await check(misplaced)).valid).toBe(false)
    const dangling = JSON.parse(JSON.stringify(openApiDocument()))
    dangling.paths['/api/v1/events'].get.responses['200'].content['application/json'].schema = {
      $ref: '#/components/schemas/NoSuchSchema',
    }
    expect((await check(dangling)).valid).toBe(false)
  })

  it('has exactly one operation per route of the router, under its path and method, with its path parameters', () => {
    const doc = openApiDocument()
    const documented = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => `${method.toUpperCase()} ${path} ${op.operationId}`),
    )
    const routed = apiRoutes.map((r) => `${r.method} ${openApiPath(r.path)} ${r.doc.operationId}`)
    expect(documented.sort()).toEqual(routed.sort())
    expect(routed).toContain('GET /api/v1/openapi.json getOpenApiDocument')
    for (const route of apiRoutes) {
      const names = [...route.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1])
      const params = operationOf(doc, route.doc.operationId).parameters ?? []
      expect(
        params.filter((p) => p.in === 'path').map((p) => p.name),
        route.path,
      ).toEqual(names)
    }
  })

  it('serves every route of the table: none answers 404 route_not_found or 405', async () => {
    const { url } = await startApi()
    const sample: Record<string, string> = {
      project: 'shop',
      id: '0190f6a4-0000-7000-8000-000000000000',
      name: 'checkout',
      event: 'order.paid',
    }
    for (const route of apiRoutes) {
      const path = route.path.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => sample[name]!)
      // No credentials: nothing is written.
      const res = await call(`${url}${path}`, { method: route.method })
      expect(res.status, `${route.method} ${path}`).not.toBe(405)
      expect(res.body?.error?.code, `${route.method} ${path}`).not.toBe('route_not_found')
    }
  })

  it('names every route in docs/api.md as written there, with the query parameters its schema takes', () => {
    const markdown = readFileSync(API_MD, 'utf8')
    const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    for (const route of apiRoutes) {
      // `GET /api/v1/events?project&name`, `GET|POST /event/:project/emit/:event`, `GET /_health/`
      const pattern = new RegExp(`\`([A-Z|]+) ${escapeRegExp(route.path)}/?(?:\\?([^\`]*))?\``, 'g')
      const mentions = [...markdown.matchAll(pattern)].filter((m) => m[1]!.split('|').includes(route.method))
      expect(mentions.length, `docs/api.md never names \`${route.method} ${route.path}\``).toBeGreaterThan(0)
      const named = new Set(
        mentions.flatMap((m) => (m[2] ? m[2].split('&').map((pair) => pair.split('=')[0]!) : [])),
      )
      const taken = Object.keys(route.doc.query?.shape ?? {})
      expect([...named].sort(), `query parameters of ${route.method} ${route.path} in docs/api.md`).toEqual(
        taken.sort(),
      )
    }
  })

  it('serves the document at GET /api/v1/openapi.json without credentials and without the admin token', async () => {
    const { url } = await startApi()
    const res = await call(`${url}/api/v1/openapi.json`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8')
    // Readable by an API explorer on another origin; the rest of the API is not.
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    expect((await call(`${url}/_health/`)).headers.get('access-control-allow-origin')).toBeNull()
    expect(res.body.openapi).toBe('3.1.0')
    expect(res.body.servers).toEqual([{ url: '/', description: 'mounted at the root' }])
    expect(res.body.paths['/api/v1/openapi.json'].get.security).toEqual([])
    expect(res.body).toEqual(JSON.parse(JSON.stringify(openApiDocument())))
    expect(JSON.stringify(res.body)).not.toContain(ADMIN_TOKEN)
    expect((await call(`${url}/api/v1/openapi.json`, { method: 'HEAD' })).status).toBe(200)
  })

  it('serves it under a basePath, with that basePath as the server URL and its own limits', async () => {
    const { url } = await startApi({ api: { basePath: '/rio', maxBatchSize: 5, adminToken: undefined } })
    expect(url).toMatch(/\/rio$/)
    const res = await call(`${url}/api/v1/openapi.json`)
    expect(res.status).toBe(200)
    expect(res.body.openapi).toBe('3.1.0')
    expect(res.body.servers).toEqual([{ url: '/rio', description: 'mounted under /rio' }])
    const batch =
      res.body.paths['/api/v1/projects/{project}/events'].post.requestBody.content['application/json'].schema
        .anyOf[1]
    expect(batch.properties.events.maxItems).toBe(5)
    expect((await call(`${url.replace(/\/rio$/, '')}/api/v1/openapi.json`)).status).toBe(404)
    expect(openApiDocument({ publicUrl: 'https://rio.example.com/rio/' }).servers[0]!.url).toBe(
      'https://rio.example.com/rio',
    )
  })

  it('gives the emit body the JSON Schema of its zod schemas: name required, a batch of 1 to maxBatchSize', () => {
    const [item, batch] = bodySchema(openApiDocument(), 'emitEvents').anyOf as [
      { required: string[]; properties: Record<string, { pattern?: string }> },
      { required: string[]; properties: { events: { minItems: number; maxItems: number; items: unknown } } },
    ]
    expect(item.required).toEqual(['name'])
    expect(Object.keys(item.properties)).toEqual(['name', 'payload', 'idempotencyKey'])
    expect(item.properties.name!.pattern).toBe(EVENT_NAME_RE.source)
    expect(batch.required).toEqual(['events'])
    expect(batch.properties.events).toMatchObject({ minItems: 1, maxItems: 1000, items: item })
    const small = bodySchema(openApiDocument({ maxBatchSize: 7 }), 'emitEvents').anyOf as [
      unknown,
      typeof batch,
    ]
    expect(small[1].properties.events.maxItems).toBe(7)
  })

  it('shows the real webhook options in the handler bodies', () => {
    const doc = openApiDocument()
    const create = bodySchema(doc, 'createHandler') as {
      properties: Record<string, JsonSchema>
      required: string[]
      additionalProperties: boolean
    }
    expect(Object.keys(create.properties).sort()).toEqual(
      ['pattern', ...Object.keys(webhookOptionsSchema.shape)].sort(),
    )
    expect(create.required.sort()).toEqual(['pattern', 'url'])
    expect(create.additionalProperties).toBe(false)
    expect(create.properties.contentType).toMatchObject({ enum: ['json', 'form', 'form-payload'] })
    expect(create.properties.url!.description).toMatch(/templates/)
    const patch = bodySchema(doc, 'updateHandler') as typeof create & { minProperties: number }
    expect(Object.keys(patch.properties)).not.toEqual(expect.arrayContaining(['project']))
    expect(Object.keys(patch.properties).sort()).toEqual(
      Object.keys(create.properties)
        .filter((key) => !['project', 'name', 'enabled'].includes(key))
        .sort(),
    )
    expect(patch.required).toBeUndefined()
    expect(patch.minProperties).toBe(1)
  })

  it('accepts and refuses request bodies as the server does', async () => {
    const { rio, url } = await startApi()
    await rio.createProject('shop')
    const hook = await rio.webhook('order.*', { project: 'shop', url: 'http://127.0.0.1:9/hook' })
    const target = 'http://127.0.0.1:9/audit'
    const cases: [operationId: string, path: string, body: unknown, valid: boolean][] = [
      ['createProject', '/api/v1/projects', { name: 'books' }, true],
      ['createProject', '/api/v1/projects', { name: '-books' }, false],
      ['createProject', '/api/v1/projects', {}, false],
      [
        'createSender',
        '/api/v1/projects/shop/senders',
        { name: 'checkout', secret: 'checkout-secret' },
        true,
      ],
      ['createSender', '/api/v1/projects/shop/senders', { name: 'till', secret: '12345' }, false],
      ['emitEvents', '/api/v1/projects/shop/events', { name: 'order.paid', payload: { order: 7 } }, true],
      ['emitEvents', '/api/v1/projects/shop/events', { payload: { order: 7 } }, false],
      ['emitEvents', '/api/v1/projects/shop/events', { name: 'order paid' }, false],
      [
        'emitEvents',
        '/api/v1/projects/shop/events',
        {
          events: [
            { name: 'order.paid', payload: 1 },
            { name: 'order.shipped', idempotencyKey: 's-1' },
          ],
        },
        true,
      ],
      ['emitEvents', '/api/v1/projects/shop/events', { events: [] }, false],
      [
        'createHandler',
        '/api/v1/projects/shop/handlers',
        {
          pattern: 'order.*',
          url: target,
          name: 'audit',
          contentType: 'form',
          headers: { 'x-team': 'billing' },
          retrySchedule: [0, 1000],
          timeoutMs: 5000,
        },
        true,
      ],
      [
        'createHandler',
        '/api/v1/projects/shop/handlers',
        { pattern: 'order.*', url: target, colour: 'red' },
        false,
      ],
      [
        'createHandler',
        '/api/v1/projects/shop/handlers',
        { pattern: 'order.*', url: target, headers: { 'x team': 'a' } },
        false,
      ],
      [
        'createHandler',
        '/api/v1/projects/shop/handlers',
        { pattern: 'order.*', url: target, contentType: 'xml' },
        false,
      ],
      ['createHandler', '/api/v1/projects/shop/handlers', { url: target }, false],
      ['updateHandler', `/api/v1/handlers/${hook.id}`, { pattern: 'order.paid', timeoutMs: 5000 }, true],
      ['updateHandler', `/api/v1/handlers/${hook.id}`, {}, false],
      ['updateHandler', `/api/v1/handlers/${hook.id}`, { enabled: false }, false],
      ['disableHandler', `/api/v1/handlers/${hook.id}/disable`, { reason: 'maintenance' }, true],
      ['disableHandler', `/api/v1/handlers/${hook.id}/disable`, { why: 'maintenance' }, false],
      ['recoverHandler', `/api/v1/handlers/${hook.id}/recover`, { since: '2026-05-01T00:00:00Z' }, true],
      ['recoverHandler', `/api/v1/handlers/${hook.id}/recover`, { since: 'yesterday' }, false],
    ]
    const doc = openApiDocument()
    for (const [operationId, path, body, valid] of cases) {
      const what = `${operationId} ${JSON.stringify(body)}`
      expect(documentAccepts(bodySchema(doc, operationId), body), what).toBe(valid)
      const method = apiRoutes.find((r) => r.doc.operationId === operationId)!.method
      const res = await call(`${url}${path}`, {
        method,
        headers: { ...admin, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
      if (valid) expect(res.status, what).toBeLessThan(300)
      else expect(res.status, what).toBe(400)
    }
    expect(await rio.listEvents({ project: 'shop', limit: 10 })).toHaveLength(3)
  })

  it('documents query parameters, security and answers from the routes', () => {
    const doc = openApiDocument()
    const names = (operationId: string, where: string) =>
      (operationOf(doc, operationId).parameters ?? []).filter((p) => p.in === where).map((p) => p.name)
    expect(names('listEvents', 'query')).toEqual(Object.keys(listEventsQuery.shape))
    expect(names('listDeliveries', 'query')).toEqual(Object.keys(listDeliveriesQuery.shape))
    expect(names('emitEvents', 'header')).toEqual(['Idempotency-Key'])
    const limit = operationOf(doc, 'listEvents').parameters!.find((p) => p.name === 'limit')!
    expect(limit).toMatchObject({ required: false, schema: { type: 'string', pattern: '^\\d{1,7}$' } })

    expect(doc.components.securitySchemes).toMatchObject({
      adminToken: { type: 'http', scheme: 'bearer' },
      senderBasic: { type: 'http', scheme: 'basic' },
    })
    expect(operationOf(doc, 'emitEvents').security).toEqual([{ senderBasic: [] }, { adminToken: [] }])
    expect(operationOf(doc, 'listProjects').security).toEqual([{ adminToken: [] }])
    expect(operationOf(doc, 'emitOriginalPost').security).toEqual([{ senderBasic: [] }])
    expect(operationOf(doc, 'health').security).toEqual([])

    const statuses = (operationId: string) => Object.keys(operationOf(doc, operationId).responses).map(Number)
    expect(statuses('emitEvents')).toEqual([202, 400, 401, 403, 404, 413, 415, 422, 429, 500, 503])
    expect(statuses('listProjects')).toEqual([200, 401, 403, 429, 503])
    expect(statuses('createProject')).toEqual([201, 400, 401, 403, 409, 413, 415, 429, 500, 503])
    expect(statuses('health')).toEqual([200, 500])
    const emit = operationOf(doc, 'emitEvents').responses
    expect(emit['401']!.headers).toHaveProperty('WWW-Authenticate')
    expect(emit['429']!.headers).toHaveProperty('Retry-After')
    expect(emit['422']!.content).toEqual({
      'application/json': { schema: { $ref: '#/components/schemas/Error' } },
    })
    expect(operationOf(doc, 'createProject').responses['413']!.description).toContain('1048576 bytes')
    expect(operationOf(doc, 'emitOriginalPost').responses['401']!.content).toEqual({
      'application/json': { schema: { $ref: '#/components/schemas/LegacyError' } },
    })
    expect(operationOf(doc, 'deleteSender').responses['204']).toEqual({ description: 'revoked' })
    expect(Object.keys(operationOf(doc, 'healthOriginal').responses['200']!.content!)).toEqual(['text/plain'])

    const error = doc.components.schemas.Error as {
      properties: { error: { properties: { code: { enum: string[] } }; required: string[] } }
    }
    expect(error.properties.error.properties.code.enum.sort()).toEqual(
      [...Object.keys(RIO_ERROR_STATUS), ...Object.keys(HTTP_ERROR_STATUS)].sort(),
    )
    expect(error.properties.error.required).toEqual(['code', 'message'])
  })

  it('refuses a route table that contradicts itself', () => {
    const options = resolveApiOptions()
    const route = apiRoutes.find((r) => r.doc.operationId === 'getHandler')!
    const undocumented: Route = { ...route, doc: { ...route.doc, params: {} } }
    expect(() => buildOpenApiDocument([undocumented], options)).toThrow(
      /does not document its path parameter "id"/,
    )
    const extra: Route = { ...route, path: '/api/v1/handlers' }
    expect(() => buildOpenApiDocument([extra], options)).toThrow(/documents path parameters it lacks: id/)
    expect(() => buildOpenApiDocument([route, { ...route, method: 'POST' }], options)).toThrow(
      /operationId "getHandler" is taken/,
    )
    const dated: Route = {
      ...route,
      doc: { ...route.doc, body: { required: true, content: { 'application/json': z.date() } } },
    }
    expect(() => buildOpenApiDocument([dated], options)).toThrow()
  })
})
