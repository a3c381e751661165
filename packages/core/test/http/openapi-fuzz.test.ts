import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  type JsonSchema,
  type OpenApiDocument,
  type OpenApiOperation,
  type OpenApiParameter,
  openApiDocument,
  UnrecoverableError,
} from '../../src/index.js'
import { onCleanup, waitUntil } from '../helpers.js'
import { ADMIN_TOKEN, basic, call, startApi } from './api-server.js'
import { inline } from './openapi-schema.js'

/**
 * Schemathesis-style: every operation of the document the server serves gets requests generated
 * from its own parameters, bodies and security schemes (valid ones, mutated ones, junk), and every
 * answer is held to the document: no undocumented 5xx, a documented status, a body that validates
 * against the schema of that status and media type, an error code the status's description names,
 * and the documented content type. A failure prints the seed and the shrunk request.
 */

/** Fixed, so a failure reproduces; `RIO_FUZZ_SEED=<n> RIO_FUZZ_RUNS=<n>` explore further. */
const SEED = Number(process.env.RIO_FUZZ_SEED ?? 20_260_501)
const RUNS = Number(process.env.RIO_FUZZ_RUNS ?? 40)
/** Small, so 413 and batch limits are reachable with small generated bodies. */
const API = { failedAuthLimit: false, maxBodyBytes: 4096, maxBatchSize: 5 } as const
const RIO = { maxPayloadBytes: 1024, timeoutMs: 2000, retrySchedule: [10, 10] }

// --- the document ---------------------------------------------------------------------------------

interface Operation {
  readonly path: string
  readonly method: string
  readonly op: OpenApiOperation
}

/** Every operation of a document, writes that remove things last (so the seeded data lives longest). */
function operationsOf(doc: OpenApiDocument): Operation[] {
  const all = Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ path, method: method.toUpperCase(), op })),
  )
  return [...all.filter((o) => o.method !== 'DELETE'), ...all.filter((o) => o.method === 'DELETE')]
}

/** Validators of the document's JSON Schemas (not the zod schemas they came from), built once each. */
function validators(doc: OpenApiDocument) {
  const cache = new Map<unknown, z.ZodType>()
  return (schema: JsonSchema, value: unknown): z.ZodSafeParseResult<unknown> => {
    let compiled = cache.get(schema)
    if (!compiled) {
      compiled = z.fromJSONSchema(inline(schema, doc) as z.core.JSONSchema.JSONSchema)
      cache.set(schema, compiled)
    }
    return compiled.safeParse(value)
  }
}

/** The error codes an answer's description names (`not_found: no such handler`), of those the `Error` schema allows. */
function codesNamed(description: string, doc: OpenApiDocument): string[] {
  const error = doc.components.schemas.Error as {
    properties: { error: { properties: { code: { enum: string[] } } } }
  }
  const known = new Set(error.properties.error.properties.code.enum)
  return [...new Set(description.match(/\b[a-z]+(?:_[a-z]+)*\b/g) ?? [])].filter((word) => known.has(word))
}

// --- generating values from JSON Schemas ----------------------------------------------------------

const json = fc.jsonValue({ maxDepth: 3 })

/** Values of a JSON Schema, as far as the request schemas of the document use its keywords. */
function fromSchema(
  schema: JsonSchema,
  override: (name: string, fromSchema: fc.Arbitrary<unknown>) => fc.Arbitrary<unknown> = (_, arb) => arb,
): fc.Arbitrary<unknown> {
  const s = schema as {
    type?: string
    enum?: unknown[]
    const?: unknown
    anyOf?: JsonSchema[]
    pattern?: string
    minLength?: number
    maxLength?: number
    minimum?: number
    maximum?: number
    exclusiveMinimum?: number
    items?: JsonSchema
    minItems?: number
    maxItems?: number
    properties?: Record<string, JsonSchema>
    required?: string[]
    additionalProperties?: boolean | JsonSchema
    propertyNames?: JsonSchema
    minProperties?: number
  }
  const of = (inner: JsonSchema) => fromSchema(inner, override)
  if (s.const !== undefined) return fc.constant(s.const)
  if (s.enum) return fc.constantFrom(...s.enum)
  if (s.anyOf) return fc.oneof(...s.anyOf.map(of))
  switch (s.type) {
    case 'null':
      return fc.constant(null)
    case 'boolean':
      return fc.boolean()
    case 'integer':
    case 'number': {
      const min = s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : (s.minimum ?? -1e6)
      const max = Math.min(s.maximum ?? 1e9, 1e9)
      return s.type === 'integer'
        ? fc.integer({ min, max })
        : fc.double({ min, max, noNaN: true, noDefaultInfinity: true })
    }
    case 'string': {
      const length = { minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 24, 40) }
      return s.pattern
        ? fc.stringMatching(new RegExp(s.pattern)).filter((v) => v.length >= length.minLength)
        : fc.string(length)
    }
    case 'array':
      return fc.array(s.items ? of(s.items) : json, {
        minLength: s.minItems ?? 0,
        maxLength: Math.min(s.maxItems ?? 4, 6),
      })
    case 'object': {
      const properties = Object.entries(s.properties ?? {})
      const required = new Set(s.required ?? [])
      const record = fc.record(
        Object.fromEntries(properties.map(([name, inner]) => [name, override(name, of(inner))])),
        { requiredKeys: properties.map(([name]) => name).filter((name) => required.has(name)) },
      )
      const extra =
        typeof s.additionalProperties === 'object'
          ? fc.dictionary(
              s.propertyNames ? (of(s.propertyNames) as fc.Arbitrary<string>) : fc.string({ maxLength: 10 }),
              of(s.additionalProperties),
              { maxKeys: 3 },
            )
          : fc.constant({})
      return fc
        .tuple(record, extra)
        .map(([fields, more]) => ({ ...more, ...fields }))
        .filter((value) => Object.keys(value).length >= (s.minProperties ?? 0))
    }
    default:
      return json
  }
}

/** A valid value turned invalid the ways clients get it wrong: a field added, dropped or of another type. */
function mutated(valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc
    .tuple(valid, fc.nat(), json, fc.constantFrom('colour', '__proto__', 'name ', ''))
    .map(([value, pick, other, key]) => {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return [value]
      const keys = Object.keys(value)
      const copy: Record<string, unknown> = { ...value }
      switch (pick % 3) {
        case 0:
          Object.defineProperty(copy, key, { value: other, enumerable: true })
          break
        case 1:
          if (keys.length > 0) delete copy[keys[pick % keys.length]!]
          break
        default:
          if (keys.length > 0) copy[keys[pick % keys.length]!] = other
      }
      return copy
    })
}

// --- the live server ------------------------------------------------------------------------------

/** A webhook receiver on 127.0.0.1 that answers 200 `thanks`. */
async function receiver(): Promise<string> {
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end('thanks'))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onCleanup(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`
}

/** A started Rio serving its API, with a project, senders, both kinds of handler, events and deliveries (some dead). */
async function seededApi(api: { failedAuthLimit?: number | false } = {}) {
  const hookUrl = await receiver()
  const { rio, url } = await startApi({ rio: RIO, api: { ...API, ...api } })
  await rio.createProject('shop')
  await rio.createProject('other')
  await rio.createSender('shop', 'checkout', { secret: 'checkout-secret' })
  await rio.createSender('shop', 'spare', { secret: 'spare-secret' })
  await rio.createSender('other', 'intruder', { secret: 'intruder-secret' })
  const hook = await rio.webhook('order.*', { project: 'shop', name: 'fulfilment', url: hookUrl })
  rio.on(
    'order.refunded',
    'refunds',
    () => {
      throw new UnrecoverableError('refund refused for good')
    },
    { project: 'shop' },
  )
  await rio.start()
  const events = await rio.emitMany(
    [
      { name: 'order.paid', payload: { order: 1 } },
      { name: 'order.refunded', payload: { order: 1 } },
      { name: 'order.refunded', payload: { order: 2 }, idempotencyKey: 'refund-2' },
    ],
    { project: 'shop' },
  )
  await waitUntil(
    async () =>
      (await rio.listDeliveries({ project: 'shop', status: 'dead', limit: 10 })).length === 2 &&
      (await rio.listDeliveries({ project: 'shop', status: 'succeeded', limit: 10 })).length === 3,
    'two dead deliveries and three succeeded',
  )
  const deliveries = await rio.listDeliveries({ project: 'shop', limit: 10 })
  const functionId = (await rio.listHandlers({ project: 'shop' })).find((h) => h.kind === 'function')!.id
  return {
    rio,
    url,
    hookUrl,
    ids: {
      handler: [hook.id, functionId, hook.id.toUpperCase()],
      event: events.map((e) => e.id),
      delivery: deliveries.map((d) => d.id),
    },
  }
}

type Seeded = Awaited<ReturnType<typeof seededApi>>

// --- requests -------------------------------------------------------------------------------------

interface Request {
  readonly path: string
  readonly query: readonly (readonly [string, string])[]
  readonly headers: Readonly<Record<string, string>>
  readonly body?: string | Uint8Array
}

const NOT_A_UUID = '0190f6a4-0000-7000-8000-00000000000'
const UNKNOWN_UUID = '0190f6a4-0000-7000-8000-000000000000'

/** Path segments no schema allows: bad percent-encoding, separators, traversal, very long. */
const junkSegment = fc.oneof(
  fc.constantFrom(
    '%',
    '%zz',
    '%E9',
    '%2F',
    '%2e%2e',
    '..',
    '.',
    '%00',
    '%20',
    'x'.repeat(300),
    NOT_A_UUID,
    '0',
  ),
  fc.string({ minLength: 1, maxLength: 12 }).map(encodeURIComponent),
)

/** Real values of a path or query parameter, by operation path and name. */
function realValues(path: string, name: string, seeded: Seeded): string[] {
  const { ids } = seeded
  if (name === 'project') return ['shop', 'other', 'nosuch']
  if (name === 'name') return ['spare', 'checkout-gone']
  if (name === 'event' && path.startsWith('/event/')) return ['order.paid', 'order.refunded', 'order.new']
  if (name === 'event') return [...ids.event, UNKNOWN_UUID]
  if (name === 'handler') return [...ids.handler, UNKNOWN_UUID]
  if (name === 'id' && path.includes('/handlers/')) return [...ids.handler, UNKNOWN_UUID]
  if (name === 'id' && path.includes('/events/')) return [...ids.event, UNKNOWN_UUID]
  if (name === 'id' && path.includes('/deliveries/')) return [...ids.delivery, '999999']
  if (name === 'before' && path.includes('deliveries')) return ids.delivery
  if (name === 'before') return ids.event
  if (name === 'status') return ['dead', 'dead,pending', 'succeeded,', 'DEAD', '']
  if (name === 'full') return ['', '1']
  if (name === 'limit') return ['1', '2', '1000', '0', '-1', '1e3', '1001']
  if (name === 'since' || name === 'until') return ['2026-01-01', '2020-02-30', '2026-05-01T12:00:00Z']
  return []
}

function parameterValue(param: OpenApiParameter, path: string, seeded: Seeded): fc.Arbitrary<string> {
  const real = realValues(path, param.name, seeded)
  return fc.oneof(
    ...(real.length > 0 ? [{ weight: 5, arbitrary: fc.constantFrom(...real) }] : []),
    { weight: 2, arbitrary: fromSchema(param.schema).map(String) },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  )
}

/**
 * Every security scheme of the document with good and bad credentials, and none; the good
 * credentials of a scheme the operation takes half the time, so requests get past the door.
 */
function credentials(
  doc: OpenApiDocument,
  op: OpenApiOperation,
  positive: boolean,
): fc.Arbitrary<Record<string, string>> {
  const good: Record<string, string>[] = []
  const others: Record<string, string>[] = [{}, { authorization: 'Digest x' }]
  for (const [name, { scheme }] of Object.entries(doc.components.securitySchemes)) {
    const takes = op.security.some((requirement) => name in requirement)
    if (scheme === 'bearer') {
      ;(takes ? good : others).push({ authorization: `Bearer ${ADMIN_TOKEN}` })
      others.push({ authorization: 'Bearer wrong-token' })
    } else {
      ;(takes ? good : others).push({ authorization: basic('checkout', 'checkout-secret') })
      others.push(
        { authorization: basic('intruder', 'intruder-secret') },
        { authorization: basic('checkout', 'wrong-secret') },
        { authorization: 'Basic Og==' },
        { authorization: 'Basic %%' },
      )
    }
  }
  if (positive) return good.length > 0 ? fc.constantFrom(...good) : fc.constant({})
  return fc.oneof(fc.constantFrom(...good, ...others), fc.constantFrom(...others))
}

/**
 * Requests for an operation. `positive`: real path parameters, the operation's own good
 * credentials, documented query parameters with real values and a body valid by its schema, so
 * most succeed; `negative`: any of those mixed with junk, other credentials and mutated bodies.
 */
function requestOf(
  operation: Operation,
  doc: OpenApiDocument,
  seeded: Seeded,
  mode: 'positive' | 'negative',
): fc.Arbitrary<Request> {
  const positive = mode === 'positive'
  const { path, op } = operation
  const params = op.parameters ?? []
  const real = (p: OpenApiParameter) => realValues(path, p.name, seeded)
  const segments = fc.record(
    Object.fromEntries(
      params
        .filter((p) => p.in === 'path')
        .map((p) => [
          p.name,
          positive && real(p).length > 0
            ? fc.constantFrom(...real(p)).map(encodeURIComponent)
            : fc
                .oneof(
                  { weight: 4, arbitrary: parameterValue(p, path, seeded).map(encodeURIComponent) },
                  junkSegment,
                )
                // Never empty, never a dot segment (`.`, `..`, `%2e`, which fetch resolves): those are other paths.
                .filter((segment) => segment !== '' && !/^(?:\.|%2e){1,2}$/i.test(segment)),
        ]),
    ),
  )
  const query = fc
    .tuple(
      ...params
        .filter((p) => p.in === 'query')
        .map((p): fc.Arbitrary<[string, string][]> => {
          if (p.schema.type === 'object') {
            return fc
              .dictionary(fc.string({ minLength: 1, maxLength: 6 }), fc.string({ maxLength: 8 }), {
                maxKeys: 3,
              })
              .map((fields) => Object.entries(fields))
          }
          const value = positive
            ? real(p).length > 0
              ? fc.constantFrom(...real(p).slice(0, 2))
              : fc.constant(undefined)
            : parameterValue(p, path, seeded)
          return fc.oneof(fc.constant(undefined), value).map((v) => (v === undefined ? [] : [[p.name, v]]))
        }),
      // Junk: an unknown parameter, a repeated one.
      positive
        ? fc.constant(undefined)
        : fc.oneof(
            { weight: 4, arbitrary: fc.constant(undefined) },
            fc.tuple(fc.constantFrom('colour', 'limit', 'project', 'full', ''), fc.string({ maxLength: 6 })),
          ),
    )
    .map((parts) => {
      const junk = parts.at(-1) as [string, string] | undefined
      const pairs = (parts.slice(0, -1) as [string, string][][]).flat()
      return junk ? [...pairs, junk] : pairs
    })
  const headers = fc
    .tuple(
      credentials(doc, op, positive),
      ...params
        .filter((p) => p.in === 'header')
        .map((p) =>
          fc
            .option(
              fc.oneof(
                fromSchema(p.schema).map(String),
                fc.constantFrom(UNKNOWN_UUID, seeded.ids.event[0]!, 'a'.repeat(201)),
              ),
              { nil: undefined },
            )
            // Only what fetch can send in a header value.
            .map(
              (v): Record<string, string> =>
                v === undefined || !/^[\x20-\x7e]*$/.test(v) || v.trim() !== v ? {} : { [p.name]: v },
            ),
        ),
    )
    .map((parts) => Object.assign({}, ...parts) as Record<string, string>)
  const body = bodyOf(operation, seeded, positive)
  return fc.tuple(segments, query, headers, body).map(([values, pairs, head, [type, payload]]) => ({
    path: path.replace(/\{([A-Za-z0-9_]+)\}/g, (_, name: string) => values[name]!),
    query: pairs,
    headers: type === undefined ? head : { ...head, 'content-type': type },
    ...(payload !== undefined ? { body: payload } : {}),
  }))
}

type Body = [type: string | undefined, body: string | Uint8Array | undefined]

/** Bodies from the operation's request schemas (valid and mutated), junk, too large; none for GET. */
function bodyOf(operation: Operation, seeded: Seeded, positive: boolean): fc.Arbitrary<Body> {
  if (operation.method === 'GET') return fc.constant<Body>([undefined, undefined])
  const content = operation.op.requestBody?.content ?? {}
  const urls = fc.constantFrom(seeded.hookUrl, 'http://127.0.0.1:1/closed', 'ftp://example.com/', 'not a url')
  const secret = fc
    .uint8Array({ minLength: 24, maxLength: 32 })
    .map((b) => `whsec_${Buffer.from(b).toString('base64')}`)
  // Values the schema cannot say (a URL, a signing secret, the path's project), so valid bodies get
  // through, and values that exist (names, idempotency keys) or are too large, so conflicts do.
  const overrides: Record<string, fc.Arbitrary<unknown>> = {
    url: urls,
    secret: fc.oneof(secret, fc.string({ maxLength: 8 })),
    secrets: fc.array(secret, { maxLength: 2 }),
    project: fc.constantFrom('shop', 'other'),
    name: fc.constantFrom('order.paid', 'order.refunded', 'shop', 'checkout', 'refunds', 'fulfilment'),
    idempotencyKey: fc.constantFrom('refund-2', 'key-1'),
    payload: fc.constantFrom({ order: 2 }, 'x'.repeat(RIO.maxPayloadBytes)),
  }
  const override = (name: string, schema: fc.Arbitrary<unknown>) =>
    overrides[name] ? fc.oneof(schema, overrides[name]) : schema
  const valids: fc.Arbitrary<Body>[] = []
  const documented = Object.entries(content).map(([type, { schema }]) => {
    const valid = fromSchema(schema, override)
    const encode = (value: unknown) =>
      type === 'application/x-www-form-urlencoded'
        ? new URLSearchParams(
            Object.entries(value as Record<string, string | string[]>).flatMap(([k, v]) =>
              (Array.isArray(v) ? v : [v]).map((item): [string, string] => [k, item]),
            ),
          ).toString()
        : JSON.stringify(value)
    valids.push(valid.map((v): Body => [type, encode(v)]))
    return fc.oneof(
      { weight: 4, arbitrary: valid.map((v): Body => [type, encode(v)]) },
      { weight: 2, arbitrary: mutated(valid).map((v): Body => [type, encode(v)]) },
    )
  })
  const types = fc.constantFrom(
    'application/json',
    'application/json; charset=latin1',
    'text/plain',
    'multipart/form-data; boundary=x',
    undefined,
  )
  const junk = fc.oneof(
    fc.tuple(
      types,
      json.map((v) => JSON.stringify(v)),
    ),
    fc.tuple(types, fc.string({ maxLength: 40 })),
    fc.tuple(types, fc.uint8Array({ maxLength: 40 })),
    fc.tuple(types, fc.constantFrom('[[[[[[[[[[', `${'['.repeat(70)}${']'.repeat(70)}`, '{"a":')),
    fc.tuple(types, fc.constant(JSON.stringify({ name: 'order.big', payload: 'x'.repeat(2000) }))),
    fc.tuple(types, fc.constant(JSON.stringify({ pad: 'x'.repeat(API.maxBodyBytes) }))),
    fc.constant<Body>(['application/json', '']),
    fc.constant<Body>([undefined, undefined]),
  ) as fc.Arbitrary<Body>
  if (positive) return documented.length > 0 ? fc.oneof(...valids) : fc.constant<Body>([undefined, undefined])
  return documented.length > 0
    ? fc.oneof({ weight: 3, arbitrary: fc.oneof(...documented) }, { weight: 2, arbitrary: junk })
    : junk
}

// --- the check ------------------------------------------------------------------------------------

function checkAnswer(
  operation: Operation,
  doc: OpenApiDocument,
  accepts: ReturnType<typeof validators>,
  answer: { status: number; headers: Headers; text: string },
): void {
  const { op } = operation
  const what = `${operation.method} ${operation.path} (${op.operationId}) answered ${answer.status} ${answer.text.slice(0, 300)}`
  const documented = op.responses[String(answer.status)]
  // (1) No server error, unless the document gives it (503 retry later; the readiness report's 500).
  if (answer.status >= 500) {
    const allowed = answer.status === 503 || (op.operationId === 'health' && answer.status === 500)
    expect(allowed && documented !== undefined, `a server error: ${what}`).toBe(true)
  }
  // (2) The status is one the operation documents.
  expect(documented, `an undocumented status: ${what}`).toBeDefined()
  // (4) The content type is one documented for that status (none when it documents no body).
  const type = answer.headers.get('content-type')?.split(';')[0]?.trim()
  if (!documented!.content) {
    expect(type, `a body where none is documented: ${what}`).toBeUndefined()
    expect(answer.text, what).toBe('')
    return
  }
  expect(Object.keys(documented!.content), `an undocumented content type ${type}: ${what}`).toContain(type)
  // (3) The body validates against the schema of that status and media type.
  const schema = documented!.content[type!]!.schema
  const body: unknown = type === 'application/json' ? JSON.parse(answer.text) : answer.text
  const parsed = accepts(schema, body)
  expect(
    parsed.success,
    `the body does not match the documented schema (${parsed.error?.message}): ${what}`,
  ).toBe(true)
  // …and an error's code is one the description of that status names, when it names any.
  const code = (body as { error?: { code?: string } } | null)?.error?.code
  if (answer.status >= 400 && code !== undefined) {
    const named = codesNamed(documented!.description, doc)
    if (named.length > 0)
      expect(named, `error code ${code} is not the documented one: ${what}`).toContain(code)
  }
  if (answer.status === 401) expect(answer.headers.get('www-authenticate'), what).toBeTruthy()
  if (answer.status === 429) expect(answer.headers.get('retry-after'), what).toBeTruthy()
}

async function send(url: string, method: string, request: Request) {
  const search = new URLSearchParams(request.query as [string, string][]).toString()
  const res = await fetch(`${url}${request.path}${search ? `?${search}` : ''}`, {
    method,
    headers: request.headers,
    ...(request.body !== undefined ? { body: request.body } : {}),
    signal: AbortSignal.timeout(10_000),
  })
  return { status: res.status, headers: res.headers, text: await res.text() }
}

// The operations are listed from the document with the options the server gets; the test checks
// the server serves that same document.
const operations = operationsOf(openApiDocument(API))

describe('the OpenAPI document, fuzzed against a live server', () => {
  it(
    `answers ${RUNS} generated requests per operation (${operations.length}) as the document says`,
    async () => {
      const seeded = await seededApi()
      const served = (await call(`${seeded.url}/api/v1/openapi.json`)).body as OpenApiDocument
      expect(served).toEqual(JSON.parse(JSON.stringify(openApiDocument(API))))
      const accepts = validators(served)
      const statuses = new Map<string, Set<number>>()
      for (const operation of operationsOf(served)) {
        const seen = new Set<number>()
        statuses.set(operation.op.operationId, seen)
        await fc.assert(
          fc.asyncProperty(
            fc.oneof(
              requestOf(operation, served, seeded, 'positive'),
              requestOf(operation, served, seeded, 'negative'),
            ),
            async (request) => {
              const answer = await send(seeded.url, operation.method, request)
              seen.add(answer.status)
              checkAnswer(operation, served, accepts, answer)
            },
          ),
          { seed: SEED, numRuns: RUNS, endOnFailure: true },
        )
      }
      // It reached past the door: every operation had some success, and every authenticated one a 401.
      for (const { op } of operations) {
        const seen = [...statuses.get(op.operationId)!]
        expect(
          seen.some((s) => s < 300),
          `${op.operationId} never succeeded: ${seen}`,
        ).toBe(true)
        if (op.security.length > 0) expect(seen, op.operationId).toContain(401)
      }
      expect((await call(`${seeded.url}/_health`)).body).toBe('ok')
    },
    30_000 + RUNS * 1000,
  )

  it('documents the 400 every operation with a path parameter gives one that is not valid percent-encoding', async () => {
    const seeded = await seededApi()
    const served = (await call(`${seeded.url}/api/v1/openapi.json`)).body as OpenApiDocument
    const accepts = validators(served)
    const withParams = operationsOf(served).filter((o) => o.path.includes('{'))
    expect(withParams.length).toBeGreaterThan(10)
    for (const operation of withParams) {
      const request = {
        path: operation.path.replace(/\{[A-Za-z0-9_]+\}/g, '%zz'),
        query: [],
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      }
      const answer = await send(seeded.url, operation.method, request)
      expect(answer.status, operation.op.operationId).toBe(400)
      checkAnswer(operation, served, accepts, answer)
    }
  })

  // Answers the random runs rarely reach: every operation once Rio is stopped (503 `closed`), and
  // after failed authentications from this address (429 `rate_limited`).
  it.each([
    ['once Rio is stopped (503)', {}, (seeded: Seeded) => seeded.rio.stop()],
    [
      'after too many failed authentications (429)',
      { failedAuthLimit: 1 },
      async (seeded: Seeded) => {
        const wrong = await call(`${seeded.url}/api/v1/projects`, {
          headers: { authorization: 'Bearer wrong' },
        })
        expect(wrong.status).toBe(401)
      },
    ],
  ] as const)('answers valid requests as the document says %s', async (_, api, setUp) => {
    const seeded = await seededApi(api)
    const served = (await call(`${seeded.url}/api/v1/openapi.json`)).body as OpenApiDocument
    const accepts = validators(served)
    await setUp(seeded)
    const statuses = new Set<number>()
    for (const operation of operationsOf(served)) {
      await fc.assert(
        fc.asyncProperty(requestOf(operation, served, seeded, 'positive'), async (request) => {
          const answer = await send(seeded.url, operation.method, request)
          statuses.add(answer.status)
          checkAnswer(operation, served, accepts, answer)
        }),
        { seed: SEED, numRuns: 3, endOnFailure: true },
      )
    }
    expect([...statuses]).toContain('failedAuthLimit' in api ? 429 : 503)
  })
})
