import { MIMEType } from 'node:util'
import { z } from 'zod'
import { RioConflictError, RioDatabaseError, RioError, RioNotFoundError } from '../errors.js'
import type { RioEvent } from '../events/event.js'
import { isUuid } from '../events/event-id.js'
import type { Rio } from '../rio.js'
import { ApiError } from './api-error.js'
import { parseAuthorization, type SenderCheck } from './auth.js'
import { isJsonType, parseJson, type RawBody, readBody } from './body.js'
import { decodeCharset, urlencodedFields } from './charset.js'
import { exactPayloads } from './exact-payloads.js'
import { legacyEmittedSchema } from './response-schemas.js'
import type { ApiContext, ApiReply, Route, RouteDoc } from './route.js'
import { pathParams, projectParam } from './schemas.js'
import { statusOf } from './status.js'

/** An event id the sender chose: `X-Rio-Event-UUID` names the event; a B3 trace id only suggests one. */
interface GivenId {
  readonly id: string
  readonly source: 'rio' | 'b3'
}

const BASIC_CHALLENGE = { 'www-authenticate': 'Basic realm="rio"' }

/**
 * A JSON answer written as the original server's Flask `jsonify` wrote it, so scripts that match
 * its text (`grep '"message": "ok"'`) keep matching: `Content-Type: application/json`, indented by
 * two with Python 2's `", "` item separator (lines end in a space), non-ASCII escaped as
 * `json.dumps` did, a final newline; compact for `X-Requested-With: XMLHttpRequest` (Flask's
 * `is_xhr`). Keys are given in sorted order by the callers, as Flask sorted them.
 */
function jsonify(status: number, body: unknown, compact = false, headers?: Record<string, string>): ApiReply {
  // JSON.stringify escapes line breaks inside strings, so every ",\n" it writes is a separator.
  const text = compact ? JSON.stringify(body) : JSON.stringify(body, null, 2).replaceAll(',\n', ', \n')
  const ascii = text.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  return { status, text: `${ascii}\n`, headers: { ...headers, 'content-type': 'application/json' } }
}

const message = (status: number, text: string, headers?: Record<string, string>, compact = false): ApiReply =>
  jsonify(status, { message: text }, compact, headers)

/**
 * The original Rio emit route, `GET|POST /event/:project/emit/:event`, answering as the 2016 server
 * did so its SDKs and curl scripts keep working: 200
 * `{"event":{"uuid"},"message":"ok","task":{"id"}}` after COMMIT, and errors as `{"message"}`:
 * 401 `unauthorized` (no or malformed Basic credentials, checked first as the original did), 404
 * `not found` (unknown project), 401 `wrong token`, 403 `forbidden` (a sender of another project).
 *
 * The payload is the JSON body when `Content-Type` is JSON; otherwise the form fields of a POST
 * (urlencoded or multipart, files left out) or the query parameters of a GET, as one flat object
 * holding the first value of a repeated key (Werkzeug's `to_dict()`); `{}` when there are none.
 */
async function legacyEmit(ctx: ApiContext): Promise<ApiReply> {
  const compact = String(ctx.req.headers['x-requested-with']).toLowerCase() === 'xmlhttprequest'
  const fail = (status: number, text: string, headers?: Record<string, string>) =>
    message(status, text, headers, compact)
  try {
    // The original asked for credentials before it looked the project up.
    if (parseAuthorization(ctx.req.headers.authorization)?.scheme !== 'basic') {
      return fail(401, 'unauthorized', BASIC_CHALLENGE)
    }
    const project = projectParam(ctx.params.project)
    await ctx.rio.getProject(project)
    const refusal = (check: Exclude<SenderCheck, { result: 'ok' }>): ApiReply => {
      switch (check.result) {
        case 'missing':
          return fail(401, 'unauthorized', BASIC_CHALLENGE)
        case 'wrong':
          return fail(401, 'wrong token', BASIC_CHALLENGE)
        case 'forbidden':
          return fail(403, 'forbidden')
        case 'rate_limited':
          return fail(429, 'too many requests', { 'retry-after': String(check.retryAfter) })
      }
    }
    const check = await ctx.auth.checkSender(ctx.req, project)
    if (check.result !== 'ok') return refusal(check)
    const body = await readBody(ctx.req, ctx.options.maxBodyBytes)
    // The sender may have been removed while its body arrived: its credentials are refused at once.
    if (!check.stillValid()) {
      const again = await ctx.auth.checkSender(ctx.req, project)
      if (again.result !== 'ok') return refusal(again)
    }
    const payload = await legacyPayload(ctx, body)
    const id = await emitWithId(ctx.rio, project, String(ctx.params.event), payload, givenId(ctx))
    return jsonify(200, { event: { uuid: id }, message: 'ok', task: { id } }, compact)
  } catch (error) {
    if (error instanceof RioNotFoundError && error.resource === 'project') return fail(404, 'not found')
    if (error instanceof ApiError) {
      // A 500 here is the host's set-up (a body parser ahead of Rio): its logs must show it.
      if (error.status >= 500) ctx.report(error)
      return fail(error.status, error.message, { ...error.extra.headers })
    }
    if (error instanceof RioError) {
      const status = statusOf(error.code)
      if (status >= 500) ctx.report(error)
      return fail(status, error.message, status === 503 ? { 'retry-after': '1' } : undefined)
    }
    ctx.report(error)
    return fail(500, 'internal error')
  }
}

/** An {@link ApiError} in the original route's `{ "message" }` shape, with its status and headers. */
function legacyError(error: ApiError): ApiReply {
  return message(error.status, error.message, { ...error.extra.headers })
}

/**
 * The payload as the original server built it: the JSON body (on GET too); else a POST's form
 * fields, never its query string (`request.form`); else a GET's query parameters, never its body
 * (`request.args`). A POST body in another media type is refused with 415, where the original
 * stored `{}` and dropped it. No `Content-Type` is read as a form, as Rio always did. A JSON or
 * urlencoded body is read in the `charset` its `Content-Type` names (UTF-8 when none), as Flask
 * read JSON; the original read forms as UTF-8 whatever they said, turning `caf%E9` into `caf\uFFFD`.
 */
async function legacyPayload(ctx: ApiContext, body: RawBody): Promise<unknown> {
  if (isJsonType(body.mediaType)) {
    if (body.bytes.length === 0) return {}
    const text = decodeCharset(body.bytes, body.charset)
    const payload = parseJson(text, ctx.options.maxJsonDepth)
    // Numbers as sent: a body JSON.stringify would write differently is stored as its text.
    return exactPayloads(text, 'body').get(0) ?? payload
  }
  if (ctx.req.method !== 'POST') return firstValues(ctx.query)
  if (body.bytes.length === 0) return {}
  if (body.mediaType === 'multipart/form-data') {
    return firstValues(await multipartFields(body.bytes, String(ctx.req.headers['content-type'])))
  }
  if (body.mediaType !== '' && body.mediaType !== 'application/x-www-form-urlencoded') {
    throw new ApiError(
      'unsupported_media_type',
      `unsupported media type "${body.mediaType.slice(0, 100)}": send JSON, or urlencoded or multipart form fields`,
    )
  }
  return firstValues(urlencodedFields(body.bytes, body.charset))
}

/**
 * Most parts a multipart body may have, as Werkzeug's `max_form_parts`. The parser reads a whole
 * body in one synchronous step and makes an object per part, files included: without a bound a
 * 1 MiB body of tiny parts held the event loop for more than half a second.
 */
const MAX_MULTIPART_PARTS = 1000
/** The text fields of a multipart body, in order; file parts are left out, as `request.form` left them. */
async function multipartFields(bytes: Buffer, contentType: string): Promise<URLSearchParams> {
  const boundary = multipartBoundary(contentType)
  if (boundary === undefined) {
    throw new ApiError(
      'invalid_request',
      'the multipart/form-data body has no boundary parameter in its Content-Type; send fields as curl -F does',
    )
  }
  if (countParts(bytes, Buffer.from(`--${boundary}`)) > MAX_MULTIPART_PARTS) {
    throw new ApiError(
      'body_too_large',
      `the multipart/form-data body has more than ${MAX_MULTIPART_PARTS} parts; send at most ${MAX_MULTIPART_PARTS} fields, or JSON`,
    )
  }
  let form: FormData
  try {
    form = await new Response(bytes, { headers: { 'content-type': contentType } }).formData()
  } catch {
    throw new ApiError(
      'invalid_request',
      'the multipart/form-data body is malformed or has no boundary; send fields as curl -F does',
    )
  }
  const fields = new URLSearchParams()
  for (const [key, value] of form) if (typeof value === 'string') fields.append(key, value)
  return fields
}

/**
 * The `boundary` parameter as the body parser reads it (quotes, escapes and the first of repeated
 * parameters as in `node:util`'s `MIMEType`), so the parts counted are the parts parsed.
 */
function multipartBoundary(contentType: string): string | undefined {
  try {
    return new MIMEType(contentType).params.get('boundary') || undefined
  } catch {
    return undefined
  }
}

/** How many parts the delimiters in `bytes` open (the closing one opens none), stopping past the limit. */
function countParts(bytes: Buffer, delimiter: Buffer): number {
  let delimiters = 0
  for (let at = bytes.indexOf(delimiter); at >= 0; at = bytes.indexOf(delimiter, at + delimiter.length)) {
    if (++delimiters > MAX_MULTIPART_PARTS + 1) break
  }
  return delimiters - 1
}

/**
 * Form fields or query parameters as a flat object of strings, a repeated key keeping its first
 * value (Werkzeug's `MultiDict.to_dict()`). No prototype, so `__proto__` is an ordinary key.
 */
function firstValues(params: URLSearchParams): Record<string, string> {
  const out = Object.create(null) as Record<string, string>
  for (const [key, value] of params) if (!(key in out)) out[key] = value
  return out
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

/** Form fields and query parameters: strings, a repeated key keeping its first value. */
const fields = z
  .object({})
  .catchall(z.string())
  .describe('each field becomes a payload field (a repeated key keeps its first value)')

const legacyDoc = {
  tag: 'Original route',
  auth: 'basic-legacy',
  errors: 'message',
  params: { project: pathParams.project, event: pathParams.eventName },
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
        '`{ "event": { "uuid" }, "message": "ok", "task": { "id" } }` after the COMMIT (task.id is the event id), written as Flask\'s jsonify wrote it (`Content-Type: application/json`, indented)',
      schema: legacyEmittedSchema,
    },
    400: 'a bad event name, a path that is not valid percent-encoding, a JSON body that is not valid JSON or not text in its charset (UTF-8 when none is named), or a malformed multipart body',
    404: '`{"message":"not found"}`: the project does not exist (looked up once Basic credentials are present)',
    409: 'X-Rio-Event-UUID names another event',
    413: "the body is over maxBodyBytes, the payload over Rio's maxPayloadBytes, or a multipart body has more than 1000 parts",
    500: '`{"message":"internal error"}`; or, naming the fix, a body that a body parser of the host app read before Rio\'s handler and kept no raw bytes of (the server\'s set-up, not the request)',
  },
} as const satisfies Omit<RouteDoc, 'operationId' | 'summary'>

const legacyDescription =
  'The original Rio\'s emit route, answering as the 2016 server did (errors as `{ "message" }`). The payload is the JSON body when Content-Type is JSON; otherwise the form fields of a POST or the query parameters of a GET, as one flat object (a repeated key keeps its first value); `{}` when there are none.'

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
      description: `${legacyDescription} A body is read only when it is JSON. This GET stores an event, so HEAD gets 405.`,
      query: fields,
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
      description: `${legacyDescription} The query string of a POST is not read.`,
      body: {
        required: false,
        content: {
          'application/json': z.unknown().describe('any JSON value is the payload; an empty body is {}'),
          'application/x-www-form-urlencoded': fields.describe(
            'each field is a payload field (a body without Content-Type is read as a form), read in the charset the Content-Type names (UTF-8 when none)',
          ),
          'multipart/form-data': fields.describe('each text field is a payload field; files are left out'),
        },
      },
      responses: {
        ...legacyDoc.responses,
        415: 'a body that is neither JSON nor urlencoded or multipart form fields (text/plain, say), or in a charset Rio does not know (a form in UTF-16)',
      },
    },
  },
]
