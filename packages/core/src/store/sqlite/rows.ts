import type { JsonValue, RioEvent } from '../../events/event.js'
import type { ContentType, Handler, WebhookMethod } from '../../handlers/handler.js'
import type { Attempt, Delivery, DeliveryStatus } from '../delivery.js'
import type { Project, Sender } from '../store.js'

/** Row shapes as SQLite returns them, and their mapping to the store's records. */
export interface ProjectRow {
  id: number
  name: string
  created_at: number
}

export interface SenderRow {
  id: number
  project: string
  name: string
  secret_hash: string
  created_at: number
}

export interface EventRow {
  id: string
  project: string
  name: string
  payload: string
  created_at: number
  idempotency_key: string | null
}

export interface HandlerRow {
  id: string
  project: string
  name: string
  kind: 'webhook' | 'function'
  pattern: string
  enabled: number
  disabled_reason: string | null
  concurrency: number
  rate_limit: number | null
  retry_schedule: string | null
  url: string | null
  method: string | null
  content_type: string | null
  secrets: string
  headers: string
  timeout_ms: number | null
  failing_since: number | null
  created_at: number
  updated_at: number
}

export interface DeliveryRow {
  id: number
  event_id: string
  handler_id: string
  project: string
  status: DeliveryStatus
  attempts: number
  next_attempt_at: number | null
  lease_until: number | null
  last_status: number | null
  last_error: string | null
  created_at: number
  updated_at: number
  finished_at: number | null
}

export interface AttemptRow {
  id: number
  delivery_id: number
  number: number
  started_at: number
  duration_ms: number
  status: number | null
  response_body: string | null
  error: string | null
}

const date = (ms: number | null): Date | null => (ms === null ? null : new Date(ms))

export const toProject = (row: ProjectRow): Project => ({
  id: row.id,
  name: row.name,
  createdAt: new Date(row.created_at),
})

export const toSender = (row: SenderRow): Sender => ({
  id: row.id,
  project: row.project,
  name: row.name,
  secretHash: row.secret_hash,
  createdAt: new Date(row.created_at),
})

/** An event whose payload is parsed on first read: a JSON webhook body is sent as stored, unparsed. */
export function toEvent(row: EventRow): RioEvent {
  let payload: JsonValue | undefined
  return {
    id: row.id,
    project: row.project,
    name: row.name,
    get payload(): JsonValue {
      if (payload === undefined) payload = JSON.parse(row.payload) as JsonValue
      return payload
    },
    createdAt: new Date(row.created_at),
    idempotencyKey: row.idempotency_key,
  }
}

export function toHandler(row: HandlerRow): Handler {
  const base = {
    id: row.id,
    project: row.project,
    name: row.name,
    pattern: row.pattern,
    enabled: row.enabled === 1,
    disabledReason: row.disabled_reason,
    concurrency: row.concurrency,
    rateLimit: row.rate_limit,
    retrySchedule: row.retry_schedule === null ? null : (JSON.parse(row.retry_schedule) as number[]),
    failingSince: date(row.failing_since),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  }
  if (row.kind === 'function') return { ...base, kind: 'function' }
  return {
    ...base,
    kind: 'webhook',
    url: row.url ?? '',
    method: (row.method ?? 'POST') as WebhookMethod,
    contentType: (row.content_type ?? 'json') as ContentType,
    secrets: JSON.parse(row.secrets) as string[],
    headers: JSON.parse(row.headers) as Record<string, string>,
    timeoutMs: row.timeout_ms ?? 15_000,
  }
}

export const toDelivery = (row: DeliveryRow): Delivery => ({
  id: String(row.id),
  eventId: row.event_id,
  handlerId: row.handler_id,
  project: row.project,
  status: row.status,
  attempts: row.attempts,
  nextAttemptAt: row.status === 'pending' ? date(row.next_attempt_at) : null,
  leaseUntil: row.status === 'in_flight' ? date(row.lease_until) : null,
  lastStatus: row.last_status,
  lastError: row.last_error,
  createdAt: new Date(row.created_at),
  updatedAt: new Date(row.updated_at),
  finishedAt: date(row.finished_at),
})

export const toAttempt = (row: AttemptRow): Attempt => ({
  id: row.id,
  deliveryId: String(row.delivery_id),
  number: row.number,
  startedAt: new Date(row.started_at),
  durationMs: row.duration_ms,
  status: row.status,
  responseBody: row.response_body,
  error: row.error,
})
