import { eventId } from '../../../src/events/event-id.js'
import type {
  ClaimedDelivery,
  DeliveryOutcome,
  DeliveryResult,
  EventInput,
  HandlerInput,
  Store,
} from '../../../src/store/store.js'

/** The store under test in the current test; each test gets a fresh, empty one. */
export type CurrentStore = () => Store

/** Every time in the suite is an offset from this instant, passed in as `now`: no clock is read. */
export const T0 = Date.parse('2026-01-01T00:00:00Z')

/** A webhook handler's stored fields; `extra` overrides any of them. */
export function webhookInput(
  project: string,
  name: string,
  pattern: string,
  extra: Partial<HandlerInput> = {},
): HandlerInput {
  return {
    id: eventId(),
    project,
    name,
    kind: 'webhook',
    pattern,
    enabled: true,
    concurrency: 8,
    rateLimit: null,
    retrySchedule: null,
    url: 'http://127.0.0.1:1/hook',
    method: 'POST',
    contentType: 'json',
    secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
    headers: {},
    timeoutMs: 1000,
    ...extra,
  }
}

/** A function handler's stored fields (no URL, method, secrets or timeout). */
export function functionInput(project: string, name: string, pattern: string): HandlerInput {
  return {
    ...webhookInput(project, name, pattern),
    kind: 'function',
    url: null,
    method: null,
    contentType: null,
    secrets: [],
    timeoutMs: null,
  }
}

/** An event as the outbox writes it: a time-ordered id made from its creation time. */
export function eventInput(project: string, name: string, extra: Partial<EventInput> = {}): EventInput {
  const createdAt = extra.createdAt ?? T0
  return {
    id: eventId(createdAt),
    project,
    name,
    payloadJson: '{"n":1}',
    createdAt,
    idempotencyKey: null,
    ...extra,
  }
}

/** Claims up to `limit` due deliveries of one handler for `owner`, leased until `leaseUntil`. */
export function claim(
  store: Store,
  handlerId: string,
  options: { now: number; leaseUntil?: number; owner?: string; limit?: number },
): Promise<ClaimedDelivery[]> {
  return store.claimDueDeliveries({
    slots: [{ handlerId, limit: options.limit ?? 100 }],
    now: options.now,
    leaseUntil: options.leaseUntil ?? options.now + 60_000,
    owner: options.owner ?? 'owner-a',
  })
}

/**
 * The result of one attempt at a claimed delivery; a failure with HTTP 500 unless overridden, made
 * with the settings of a handler inserted at T0 and not changed since (`handlerVersion`).
 */
export function result(
  claimed: Pick<ClaimedDelivery, 'id' | 'handlerId'>,
  outcome: DeliveryOutcome,
  extra: Partial<DeliveryResult> = {},
): DeliveryResult {
  const succeeded = outcome.kind === 'succeeded'
  return {
    deliveryId: claimed.id,
    handlerId: claimed.handlerId,
    startedAt: T0,
    durationMs: 7,
    status: succeeded ? 200 : 500,
    responseBody: succeeded ? 'ok' : 'boom',
    error: succeeded ? null : 'HTTP 500',
    outcome,
    handlerVersion: T0,
    ...extra,
  }
}

/** Claims every due delivery of `handlerId` and completes each with `outcome` at `now`. */
export async function attemptAll(
  store: Store,
  handlerId: string,
  outcome: DeliveryOutcome,
  now: number,
  disableAfterMs = 1e12,
): Promise<ClaimedDelivery[]> {
  const claimed = await claim(store, handlerId, { now })
  await store.completeDeliveries(
    claimed.map((c) => result(c, outcome, { startedAt: now })),
    { now, owner: 'owner-a', disableAfterMs },
  )
  return claimed
}
