import { z } from 'zod'
import { RioNotFoundError } from '../errors.js'
import { isUuid } from '../events/event-id.js'
import { eventNameSchema, projectNameSchema } from '../events/event-name.js'
import { webhookOptionsSchema } from '../handlers/handler-options.js'
import { PATTERN_RE } from '../handlers/pattern.js'
import { ApiError, toApiIssues } from './api-error.js'
import type { ParamDoc } from './route.js'

const idempotencyKey = z.string().min(1).max(255)

/**
 * One event to emit: `{ name, payload, idempotencyKey? }`. Strict: a misspelt `payload` would
 * otherwise store the event with a `null` payload, and a stray `events` beside `name` drop a batch.
 */
export const emitItemSchema = z.strictObject({
  name: eventNameSchema.describe('the event name; handlers subscribe to it or to a pattern matching it'),
  payload: z
    .unknown()
    .optional()
    .describe("any JSON value (stored as null when absent), at most Rio's maxPayloadBytes serialised"),
  idempotencyKey: idempotencyKey
    .optional()
    .describe(
      "a repeat in the project with the same name and payload (a retry) returns the first event's id and writes nothing; with another name or payload it is refused with 422 idempotency_key_reused",
    ),
})

/** A batch emit: `{ events: [...] }` of 1 to `maxBatchSize` events. */
export function emitBatchSchema(maxBatchSize: number) {
  return z.strictObject({
    events: z
      .array(emitItemSchema)
      .min(1, 'a batch holds at least one event')
      .max(maxBatchSize, `a batch holds at most ${maxBatchSize} events; split it`),
  })
}

/** The `Idempotency-Key` request header: 1 to 200 visible ASCII characters (batch items add `:<index>`). */
export const idempotencyHeaderSchema = z
  .string()
  .regex(/^[\x21-\x7e]{1,200}$/, 'Idempotency-Key is 1 to 200 visible ASCII characters')

/** `POST /api/v1/projects`. */
export const createProjectSchema = z.object({ name: projectNameSchema }).strict()

const senderName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
    'letters, digits, ".", "_" and "-", at most 64, starting with a letter or digit',
  )

/** `POST /api/v1/projects/:project/senders`. */
export const createSenderSchema = z
  .object({
    name: senderName,
    secret: z
      .string()
      .min(6)
      .max(512)
      // A lone UTF-16 surrogate cannot be put in a DSN (the answer failed after the sender was
      // stored), nor sent in UTF-8: it is hashed as U+FFFD, so such secrets would collide.
      .refine((secret) => !/\p{Cs}/u.test(secret), 'a secret must be valid Unicode (no lone surrogates)')
      .optional()
      .describe('bring your own; generated when absent. Shown once, in the answer; only its hash is kept'),
  })
  // Strict: a misspelt `secret` would otherwise give the sender a generated secret it was never meant to have.
  .strict()

/**
 * `POST /api/v1/projects/:project/handlers`: `pattern` plus the options of `rio.webhook()`, which
 * validates the rest itself (with field paths).
 */
export const createHandlerSchema = z.looseObject({
  pattern: z.string().min(1).max(256),
  url: z.string().min(1),
  project: z.string().optional(),
})

/** Each field of `shape` with its description, for the API reference; validation is unchanged. */
function describeShape<T extends Record<string, z.ZodType>>(
  shape: T,
  docs: { readonly [K in keyof T]: string },
): T {
  return Object.fromEntries(
    Object.entries(shape).map(([key, schema]) => [key, schema.describe(docs[key as keyof T])]),
  ) as T
}

// Typed against the shape, so a webhook option added without a description here does not compile.
const webhookBodyShape = describeShape(
  { pattern: z.string().regex(PATTERN_RE), ...webhookOptionsSchema.shape },
  {
    pattern: 'an event name, or a pattern in which "*" matches any run of characters ("comment.*", "*")',
    project: 'the project of the path; leave it out (any other value is refused)',
    concurrency: "at most this many deliveries at once, per process; default Rio's handlerConcurrency",
    rateLimit: 'at most this many deliveries started per second, per process; null for no limit',
    retrySchedule:
      "delays in ms before each attempt (the first is taken as immediate); null for Rio's retrySchedule",
    enabled: 'whether it receives deliveries (default true)',
    url: 'http(s) URL; may hold {{ payload.x }} templates',
    name: 'stable name, unique in the project, in any script (kept in Unicode NFC; no control, bidi-formatting or invisible characters); posting it again updates that handler (default "<pattern> <url>")',
    method: 'default POST',
    contentType:
      'body encoding: json (default), form (top-level keys as form fields) or form-payload (the JSON in field "payload")',
    secret:
      'a signing secret (whsec_… or whsk_… for ed25519); generated when neither secret nor secrets is given',
    secrets: 'several signing secrets (rotation): every one signs each request',
    headers: 'static headers sent with every request; names are RFC 9110 tokens',
    timeoutMs: "request timeout in ms, at most 600000; default Rio's timeoutMs",
  },
)

/**
 * `POST /api/v1/projects/:project/handlers` as `rio.webhook()` validates it, for the API reference:
 * the route parses {@link createHandlerSchema} and leaves the rest to `rio.webhook()`, which refuses
 * unknown fields with 400 `invalid_handler`.
 */
export const webhookBodySchema = z.object(webhookBodyShape).strict()

/**
 * `PATCH /api/v1/handlers/:id` as `rio.updateHandler()` validates it, for the API reference: at
 * least one of `pattern` and the webhook options, except `project`, `name` and `enabled`.
 */
export const webhookPatchSchema = z
  .object(webhookBodyShape)
  .omit({ project: true, name: true, enabled: true })
  .partial()
  .strict()
  .meta({ minProperties: 1 })

/** `PATCH /api/v1/handlers/:id`: any subset of the webhook options and `pattern`. */
export const updateHandlerSchema = z.looseObject({}).refine((value) => Object.keys(value).length > 0, {
  message: 'send at least one field to change',
})

/** `POST /api/v1/handlers/:id/disable`. */
export const disableHandlerSchema = z
  .object({
    reason: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('kept as the handler\'s disabledReason (default "manual")'),
  })
  .strict()

/** What a time in a query or body may be, for the reference and the 400 message. */
const AT =
  'an ISO 8601 date (2024-05-01, midnight UTC) or date and time with Z or an offset (2024-05-01T12:00:00Z, 2024-05-01T14:00:00+02:00)'

/**
 * A time: a date alone is midnight UTC; a date and time must say its offset, since the server's time
 * zone is not the caller's to know (JavaScript would read one without an offset in the server's zone).
 */
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/, AT)
  .transform((value, ctx) => {
    const date = new Date(value)
    const [y, m, d] = value.slice(0, 10).split('-').map(Number) as [number, number, number]
    // Date overflows impossible days (Feb 30 → Mar 1); compare the calendar date with what was written.
    // setUTCFullYear, not Date.UTC, which reads years 0–99 as 1900–1999 (0000-02-29 exists, 1900-02-29 not).
    const real = new Date(0)
    real.setUTCFullYear(y, m - 1, d)
    // JavaScript reads 24:00 as the next day's midnight; it is refused, as the CLI and dashboard do.
    const hour = value.length > 10 ? Number(value.slice(11, 13)) : 0
    if (
      Number.isNaN(date.getTime()) ||
      real.getUTCMonth() !== m - 1 ||
      real.getUTCDate() !== d ||
      hour > 23
    ) {
      ctx.addIssue({ code: 'custom', message: `${value} is not a real date` })
      return z.NEVER
    }
    return date
  })

/** `POST /api/v1/handlers/:id/recover`. */
export const recoverSchema = z
  .object({
    since: isoDate
      .optional()
      .describe(`re-queue dead deliveries created since then, ${AT}; default the last 7 days`),
  })
  .strict()

const limit = z
  .string()
  .regex(/^\d{1,7}$/, 'limit is a whole number from 1 to 1000')
  .transform(Number)
  .pipe(z.number().min(1, 'limit is at least 1').max(1000, 'limit is at most 1000'))

const name = z.string().min(1).max(256)
const DELIVERY_ID = /^[1-9]\d{0,15}$/
// Lower-cased as stored, so a cursor a client re-wrote in upper case still compares in id order.
const eventCursor = z
  .string()
  .refine(isUuid, 'before is the nextCursor of the previous page (an event id)')
  .transform((value) => value.toLowerCase())
const deliveryCursor = z
  .string()
  .regex(DELIVERY_ID, 'before is the nextCursor of the previous page (a delivery id)')
const deliveryStatus = z.enum(['pending', 'in_flight', 'succeeded', 'dead', 'cancelled'])

const pageFields = {
  before: 'the nextCursor of the previous page',
  limit: 'page size, 1 to 1000 (default 50)',
}

/** Query of `GET /api/v1/events`. */
export const listEventsQuery = z
  .object({
    project: name.optional().describe('only events of this project'),
    name: name.optional().describe('only events of this name'),
    since: isoDate.optional().describe(`only events created at or after this time, ${AT}`),
    until: isoDate.optional().describe(`only events created before this time, ${AT}`),
    before: eventCursor.optional().describe(`${pageFields.before} (an event id)`),
    limit: limit.optional().describe(pageFields.limit),
  })
  .strict()

/** Query of `GET /api/v1/projects/:project/handlers`: handlers by name, a page at a time. */
export const listHandlersQuery = z
  .object({
    // Lower-cased as stored, as event cursors are.
    after: z
      .string()
      .refine(isUuid, 'after is the nextCursor of the previous page (a handler id)')
      .transform((value) => value.toLowerCase())
      .optional()
      .describe('the nextCursor of the previous page (a handler id): the handlers after it by name'),
    limit: limit.optional().describe(pageFields.limit),
  })
  .strict()

/** Query of `GET /api/v1/deliveries`; `status` may list several, comma-separated. */
export const listDeliveriesQuery = z
  .object({
    project: name.optional().describe('only deliveries of this project'),
    status: z
      .string()
      .transform((value) => value.split(','))
      .pipe(z.array(deliveryStatus).min(1))
      .optional()
      .describe(`one of ${deliveryStatus.options.join(', ')}, or several comma-separated (dead,pending)`),
    handler: z
      .string()
      .refine(isUuid, 'handler is a handler id')
      .optional()
      .describe('only deliveries to this handler (its id)'),
    event: z
      .string()
      .refine(isUuid, 'event is an event id')
      .optional()
      .describe('only deliveries of this event (its id)'),
    since: isoDate.optional().describe(`only deliveries created at or after this time, ${AT}`),
    before: deliveryCursor.optional().describe(`${pageFields.before} (a delivery id)`),
    limit: limit.optional().describe(pageFields.limit),
  })
  .strict()

/** Delivery ids are positive integers. */
export function isDeliveryId(value: string): boolean {
  return DELIVERY_ID.test(value)
}

/** The path parameters of the API, for the API reference: the values that can exist. */
export const pathParams = {
  project: {
    description: 'a project name; a name no project can have gets 404',
    schema: projectNameSchema,
  },
  handlerId: { description: 'a handler id (a UUID)', schema: z.guid() },
  eventId: { description: 'an event id (a UUID)', schema: z.guid() },
  deliveryId: { description: 'a delivery id (a positive integer)', schema: z.string().regex(DELIVERY_ID) },
  senderName: { description: 'a sender name', schema: senderName },
  eventName: { description: 'the event name', schema: eventNameSchema },
} as const satisfies Record<string, ParamDoc>

/**
 * Validates a request body.
 * @throws {@link ApiError} `invalid_request` (400) with an issue per bad field
 */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const result = schema.safeParse(body)
  if (result.success) return result.data
  throw invalid('the request body is invalid', result.error.issues)
}

/**
 * Validates query parameters. A parameter given twice is refused rather than one of its values
 * silently dropped (`?status=dead&status=pending` would otherwise list only pending deliveries).
 * @throws {@link ApiError} `invalid_request` (400) with an issue per bad or repeated parameter
 */
export function parseQuery<T extends z.ZodType>(schema: T, query: URLSearchParams): z.output<T> {
  const seen = new Set<string>()
  const repeated = new Set<string>()
  for (const key of query.keys()) (seen.has(key) ? repeated : seen).add(key)
  if (repeated.size > 0) {
    const issues = [...repeated].slice(0, 10).map((key) => ({
      path: key.slice(0, 100),
      message: `${key.slice(0, 100)} is given more than once; give it once${key === 'status' ? ' (several statuses are comma-separated: status=dead,pending)' : ''}`,
    }))
    throw new ApiError(
      'invalid_request',
      `the query parameters are invalid: ${issues.map((i) => i.message).join('; ')}`,
      { issues },
    )
  }
  const result = schema.safeParse(Object.fromEntries(query))
  if (result.success) return result.data
  throw invalid('the query parameters are invalid', result.error.issues)
}

function invalid(what: string, issues: readonly z.core.$ZodIssue[]): ApiError {
  const apiIssues = toApiIssues(issues)
  const detail = apiIssues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')
  return new ApiError('invalid_request', `${what}: ${detail}`, { issues: apiIssues })
}

/**
 * A project name from the path. A name no project can have (`..`, `a/b`) is simply not found.
 * @throws {@link RioNotFoundError}
 */
export function projectParam(value: string | undefined): string {
  if (value === undefined || !projectNameSchema.safeParse(value).success) {
    throw new RioNotFoundError('project', String(value).slice(0, 200))
  }
  return value
}

/**
 * A handler or event id (a UUID) from the path; anything else cannot exist.
 * @throws {@link RioNotFoundError}
 */
export function idParam(resource: 'handler' | 'event', value: string | undefined): string {
  if (value === undefined || !isUuid(value)) {
    throw new RioNotFoundError(resource, String(value).slice(0, 200), `${resource} ids are UUIDs`)
  }
  return value.toLowerCase()
}

/**
 * A delivery id (a positive integer) from the path.
 * @throws {@link RioNotFoundError}
 */
export function deliveryParam(value: string | undefined): string {
  if (value === undefined || !isDeliveryId(value)) {
    throw new RioNotFoundError('delivery', String(value).slice(0, 200), 'delivery ids are positive integers')
  }
  return value
}
