import { z } from 'zod'
import { VERSION } from '../version.js'
import type { ApiErrorBody } from './api-error.js'
import type { ResolvedApiOptions } from './api-options.js'
import { responseComponents } from './response-schemas.js'
import type { DocSchema, ResponseDoc, Route, RouteAuth, RouteDoc, RouteTag } from './route.js'
import { type ApiErrorCode, HTTP_ERROR_STATUS, RIO_ERROR_STATUS } from './status.js'

/** A JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1), as plain data. */
export type JsonSchema = { readonly [keyword: string]: unknown }

/** A path, query or header parameter of an {@link OpenApiOperation}. */
export interface OpenApiParameter {
  readonly name: string
  readonly in: 'path' | 'query' | 'header'
  readonly required: boolean
  readonly description?: string
  readonly schema: JsonSchema
  /** Set on a free-form query object: each of its fields is one query parameter. */
  readonly style?: 'form'
  readonly explode?: boolean
}

/** The media types of a request or response body, each with its schema. */
export type OpenApiContent = Readonly<Record<string, { readonly schema: JsonSchema }>>

/** One answer of an {@link OpenApiOperation}. */
export interface OpenApiResponse {
  readonly description: string
  readonly headers?: Readonly<Record<string, { readonly description: string; readonly schema: JsonSchema }>>
  readonly content?: OpenApiContent
}

/** One method of one path of an {@link OpenApiDocument}. */
export interface OpenApiOperation {
  readonly operationId: string
  readonly summary: string
  readonly description?: string
  readonly tags: readonly string[]
  /** Any one of these schemes (by name in `components.securitySchemes`); empty when none is needed. */
  readonly security: readonly Readonly<Record<string, readonly string[]>>[]
  readonly parameters?: readonly OpenApiParameter[]
  readonly requestBody?: { readonly required: boolean; readonly content: OpenApiContent }
  /** By status code. */
  readonly responses: Readonly<Record<string, OpenApiResponse>>
}

/** Rio's HTTP API as an OpenAPI 3.1 document; see {@link openApiDocument}. */
export interface OpenApiDocument {
  readonly openapi: '3.1.0'
  readonly info: {
    readonly title: string
    readonly version: string
    readonly description: string
    readonly license: { readonly name: string; readonly identifier: string }
  }
  readonly servers: readonly { readonly url: string; readonly description: string }[]
  readonly tags: readonly { readonly name: string; readonly description: string }[]
  /** By path (`/api/v1/handlers/{id}`), then by lower-case method. */
  readonly paths: Readonly<Record<string, Readonly<Record<string, OpenApiOperation>>>>
  readonly components: {
    readonly securitySchemes: Readonly<
      Record<
        string,
        { readonly type: 'http'; readonly scheme: 'bearer' | 'basic'; readonly description: string }
      >
    >
    readonly schemas: Readonly<Record<string, JsonSchema>>
  }
}

const TAGS: Readonly<Record<RouteTag, string>> = {
  Emit: 'Store an event and fan it out to every matching handler (a sender of the project, or the admin).',
  'Original route': "The original Rio's emit route, answering as the 2016 server did, so old senders work.",
  Health: 'Liveness and readiness, without authentication.',
  Projects: 'Namespaces of events, senders and handlers (admin).',
  Senders: 'Credentials allowed to emit into one project (admin).',
  Handlers: 'Webhook subscriptions and in-process function handlers (admin).',
  Events: 'Stored events, newest first (admin).',
  Deliveries: 'One event for one handler, with its attempts; re-triggering (admin).',
  Reference: 'This document.',
}

const SECURITY: Readonly<Record<RouteAuth, OpenApiOperation['security']>> = {
  admin: [{ adminToken: [] }],
  'sender-or-admin': [{ senderBasic: [] }, { adminToken: [] }],
  'basic-legacy': [{ senderBasic: [] }],
  none: [],
}

const RETRY_AFTER = { 'Retry-After': { description: 'seconds to wait', schema: { type: 'integer' } } }

/** Headers the answers of a status may carry (a 503 `closed` has Retry-After; a `database_error` not). */
const STATUS_HEADERS: Readonly<Record<number, OpenApiResponse['headers']>> = {
  401: {
    'WWW-Authenticate': {
      description: 'the scheme to authenticate with: Basic or Bearer, realm "rio"',
      schema: { type: 'string' },
    },
  },
  429: RETRY_AFTER,
  503: RETRY_AFTER,
}

const ERROR_CODES = [...Object.keys(RIO_ERROR_STATUS), ...Object.keys(HTTP_ERROR_STATUS)].sort() as [
  ApiErrorCode,
  ...ApiErrorCode[],
]

/** The body of every JSON error answer; typed against {@link ApiErrorBody} so the two cannot part. */
const errorBodySchema = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES).describe('stable: switch on it, not on message'),
      message: z.string().describe('names the subject, the bad value and the fix'),
      issues: z
        .array(
          z.object({
            path: z
              .string()
              .describe('a dotted path from the body root (events.1.name), or the query parameter'),
            message: z.string(),
          }),
        )
        .optional()
        .describe('on validation errors, one per bad field'),
    }),
  })
  .describe('Every JSON error answer (the original route excepted).') satisfies z.ZodType<ApiErrorBody>

const legacyErrorSchema = z
  .object({ message: z.string() })
  .describe('The original route\'s error answer, e.g. {"message":"wrong token"}.')

/**
 * Builds the OpenAPI document of `routes` from their {@link RouteDoc}s and zod schemas.
 * @param routes - the route table the API serves
 * @param options - the API's options: `basePath` or `publicUrl` give the server URL; `maxBatchSize`,
 *   `maxBodyBytes` and `maxJsonDepth` appear in the schemas and answers
 * @returns a fresh document
 * @throws Error when the routes contradict themselves (an undocumented path parameter, a repeated
 *   `operationId` or method and path), or when a schema has no JSON Schema form (a Date, a bigint)
 */
export function buildOpenApiDocument(routes: readonly Route[], options: ResolvedApiOptions): OpenApiDocument {
  const paths: Record<string, Record<string, OpenApiOperation>> = {}
  const ids = new Set<string>()
  for (const route of routes) {
    const what = `${route.method} ${route.path}`
    if (ids.has(route.doc.operationId))
      throw new Error(`${what}: operationId "${route.doc.operationId}" is taken`)
    ids.add(route.doc.operationId)
    const path = route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')
    paths[path] ??= {}
    const item = paths[path]
    const method = route.method.toLowerCase()
    if (item[method]) throw new Error(`${what} is in the route table twice`)
    item[method] = operation(route, options)
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Rio HTTP API',
      version: VERSION,
      // Paragraphs of Markdown.
      description: [
        "Rio's HTTP API: emit events (a sender's HTTP Basic credentials from its DSN, or the admin " +
          "token), the original Rio's emit route, health checks, and the management API (the admin " +
          'Bearer token).',
        'Answers are JSON unless noted; errors are `{ "error": { code, message, issues? } }` (the ' +
          'original route\'s are `{ "message" }`), and a refused request writes nothing. A known path ' +
          'with another method gets 405 `method_not_allowed` with `Allow`; HEAD is answered wherever ' +
          'GET is, except on the original route, whose GET stores an event. A trailing slash is ignored.',
        "Generated from Rio's route table and zod schemas; docs/api.md describes the same routes in prose.",
      ].join('\n\n'),
      license: { name: 'BSD-3-Clause', identifier: 'BSD-3-Clause' },
    },
    servers: [
      options.publicUrl !== undefined
        ? { url: options.publicUrl, description: 'the configured publicUrl' }
        : options.basePath
          ? { url: options.basePath, description: `mounted under ${options.basePath}` }
          : { url: '/', description: 'mounted at the root' },
    ],
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    paths,
    components: {
      securitySchemes: {
        adminToken: {
          type: 'http',
          scheme: 'bearer',
          description:
            'one of the adminToken API options: the management API, and emitting into any existing project',
        },
        senderBasic: {
          type: 'http',
          scheme: 'basic',
          description: "a sender's name and secret (the user info of its DSN): emitting into its project",
        },
      },
      schemas: {
        Error: jsonSchema(errorBodySchema),
        LegacyError: jsonSchema(legacyErrorSchema),
        ...componentSchemas(),
      },
    },
  }
}

function operation(route: Route, options: ResolvedApiOptions): OpenApiOperation {
  const { doc } = route
  const parameters = [...pathParameters(route), ...queryParameters(doc), ...headerParameters(doc)]
  const requestBody = doc.body && {
    required: doc.body.required,
    content: Object.fromEntries(
      Object.entries(doc.body.content).map(([type, schema]) => [type, { schema: resolve(schema, options) }]),
    ),
  }
  const given: Record<number, string | ResponseDoc> = { ...implied(route, options), ...doc.responses }
  const responses: Record<string, OpenApiResponse> = {}
  for (const [status, answer] of Object.entries(given)) {
    responses[status] = response(Number(status), answer, doc.errors ?? 'api')
  }
  return {
    operationId: doc.operationId,
    summary: doc.summary,
    ...(doc.description !== undefined ? { description: doc.description } : {}),
    tags: [doc.tag],
    security: SECURITY[doc.auth],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses,
  }
}

/**
 * The answers a route gives through its path parameters, authentication and body, worded for its
 * options. The router refuses a path parameter that is not valid percent-encoding with 400 before
 * the route runs, so every route with one can answer 400.
 */
function implied(route: Route, options: ResolvedApiOptions): Record<number, string> {
  const { doc } = route
  const answers: Record<number, string> = {}
  const badPath = route.path.includes('/:')
    ? 'invalid_request: a path parameter that is not valid percent-encoding (`%zz`)'
    : undefined
  if (badPath) answers[400] = badPath
  if (doc.body) {
    answers[400] = `invalid_request (with \`issues\`) or malformed_json: the body failed validation, is not JSON or UTF-8, or is nested deeper than maxJsonDepth (${options.maxJsonDepth})${badPath ? `; ${badPath}` : ''}`
    answers[413] = `body_too_large: the body is over maxBodyBytes (${options.maxBodyBytes} bytes)`
    answers[415] = `unsupported_media_type: send ${Object.keys(doc.body.content).join(' or ')}`
    answers[500] =
      "body_already_read: a body parser of the host app read the body before Rio's handler and kept no raw bytes (mount Rio before body parsers; see docs/api.md)"
  }
  switch (doc.auth) {
    case 'admin':
    case 'sender-or-admin':
      answers[401] =
        doc.auth === 'admin'
          ? 'unauthorized: the admin token is missing or wrong'
          : 'unauthorized: no credentials, or a wrong sender secret or token'
      answers[403] =
        doc.auth === 'admin'
          ? 'admin_api_disabled: the API has no adminToken, so the management API is off'
          : 'forbidden: a sender of another project'
      answers[429] = 'rate_limited: too many failed authentications from this address'
      answers[503] = doc.body
        ? 'closed, database_error, database_corrupt or server_busy: Rio is stopping, the database is busy or damaged (nothing was written), or the server holds all the request bodies it may (maxBufferedBodyBytes); retry later'
        : 'closed, database_error or database_corrupt: Rio is stopping, or the database is busy or damaged; retry later'
      break
    case 'basic-legacy':
      answers[401] =
        '{"message":"unauthorized"} without Basic credentials; {"message":"wrong token"} for an unknown sender or a wrong secret'
      answers[403] = '{"message":"forbidden"}: a sender of another project'
      answers[429] = '{"message":"too many requests"}: too many failed authentications from this address'
      answers[503] =
        'Rio is stopping, the database is busy or damaged (nothing was written), or the server holds all the request bodies it may (maxBufferedBodyBytes); retry later'
      break
    case 'none':
      break
  }
  return answers
}

function response(status: number, given: string | ResponseDoc, errors: 'api' | 'message'): OpenApiResponse {
  const doc = typeof given === 'string' ? { description: given } : given
  const headers = STATUS_HEADERS[status]
  const content = contentOf(doc, status, errors)
  return {
    description: doc.description,
    ...(headers ? { headers } : {}),
    ...(content ? { content } : {}),
  }
}

function contentOf(doc: ResponseDoc, status: number, errors: 'api' | 'message'): OpenApiContent | null {
  const json = { 'application/json': { schema: doc.schema ? responseSchema(doc.schema) : {} } }
  const text = { 'text/plain': { schema: doc.text ? responseSchema(doc.text) : { type: 'string' } } }
  switch (doc.body ?? (status >= 400 ? 'error' : 'json')) {
    case 'json':
      return json
    case 'text':
      return text
    case 'text-or-json':
      return { ...text, ...json }
    case 'error':
      return {
        'application/json': {
          schema: { $ref: `#/components/schemas/${errors === 'message' ? 'LegacyError' : 'Error'}` },
        },
      }
    case 'none':
      return null
  }
}

function pathParameters(route: Route): OpenApiParameter[] {
  const names = [...route.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((match) => match[1]!)
  const documented = Object.keys(route.doc.params ?? {})
  const extra = documented.filter((name) => !names.includes(name))
  if (extra.length > 0) {
    throw new Error(`${route.method} ${route.path} documents path parameters it lacks: ${extra.join(', ')}`)
  }
  return names.map((name) => {
    const param = route.doc.params?.[name]
    if (!param)
      throw new Error(`${route.method} ${route.path} does not document its path parameter "${name}"`)
    return {
      name,
      in: 'path',
      required: true,
      description: param.description,
      schema: jsonSchema(param.schema),
    }
  })
}

/** One parameter per field of the query object; its free-form rest (the original route's) as one. */
function queryParameters(doc: RouteDoc): OpenApiParameter[] {
  if (!doc.query) return []
  const {
    properties = {},
    required = [],
    additionalProperties,
    description,
  } = jsonSchema(doc.query) as {
    properties?: Record<string, JsonSchema>
    required?: string[]
    additionalProperties?: JsonSchema | boolean
    description?: string
  }
  const parameters: OpenApiParameter[] = Object.entries(properties).map(([name, schema]) => {
    const { description: about, ...rest } = schema as { description?: string }
    return {
      name,
      in: 'query',
      required: required.includes(name),
      ...(about !== undefined ? { description: about } : {}),
      schema: rest,
    }
  })
  if (typeof additionalProperties === 'object') {
    parameters.push({
      name: 'fields',
      in: 'query',
      required: false,
      ...(description !== undefined ? { description } : {}),
      schema: { type: 'object', additionalProperties },
      style: 'form',
      explode: true,
    })
  }
  return parameters
}

function headerParameters(doc: RouteDoc): OpenApiParameter[] {
  return Object.entries(doc.headers ?? {}).map(([name, header]) => ({
    name,
    in: 'header',
    required: false,
    description: header.description,
    schema: jsonSchema(header.schema),
  }))
}

function resolve(schema: DocSchema, options: ResolvedApiOptions): JsonSchema {
  return jsonSchema(typeof schema === 'function' ? schema(options) : schema)
}

const COMPONENT_URI = (id: string) => `#/components/schemas/${id}`

/**
 * The named response schemas as `components.schemas` (what the API sends: `io: 'output'`), each
 * referring to the others by `$ref`.
 */
function componentSchemas(): Record<string, JsonSchema> {
  const { schemas } = z.toJSONSchema(responseComponents, {
    io: 'output',
    unrepresentable: 'throw',
    uri: COMPONENT_URI,
  })
  const shared = Object.keys(schemas).filter((id) => id.startsWith('__'))
  if (shared.length > 0) throw new Error(`response schemas share unnamed schemas: ${shared.join(', ')}`)
  return Object.fromEntries(
    Object.entries(schemas).map(([id, { $schema: _dialect, $id: _id, ...rest }]) => [id, rest]),
  )
}

/** A `$ref` to a named response schema; any other is written out (`io: 'output'`). */
function responseSchema(schema: z.ZodType): JsonSchema {
  const named = responseComponents.get(schema)
  if (named) return { $ref: COMPONENT_URI(named.id) }
  const {
    $schema: _dialect,
    $defs,
    ...rest
  } = z.toJSONSchema(schema, {
    io: 'output',
    unrepresentable: 'throw',
    metadata: responseComponents,
  })
  if ($defs) throw new Error('a response schema that uses a named one must be named itself')
  return rest
}

/**
 * The JSON Schema of what a client sends (`io: 'input'`: before transforms, so a `limit` is the
 * string in the query). A schema with no JSON Schema form throws instead of documenting nothing.
 */
function jsonSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'throw' })
  return rest
}
