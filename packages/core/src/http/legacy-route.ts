import { z } from 'zod'
import { RioConflictError, RioDatabaseError, RioError, RioNotFoundError } from '../errors.js'
import type { RioEvent } from '../events/event.js'
import { isUuid } from '../events/event-id.js'
import type { Rio } from '../rio.js'
import { ApiError } from './api-error.js'
import { decodeUtf8, isJsonType, parseForm, parseJson, type RawBody, readBody } from './body.js'
import { legacyEmittedSchema } from './response-schemas.js'
import type { ApiContext, ApiReply, Route, RouteDoc } from './route.js'
import { pathParams, projectParam } from './schemas.js'
import { statusOf } from './status.js'

/** An event id the sender chose: `X-Rio-Event-UUID` names the event; a B3 trace id only suggests one. */
interface GivenId {
  readonly id: string
  readonly source: 'rio' | 'b3'
}

const message = (status: number, text: string, headers?: Record<string, string>): ApiReply => ({
  status,
  body: { message: text },
  ...(headers ? { headers } : {}),
})

/**
 * The original Rio emit route, `GET|POST /event/:project/emit/:event`, answering as the 2016 server
 * did so its SDKs and curl scripts keep working: 200
 * `{"event":{"uuid"},"message":"ok","task":{"id"}}` after COMMIT, and errors as `{"message"}`:
 * 404 `not found` (unknown project, checked first as the original did), 401 `unauthorized` (no or
 * malformed Basic credentials), 401 `wrong token`, 403 `forbidden` (a sender of another project).
 *
 * The payload is the JSON body when `Content-Type` is JSON; otherwise the query parameters and
 * urlencoded form fields as one flat object (a repeated key becomes an array of its values); `{}`
 * when there are none.
 */
async function legacyEmit(ctx: ApiContext): Promise<ApiReply> {
  try {
    const project = projectParam(ctx.params.project)
    await ctx.rio.getProject(project)
    const check = await ctx.auth.checkSender(ctx.req, project)
    switch (check.result) {
      case 'missing':
        return message(401, 'unauthorized', { 'www-authenticate': 'Basic realm="rio"' })
      case 'wrong':
        return message(401, 'wrong token', { 'www-authenticate': 'Basic realm="rio"' })
      case 'forbidden':
        return message(403, 'forbidden')
      case 'rate_limited':
        return message(429, 'too many requests', { 'retry-after': String(check.retryAfter) })
      case 'ok':
        break
    }
    const payload = legacyPayload(
      await readBody(ctx.req, ctx.options.maxBodyBytes),
      ctx.query,
      ctx.options.maxJsonDepth,
    )
    const id = await emitWithId(ctx.rio, project, String(ctx.params.event), payload, givenId(ctx))
    return { status: 200, body: { event: { uuid: id }, message: 'ok', task: { id } } }
  } catch (error) {
    if (error instanceof RioNotFoundError && error.resource === 'project') return message(404, 'not found')
    if (error instanceof ApiError) return legacyError(error)
    if (error instanceof RioError) {
      const status = statusOf(error.code)
      if (status >= 500) ctx.report(error)
      return message(status, error.message, status === 503 ? { 'retry-after': '1' } : undefined)
    }
    ctx.report(error)
    return message(500, 'internal error')
  }
}

/** An {@link ApiError} in the original route's `{ "message" }` shape, with its status and headers. */
function legacyError(error: ApiError): ApiReply {
  return message(error.status, error.message, { ...error.extra.headers })
}

function legacyPayload(body: RawBody, query: URLSearchParams, maxDepth: number): unknown {
  if (isJsonType(body.mediaType)) {
    return body.bytes.length === 0 ? {} : parseJson(decodeUtf8(body.bytes), maxDepth)
  }
  const fields = new URLSearchParams(query)
  if (body.bytes.length > 0) {
    // No Content-Type is read as a form, as HTML forms and `curl -d` send.
    if (body.mediaType !== '' && body.mediaType !== 'application/x-www-form-urlencoded') {
      throw new ApiError(
        'unsupported_media_type',
        `unsupported media type "${body.mediaType.slice(0, 100)}": send JSON or urlencoded form fields`,
      )
    }
    for (const [key, value] of new URLSearchParams(body.bytes.toString('utf8'))) fields.append(key, value)
  }
  return parseForm(fields)
}

function givenId(ctx: ApiContext): GivenId | undefined {
  const rio = header(ctx, 'x-rio-event-uuid')
  if (rio !== undefined && isUuid(rio)) return { id: rio.toLowerCase(), source: 'rio' }
  const b3 = header(ctx, 'x-b3-traceid')
  if (b3 !== undefined) {
    if (isUuid(b3)) return { id: b3.toLowerCase(), source: 'b3' }
    if (/^[0-9a-f]{32}$/i.test(b3)) {
      const h = b3.toLowerCase()
      return {
        id: `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`,
        source: 'b3',
      }
    }
  }
  return undefined
}

function header(ctx: ApiContext, name: string): string | undefined {
  const value = ctx.req.headers[name]
  return typeof value === 'string' ? value.trim() : undefined
}

/**
 * Emits with the sender's id when it can. A repeated `X-Rio-Event-UUID` for the same project and
 * name is a retry: the stored event's id is returned and nothing is written. A B3 trace id is
 * shared by every event of a trace, so when it is taken a fresh id is used instead.
 */
async function emitWithId(
  rio: Rio,
  project: string,
  name: string,
  payload: unknown,
  given: GivenId | undefined,
  retried = false,
): Promise<string> {
  if (given) {
    const existing = await findEvent(rio, given.id)
    if (existing) {
      if (given.source === 'b3') return emitWithId(rio, project, name, payload, undefined)
      if (existing.project === project && existing.name === name) return existing.id
      throw new RioConflictError(
        `event ${given.id} already exists as another event; send a new X-Rio-Event-UUID for a new event`,
      )
    }
  }
  try {
    return (await rio.emit(name, payload, { project, ...(given ? { id: given.id } : {}) })).id
  } catch (error) {
    // Another request took the id between the check and the write.
    if (given && !retried && error instanceof RioDatabaseError && (await findEvent(rio, given.id))) {
      return emitWithId(rio, project, name, payload, given, true)
    }
    throw error
  }
}

async function findEvent(rio: Rio, id: string): Promise<RioEvent | null> {
  try {
    return await rio.getEvent(id)
  } catch (error) {
    if (error instanceof RioNotFoundError) return null
    throw error
  }
}

/** Form fields and query parameters: a key given once is a string, a repeated key an array. */
const fields = z
  .object({})
  .catchall(z.union([z.string(), z.array(z.string())]))
  .describe('each query parameter becomes a payload field (a repeated key an array of its values)')

const legacyDoc = {
  tag: 'Original route',
  auth: 'basic-legacy',
  errors: 'message',
  params: { project: pathParams.project, event: pathParams.eventName },
  query: fields,
  headers: {
    'X-Rio-Event-UUID': {
      description:
        'the event id when it is a UUID; a repeat for the same project and event name is a retry (the stored id is returned, nothing is written)',
      schema: z.string(),
    },
    'X-B3-TraceId': {
      description:
        'without X-Rio-Event-UUID: the event id when it is 32 hex digits or a UUID and not taken yet',
      schema: z.string(),
    },
  },
  responses: {
    200: {
      description:
        '`{ "event": { "uuid" }, "message": "ok", "task": { "id" } }` after the COMMIT (task.id is the event id)',
      schema: legacyEmittedSchema,
    },
    400: 'a bad event name, a path that is not valid percent-encoding, or a JSON body that is not valid JSON or UTF-8',
    404: '`{"message":"not found"}`: the project does not exist (checked first)',
    409: 'X-Rio-Event-UUID names another event',
    413: "the body is over maxBodyBytes, or the payload over Rio's maxPayloadBytes",
    415: 'a body that is neither JSON nor urlencoded form fields (multipart, say)',
    500: '`{"message":"internal error"}`',
  },
} as const satisfies Omit<RouteDoc, 'operationId' | 'summary'>

const legacyDescription =
  'The original Rio\'s emit route, answering as the 2016 server did (errors as `{ "message" }`). The payload is the JSON body when Content-Type is JSON; otherwise the query parameters and urlencoded form fields as one flat object; `{}` when there are none.'

/** The original route, kept so old senders need no change. */
export const legacyRoutes: readonly Route[] = [
  // GET writes here (as it always did), so HEAD must not.
  {
    method: 'GET',
    path: '/event/:project/emit/:event',
    handle: legacyEmit,
    head: false,
    formatError: legacyError,
    doc: {
      ...legacyDoc,
      operationId: 'emitOriginalGet',
      summary: 'Emit an event the original way, with GET',
      description: `${legacyDescription} This GET stores an event, so HEAD gets 405.`,
    },
  },
  {
    method: 'POST',
    path: '/event/:project/emit/:event',
    handle: legacyEmit,
    formatError: legacyError,
    doc: {
      ...legacyDoc,
      operationId: 'emitOriginalPost',
      summary: 'Emit an event the original way',
      description: legacyDescription,
      body: {
        required: false,
        content: {
          'application/json': z.unknown().describe('any JSON value is the payload; an empty body is {}'),
          'application/x-www-form-urlencoded': fields.describe(
            'each field is a payload field, with the query parameters (a body without Content-Type is read as a form)',
          ),
        },
      },
    },
  },
]
