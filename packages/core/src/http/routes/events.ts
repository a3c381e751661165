import { z } from 'zod'
import type { RioEvent } from '../../events/event.js'
import type { EmitManyItem } from '../../rio.js'
import { ApiError } from '../api-error.js'
import { jsonBodyText, parseJson, readBody } from '../body.js'
import { exactPayloads } from '../exact-payloads.js'
import { emitAnswerSchema, eventDetailSchema, eventPageSchema } from '../response-schemas.js'
import { type ApiContext, type ApiReply, json, type Route } from '../route.js'
import {
  emitBatchSchema,
  emitItemSchema,
  idempotencyHeaderSchema,
  idParam,
  listEventsQuery,
  parseBody,
  parseQuery,
  pathParams,
  projectParam,
} from '../schemas.js'

const DEFAULT_LIMIT = 50
/** The most events `rio.listEvents` returns at once, whatever the limit asked. */
const MAX_READ = 1000

/**
 * `POST /api/v1/projects/:project/events`: one event (`{ name, payload, idempotencyKey? }` → 202
 * `{ id, duplicate }`) or a batch (`{ events: [...] }` → 202 `{ ids }`), answered after COMMIT.
 */
async function emit(ctx: ApiContext): Promise<ApiReply> {
  const project = projectParam(ctx.params.project)
  const principal = await ctx.auth.authorizeEmit(ctx.req, project)
  // Senders exist only in their project; the admin token must not create projects by typo.
  if (principal.kind === 'admin') await ctx.rio.getProject(project)
  const text = jsonBodyText(await readBody(ctx.req, ctx.options.maxBodyBytes))
  // The sender may have been removed while its body arrived: its credentials are refused at once.
  if (principal.kind === 'sender' && !principal.stillValid()) await ctx.auth.authorizeEmit(ctx.req, project)
  const body = text === undefined ? undefined : parseJson(text, ctx.options.maxJsonDepth)
  if (text === undefined || typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError(
      'invalid_request',
      'the request body must be a JSON object: { "name": "...", "payload": {...} } or { "events": [...] }',
      { issues: [{ path: '', message: 'expected a JSON object' }] },
    )
  }
  const header = idempotencyHeader(ctx)
  if ('events' in body && !('name' in body)) {
    const { events } = parseBody(emitBatchSchema(ctx.options.maxBatchSize), body)
    // Numbers as sent: a payload JSON.stringify would write differently is stored as its text.
    const exact = exactPayloads(text, 'events')
    const items: EmitManyItem[] = events.map((item, index) => ({
      name: item.name,
      payload: exact.get(index) ?? item.payload,
      ...(item.idempotencyKey !== undefined
        ? { idempotencyKey: item.idempotencyKey }
        : header !== undefined
          ? { idempotencyKey: `${header}:${index}` }
          : {}),
    }))
    const results = await ctx.rio.emitMany(items, { project })
    return json(202, { ids: results.map((result) => result.id) })
  }
  const item = parseBody(emitItemSchema, body)
  const idempotencyKey = item.idempotencyKey ?? header
  const payload = exactPayloads(text, 'payload').get(0) ?? item.payload
  const result = await ctx.rio.emit(item.name, payload, {
    project,
    ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
  })
  return json(202, { id: result.id, duplicate: result.duplicate })
}

function idempotencyHeader(ctx: ApiContext): string | undefined {
  const value = ctx.req.headers['idempotency-key']
  if (value === undefined) return undefined
  const parsed = idempotencyHeaderSchema.safeParse(value)
  if (!parsed.success) {
    throw new ApiError(
      'invalid_request',
      'the Idempotency-Key header must be 1 to 200 visible ASCII characters',
      {
        issues: [{ path: 'headers.idempotency-key', message: parsed.error.issues[0]!.message }],
      },
    )
  }
  return parsed.data
}

/**
 * Most characters of payload (as JSON) one page of the event list carries; past them the page ends
 * early, with a `nextCursor`, and it holds one event at least. Without it a page embedded every
 * payload: `limit=1000` of 256 KiB payloads answered 256 MB, and 64 of 8 MiB passed V8's longest
 * string (a 500, after seconds of parsing with the event loop stalled).
 */
export const PAGE_PAYLOAD_CHARS = 8 * 1024 * 1024

/**
 * Most bytes of payload the first read of a page may bring out of the store, counting each event at
 * `maxPayloadBytes`: at the default 256 KiB a page of up to 1000 events is one read, as before; at
 * 8 MiB the first read takes 32 events, at 64 MiB 4, where it took up to 1001 (64 GB at worst).
 */
const READ_PAYLOAD_BYTES = 256 * 1024 * 1024

/**
 * `GET /api/v1/events?project&name&since&until&before&limit`: newest first, paginated, at most
 * {@link PAGE_PAYLOAD_CHARS} of payload a page. The first read takes what {@link READ_PAYLOAD_BYTES}
 * allows; should the page need more, each further read as many as the room left holds at the
 * largest payload seen so far, so few more are read than can be sent.
 */
async function list(ctx: ApiContext): Promise<ApiReply> {
  ctx.auth.requireAdmin(ctx.req)
  const query = parseQuery(listEventsQuery, ctx.query)
  const limit = query.limit ?? DEFAULT_LIMIT
  const data: RioEvent[] = []
  let chars = 0
  let largest = 0
  let before = query.before
  for (;;) {
    // Before any payload is seen, as many as READ_PAYLOAD_BYTES holds at the largest a payload may be.
    const room =
      largest === 0
        ? Math.floor(READ_PAYLOAD_BYTES / ctx.rio.options.maxPayloadBytes)
        : Math.floor((PAGE_PAYLOAD_CHARS - chars) / largest)
    const want = Math.max(1, Math.min(limit + 1 - data.length, room, MAX_READ))
    const read = await ctx.rio.listEvents({
      ...query,
      ...(before !== undefined ? { before } : {}),
      limit: want,
    })
    for (const event of read) {
      const size = payloadChars(event)
      // One more than fits: another page follows, starting after the last event of this one.
      if (data.length === limit || (data.length > 0 && chars + size > PAGE_PAYLOAD_CHARS)) {
        return json(200, { data, nextCursor: data.at(-1)!.id })
      }
      data.push(event)
      chars += size
      largest = Math.max(largest, size)
    }
    // Fewer than asked for (never more than Rio reads at once): the list ends here.
    if (read.length < want) return json(200, { data, nextCursor: null })
    before = read.at(-1)!.id
  }
}

/** How long an event's payload is as JSON, as the page will write it. */
function payloadChars(event: RioEvent): number {
  return JSON.stringify(event.payload)?.length ?? 4
}

/** `GET /api/v1/events/:id`: the event with its deliveries. */
async function get(ctx: ApiContext): Promise<ApiReply> {
  ctx.auth.requireAdmin(ctx.req)
  const event = await ctx.rio.getEvent(idParam('event', ctx.params.id))
  const deliveries = await ctx.rio.listDeliveries({ eventId: event.id, limit: 1000 })
  return json(200, { ...event, deliveries })
}

/** Emitting and reading events. */
export const eventRoutes: readonly Route[] = [
  {
    method: 'POST',
    path: '/api/v1/projects/:project/events',
    handle: emit,
    doc: {
      operationId: 'emitEvents',
      summary: 'Emit one event or a batch',
      description:
        'Stores one event (`{ name, payload, idempotencyKey? }`) or a batch (`{ events: [...] }`, all or nothing) and fans it out to every enabled handler of the project whose pattern matches. Answers 202 after the COMMIT: the event then survives a crash. A body with `events` and no `name` is a batch.',
      tag: 'Emit',
      auth: 'sender-or-admin',
      params: { project: pathParams.project },
      headers: {
        'Idempotency-Key': {
          description:
            'the idempotency key of a single event whose body has none; in a batch, item i gets `<key>:<i>` unless it has its own',
          schema: idempotencyHeaderSchema,
        },
      },
      body: {
        required: true,
        content: {
          'application/json': (options) => z.union([emitItemSchema, emitBatchSchema(options.maxBatchSize)]),
        },
      },
      responses: {
        202: {
          description:
            'stored (after the COMMIT): `{ id, duplicate }` for one event, `{ ids }` in request order for a batch',
          schema: emitAnswerSchema,
        },
        404: 'not_found: the admin token emitting into a project that does not exist',
        413: "body_too_large: the body is over maxBodyBytes; payload_too_large: a payload is over Rio's maxPayloadBytes",
        422: 'invalid_payload: a payload Rio refuses; idempotency_key_reused: the key names a different event (another name or payload)',
      },
    },
  },
  {
    method: 'GET',
    path: '/api/v1/events',
    handle: list,
    doc: {
      operationId: 'listEvents',
      summary: 'List events, newest first',
      tag: 'Events',
      auth: 'admin',
      query: listEventsQuery,
      responses: {
        200: {
          description:
            'a page of events: `{ data: Event[], nextCursor }`; pass nextCursor as `before` for the next page (null on the last). A page holds up to `limit` events and ends early, with a nextCursor, once its payloads pass 8 MiB of JSON (it holds one event at least)',
          schema: eventPageSchema,
        },
        400: 'invalid_request: a bad, unknown or repeated query parameter (`issues` names it)',
      },
    },
  },
  {
    method: 'GET',
    path: '/api/v1/events/:id',
    handle: get,
    doc: {
      operationId: 'getEvent',
      summary: 'Get an event with its deliveries',
      tag: 'Events',
      auth: 'admin',
      params: { id: pathParams.eventId },
      responses: {
        200: {
          description:
            "the event with `deliveries`: its newest 1000, newest first (page on with GET /api/v1/deliveries?event=<id>&before=<the last one's id>)",
          schema: eventDetailSchema,
        },
        404: 'not_found: no such event',
      },
    },
  },
]
