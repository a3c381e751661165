import { z } from 'zod'
import { RioNotFoundError } from '../errors.js'
import { isUuid } from '../events/event-id.js'
import { eventNameSchema, projectNameSchema } from '../events/event-name.js'
import { ApiError, toApiIssues } from './api-error.js'

const idempotencyKey = z.string().min(1).max(255)

/** One event to emit: `{ name, payload, idempotencyKey? }`. */
export const emitItemSchema = z.object({
  name: eventNameSchema,
  payload: z.unknown().optional(),
  idempotencyKey: idempotencyKey.optional(),
})

/** A batch emit: `{ events: [...] }` of 1 to `maxBatchSize` events. */
export function emitBatchSchema(maxBatchSize: number) {
  return z.object({
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
export const createProjectSchema = z.object({ name: projectNameSchema })

/** `POST /api/v1/projects/:project/senders`. */
export const createSenderSchema = z.object({
  name: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
      'letters, digits, ".", "_" and "-", at most 64, starting with a letter or digit',
    ),
  secret: z.string().min(6).max(512).optional(),
})

/**
 * `POST /api/v1/projects/:project/handlers`: `pattern` plus the options of `rio.webhook()`, which
 * validates the rest itself (with field paths).
 */
export const createHandlerSchema = z.looseObject({
  pattern: z.string().min(1).max(256),
  url: z.string().min(1),
  project: z.string().optional(),
})

/** `PATCH /api/v1/handlers/:id`: any subset of the webhook options and `pattern`. */
export const updateHandlerSchema = z.looseObject({}).refine((value) => Object.keys(value).length > 0, {
  message: 'send at least one field to change',
})

/** `POST /api/v1/handlers/:id/disable`. */
export const disableHandlerSchema = z.object({ reason: z.string().min(1).max(200).optional() }).strict()

const isoDate = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/,
    'an ISO 8601 date, e.g. 2024-05-01 or 2024-05-01T12:00:00Z',
  )
  .transform((value, ctx) => {
    const date = new Date(value)
    const [y, m, d] = value.slice(0, 10).split('-').map(Number) as [number, number, number]
    // Date overflows impossible days (Feb 30 → Mar 1); compare the calendar date with what was written.
    const real = new Date(Date.UTC(y, m - 1, d))
    if (Number.isNaN(date.getTime()) || real.getUTCMonth() !== m - 1 || real.getUTCDate() !== d) {
      ctx.addIssue({ code: 'custom', message: `${value} is not a real date` })
      return z.NEVER
    }
    return date
  })

/** `POST /api/v1/handlers/:id/recover`. */
export const recoverSchema = z.object({ since: isoDate.optional() }).strict()

const limit = z
  .string()
  .regex(/^\d{1,7}$/, 'limit is a whole number from 1 to 1000')
  .transform(Number)
  .pipe(z.number().min(1, 'limit is at least 1').max(1000, 'limit is at most 1000'))

const name = z.string().min(1).max(256)
const eventCursor = z.string().refine(isUuid, 'before is the nextCursor of the previous page (an event id)')
const deliveryCursor = z
  .string()
  .regex(/^[1-9]\d{0,15}$/, 'before is the nextCursor of the previous page (a delivery id)')
const deliveryStatus = z.enum(['pending', 'in_flight', 'succeeded', 'dead', 'cancelled'])

/** Query of `GET /api/v1/events`. */
export const listEventsQuery = z
  .object({
    project: name.optional(),
    name: name.optional(),
    since: isoDate.optional(),
    until: isoDate.optional(),
    before: eventCursor.optional(),
    limit: limit.optional(),
  })
  .strict()

/** Query of `GET /api/v1/deliveries`; `status` may list several, comma-separated. */
export const listDeliveriesQuery = z
  .object({
    project: name.optional(),
    status: z
      .string()
      .transform((value) => value.split(','))
      .pipe(z.array(deliveryStatus).min(1))
      .optional(),
    handler: z.string().refine(isUuid, 'handler is a handler id').optional(),
    event: z.string().refine(isUuid, 'event is an event id').optional(),
    since: isoDate.optional(),
    before: deliveryCursor.optional(),
    limit: limit.optional(),
  })
  .strict()

/** Delivery ids are positive integers. */
export function isDeliveryId(value: string): boolean {
  return /^[1-9]\d{0,15}$/.test(value)
}

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
 * Validates query parameters (the last of repeated keys counts).
 * @throws {@link ApiError} `invalid_request` (400) with an issue per bad parameter
 */
export function parseQuery<T extends z.ZodType>(schema: T, query: URLSearchParams): z.output<T> {
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
