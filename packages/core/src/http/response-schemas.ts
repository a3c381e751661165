import { z } from 'zod'
import type { RioEvent } from '../events/event.js'
import type { FunctionHandler, WebhookHandler } from '../handlers/handler.js'
import type { Attempt, Delivery } from '../store/delivery.js'
import type { Project } from '../store/store.js'
import type { HealthReport } from './health-report.js'

/**
 * What a value becomes through `JSON.stringify`, as the API sends it: a Date is its ISO string.
 * The schemas below are checked against it, so a field added to a type fails to compile until its
 * schema has it too (a field removed is caught by the tests, which validate real answers).
 */
type Serialised<T> = T extends Date
  ? string
  : T extends readonly (infer U)[]
    ? Serialised<U>[]
    : T extends object
      ? { -readonly [K in keyof T]: Serialised<T[K]> }
      : T

/**
 * The named response schemas: each becomes `components.schemas.<id>` of the OpenAPI document, and
 * a route's answer (or another schema) that uses it is a `$ref` to it. Every one is strict: a field
 * the API does not send, or one it sends that is not here, fails validation.
 */
export const responseComponents = z.registry<{ id: string }>()

function named<T extends z.ZodType>(id: string, schema: T): T {
  responseComponents.add(schema, { id })
  return schema
}

const timestamp = z.iso.datetime()
const nullableTimestamp = timestamp.nullable()

export const projectSchema = named(
  'Project',
  z
    .strictObject({
      id: z.number().int(),
      name: z.string(),
      createdAt: timestamp,
    })
    .describe('A namespace of events, senders and handlers.'),
) satisfies z.ZodType<Serialised<Project>>

export const projectListSchema = named(
  'ProjectList',
  z.strictObject({ data: z.array(projectSchema) }).describe('Every project.'),
)

/** The route serialises a sender itself (`senderJson`): never its id, secret or hash. */
export const senderSchema = named(
  'Sender',
  z
    .strictObject({ project: z.string(), name: z.string(), createdAt: timestamp })
    .describe('A credential allowed to emit into one project; never its secret.'),
)

export const senderListSchema = named(
  'SenderList',
  z.strictObject({ data: z.array(senderSchema) }).describe("A project's senders."),
)

export const createdSenderSchema = named(
  'CreatedSender',
  z
    .strictObject({
      sender: senderSchema,
      secret: z.string().describe('shown this once: only its hash is stored'),
      dsn: z
        .url()
        .describe('`http[s]://<name>:<secret>@<host><basePath>/<project>`, to configure the sender with'),
    })
    .describe('A new sender, with its secret and DSN shown once.'),
)

const handlerBase = {
  id: z.string(),
  project: z.string(),
  name: z.string(),
  pattern: z.string().describe('an event name, or a pattern where `*` matches any run of characters'),
  enabled: z.boolean(),
  disabledReason: z
    .string()
    .nullable()
    .describe('why it was disabled (`manual`, `gone`, `endpoint_disabled`, `failing`), or null'),
  concurrency: z.number().int(),
  rateLimit: z.number().nullable().describe('deliveries started per second at most, or null for no limit'),
  retrySchedule: z
    .array(z.number().int())
    .nullable()
    .describe("delays in ms before each attempt; null uses Rio's schedule"),
  failingSince: nullableTimestamp.describe(
    'since when every delivery to it has failed, or null when the last one succeeded',
  ),
  createdAt: timestamp,
  updatedAt: timestamp,
}

const webhookFields = {
  kind: z.literal('webhook'),
  url: z.string(),
  method: z.enum(['POST', 'PUT', 'GET']),
  contentType: z.enum(['json', 'form', 'form-payload']),
  headers: z.record(z.string(), z.string()),
  timeoutMs: z.number().int(),
}

export const webhookHandlerSchema = named(
  'WebhookHandler',
  z
    .strictObject({
      ...handlerBase,
      ...webhookFields,
      secrets: z.array(z.string()).describe('signing secrets; every one signs'),
    })
    .describe('An HTTP endpoint that receives signed requests, with its signing secrets.'),
) satisfies z.ZodType<Serialised<WebhookHandler>>

export const functionHandlerSchema = named(
  'FunctionHandler',
  z
    .strictObject({ ...handlerBase, kind: z.literal('function') })
    .describe('A function in the host process, registered in code under a stable name.'),
) satisfies z.ZodType<Serialised<FunctionHandler>>

export const handlerSchema = named(
  'Handler',
  z.discriminatedUnion('kind', [webhookHandlerSchema, functionHandlerSchema]).describe('A handler.'),
)

/** Lists leave the signing secrets out (`listed()` in routes/handlers.ts). */
export const listedWebhookHandlerSchema = named(
  'ListedWebhookHandler',
  z
    .strictObject({ ...handlerBase, ...webhookFields })
    .describe('A webhook handler as lists show it: without its signing secrets.'),
)

export const handlerPageSchema = named(
  'HandlerPage',
  z
    .strictObject({
      data: z.array(z.discriminatedUnion('kind', [listedWebhookHandlerSchema, functionHandlerSchema])),
      nextCursor: z.string().nullable().describe('pass it as `after` for the next page; null on the last'),
    })
    .describe("A page of a project's handlers by name, without signing secrets."),
)

export const handlerRemovedSchema = named(
  'HandlerRemoved',
  z
    .strictObject({
      deleted: z.literal(true),
      cancelled: z.number().int().describe('how many unfinished deliveries were cancelled'),
    })
    .describe('A removed handler.'),
)

export const requeuedSchema = named(
  'Requeued',
  z
    .strictObject({ requeued: z.number().int().describe('how many dead deliveries are due again') })
    .describe("A handler's dead deliveries, re-queued."),
)

export const eventSchema = named(
  'Event',
  z
    .strictObject({
      id: z.string().describe('a UUIDv7, sent to webhooks as `webhook-id`'),
      project: z.string(),
      name: z.string(),
      payload: z.unknown().describe('any JSON value'),
      createdAt: timestamp,
      idempotencyKey: z.string().nullable(),
    })
    .describe('A stored event: written once, never changed.'),
) satisfies z.ZodType<Serialised<Omit<RioEvent, 'payload'>> & { payload: unknown }>

const deliveryFields = {
  id: z.string(),
  eventId: z.string(),
  handlerId: z.string(),
  project: z.string(),
  status: z.enum(['pending', 'in_flight', 'succeeded', 'dead', 'cancelled']),
  nextAttemptAt: nullableTimestamp.describe('when the next attempt is due (pending), or null'),
  leaseUntil: nullableTimestamp.describe(
    'until when the process that claimed it owns it (in_flight), or null',
  ),
  lastStatus: z.number().int().nullable(),
  lastError: z.string().nullable(),
  createdAt: timestamp,
  updatedAt: timestamp,
  finishedAt: nullableTimestamp,
}

export const deliverySchema = named(
  'Delivery',
  z
    .strictObject({ ...deliveryFields, attempts: z.number().int().describe('attempts made so far') })
    .describe('One event for one handler.'),
) satisfies z.ZodType<Serialised<Delivery>>

export const attemptSchema = named(
  'Attempt',
  z
    .strictObject({
      id: z.number().int(),
      deliveryId: z.string(),
      number: z.number().int().describe('1 for the first attempt'),
      startedAt: timestamp,
      durationMs: z.number(),
      status: z
        .number()
        .int()
        .nullable()
        .describe('HTTP status, or null for function handlers and failures before a response'),
      responseBody: z.string().nullable().describe('at most the first 4 KiB of the response body'),
      error: z.string().nullable(),
    })
    .describe('One try of a delivery.'),
) satisfies z.ZodType<Serialised<Attempt>>

export const eventDetailSchema = named(
  'EventDetail',
  z
    .strictObject({
      ...eventSchema.shape,
      deliveries: z
        .array(deliverySchema)
        .describe(
          "its newest 1000, newest first (page on with GET /api/v1/deliveries?event=<id>&before=<the last one's id>)",
        ),
    })
    .describe('An event with its deliveries.'),
)

export const deliveryDetailSchema = named(
  'DeliveryDetail',
  z
    .strictObject({
      ...deliveryFields,
      attempts: z.array(attemptSchema).describe('every attempt, oldest first (in place of the count)'),
    })
    .describe('A delivery with its attempts.'),
)

/** One page of a list, newest first. */
function pageOf(item: z.ZodType, what: string) {
  return z
    .strictObject({
      data: z.array(item),
      nextCursor: z.string().nullable().describe('pass it as `before` for the next page; null on the last'),
    })
    .describe(`A page of ${what}, newest first.`)
}

export const eventPageSchema = named('EventPage', pageOf(eventSchema, 'events'))

export const deliveryPageSchema = named('DeliveryPage', pageOf(deliverySchema, 'deliveries'))

export const emittedSchema = named(
  'Emitted',
  z
    .strictObject({
      id: z.string().describe("the event's id"),
      duplicate: z
        .boolean()
        .describe('true when the idempotency key named a stored event: nothing was written'),
    })
    .describe('One event, stored.'),
)

export const emittedBatchSchema = named(
  'EmittedBatch',
  z
    .strictObject({ ids: z.array(z.string()).describe('in request order') })
    .describe('A batch of events, stored.'),
)

export const emitAnswerSchema = named(
  'EmitAnswer',
  z
    .union([emittedSchema, emittedBatchSchema])
    .describe('`{ id, duplicate }` for one event, `{ ids }` for a batch.'),
)

export const legacyEmittedSchema = named(
  'LegacyEmitted',
  z
    .strictObject({
      event: z.strictObject({ uuid: z.string() }),
      message: z.literal('ok'),
      task: z.strictObject({ id: z.string().describe('the event id') }),
    })
    .describe("The original route's answer, as the 2016 server gave it."),
)

export const healthySchema = named(
  'Healthy',
  z
    .strictObject({ ok: z.literal(true), problems: z.array(z.string()).max(0) })
    .describe('The readiness report without problems.'),
) satisfies z.ZodType<Serialised<HealthReport>>

export const unhealthySchema = named(
  'Unhealthy',
  z
    .strictObject({
      ok: z.literal(false),
      problems: z
        .array(z.string())
        .min(1)
        .describe('one sentence per problem, naming the number and the threshold'),
    })
    .describe('The readiness report with problems.'),
) satisfies z.ZodType<Serialised<HealthReport>>

/** The OpenAPI document itself, checked at its top levels (the paths hold what this file describes). */
export const openApiDocumentSchema = named(
  'OpenApiDocument',
  z
    .strictObject({
      openapi: z.literal('3.1.0'),
      info: z.strictObject({
        title: z.string(),
        version: z.string(),
        description: z.string(),
        license: z.strictObject({ name: z.string(), identifier: z.string() }),
      }),
      servers: z.array(z.strictObject({ url: z.string(), description: z.string() })),
      tags: z.array(z.strictObject({ name: z.string(), description: z.string() })),
      paths: z.record(
        z.string(),
        z.record(
          z.string(),
          z.looseObject({
            operationId: z.string(),
            summary: z.string(),
            tags: z.array(z.string()),
            security: z.array(z.record(z.string(), z.array(z.string()))),
            responses: z.record(z.string(), z.looseObject({ description: z.string() })),
          }),
        ),
      ),
      components: z.strictObject({
        securitySchemes: z.record(z.string(), z.looseObject({ type: z.string() })),
        schemas: z.record(z.string(), z.looseObject({})),
      }),
    })
    .describe('An OpenAPI 3.1 document.'),
)
