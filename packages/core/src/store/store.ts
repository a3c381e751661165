import type { RioEvent } from '../events/event.js'
import type { ContentType, Handler, WebhookMethod } from '../handlers/handler.js'
import type { Attempt, Delivery, DeliveryStatus } from './delivery.js'
import type { WriteFailure } from './store-fault.js'

/** A namespace for senders, events and handlers. */
export interface Project {
  readonly id: number
  readonly name: string
  readonly createdAt: Date
}

/** A credential allowed to emit into one project; only a hash of its secret is stored. */
export interface Sender {
  readonly id: number
  readonly project: string
  readonly name: string
  readonly secretHash: string
  readonly createdAt: Date
}

/** An event to write; the payload is already serialised (and size-checked) by the outbox. */
export interface EventInput {
  readonly id: string
  readonly project: string
  readonly name: string
  readonly payloadJson: string
  readonly createdAt: number
  readonly idempotencyKey: string | null
}

/** What writing one event did. */
export interface EventOutcome {
  /** The stored event's id: for a repeated idempotency key, the first event's. */
  readonly id: string
  /** True when the idempotency key was seen before and nothing was written. */
  readonly duplicate: boolean
  /** How many deliveries were created (0 for duplicates). */
  readonly deliveries: number
}

/** The stored fields of a handler being created. */
export interface HandlerInput {
  readonly id: string
  readonly project: string
  readonly name: string
  readonly kind: 'webhook' | 'function'
  readonly pattern: string
  readonly enabled: boolean
  readonly concurrency: number
  readonly rateLimit: number | null
  readonly retrySchedule: readonly number[] | null
  readonly url: string | null
  readonly method: WebhookMethod | null
  readonly contentType: ContentType | null
  readonly secrets: readonly string[]
  readonly headers: Readonly<Record<string, string>>
  readonly timeoutMs: number | null
}

/** Fields of a handler that can change after creation. */
export type HandlerPatch = Partial<
  Pick<
    HandlerInput,
    | 'pattern'
    | 'concurrency'
    | 'rateLimit'
    | 'retrySchedule'
    | 'url'
    | 'method'
    | 'contentType'
    | 'secrets'
    | 'headers'
    | 'timeoutMs'
  >
>

/** A delivery handed to a dispatcher, with what it needs to make the attempt. */
export interface ClaimedDelivery {
  readonly id: string
  readonly handlerId: string
  /** Attempts made before this one. */
  readonly attempts: number
  /** The attempt count when it was last re-queued by hand; the retry schedule counts from here. */
  readonly retryFrom: number
  /**
   * True when the last attempt was lost (its claimant's lease ran out: the process crashed or
   * stalled) and is already counted in `attempts`, but the retry schedule has not been applied to
   * it yet: the claimant decides, before attempting, whether it is due now, later or dead, and
   * records that with {@link Store.settleDeliveries}.
   */
  readonly lastAttemptLost: boolean
  readonly event: RioEvent
  /** The payload exactly as stored, so webhook bodies need no second serialisation. */
  readonly payloadJson: string
}

/** One handler's share of a claim: at most `limit` of its due deliveries. */
export interface ClaimSlot {
  readonly handlerId: string
  readonly limit: number
  /**
   * Until when this handler's claims last, when it differs from the claim's `leaseUntil`: a handler
   * whose attempts may run longer needs a longer lease, or it would run out mid-attempt.
   */
  readonly leaseUntil?: number
}

/** Where work is waiting, as {@link Store.dueTimes} reads it. */
export interface DueTimes {
  /** For each enabled handler with pending deliveries, when its earliest one is due (ms since epoch). */
  readonly handlers: ReadonlyMap<string, number>
  /** When the earliest lease of a delivery in flight runs out, or null when none is in flight. */
  readonly leaseUntil: number | null
}

/** What became of one attempt. */
export type DeliveryOutcome =
  | { readonly kind: 'succeeded' }
  | { readonly kind: 'retry'; readonly nextAttemptAt: number }
  | { readonly kind: 'dead' }

/** The result of one attempt, written by {@link Store.completeDeliveries}. */
export interface DeliveryResult {
  readonly deliveryId: string
  readonly handlerId: string
  readonly startedAt: number
  readonly durationMs: number
  readonly status: number | null
  readonly responseBody: string | null
  readonly error: string | null
  readonly outcome: DeliveryOutcome
  /**
   * The version of the handler the attempt was made with: its `updatedAt` in whole ms
   * (`updatedAt.getTime()`), as the attempt read it. What the result does to the handler (`disableHandler`, the failure streak) is applied only
   * while the handler still has this version: a 410 from a URL the handler has since moved away
   * from says nothing about the new one.
   */
  readonly handlerVersion: number
  /** Disable the handler for this reason (410 Gone, `webhook-delivery: disable`). */
  readonly disableHandler?: string
}

/** What {@link Store.completeDeliveries} did with one result. */
export interface CompletionOutcome {
  readonly deliveryId: string
  /** False when the delivery was no longer claimed by this owner (its lease ran out and another took it). */
  readonly applied: boolean
  /** The attempt number recorded. */
  readonly attempt: number
  /** Set when this result disabled the handler, with the reason. */
  readonly handlerDisabled: string | null
}

/** Filters for {@link Store.listDeliveries}; results are newest first. */
export interface DeliveryFilter {
  readonly project?: string
  readonly status?: DeliveryStatus | readonly DeliveryStatus[]
  readonly handlerId?: string
  readonly eventId?: string
  readonly since?: number
  /**
   * Only deliveries attempted at least once (`true`) or never (`false`). With `status: 'pending'`,
   * `true` lists the retrying ones, filtered in the query rather than page by page by the caller.
   */
  readonly attempted?: boolean
  /** Only ids below this one (the cursor from the previous page). */
  readonly before?: string
  readonly limit: number
}

/** Filters for {@link Store.listEvents}; results are newest first. */
export interface EventFilter {
  readonly project?: string
  readonly name?: string
  readonly since?: number
  readonly until?: number
  readonly before?: string
  readonly limit: number
}

/**
 * Filters for {@link Store.listHandlers}. Handlers come by project name, then by name within their
 * project: an order that never changes, as neither name does (a removed handler frees its name,
 * but keeps its place as a cursor).
 */
export interface HandlerFilter {
  readonly project?: string
  readonly enabled?: boolean
  readonly kind?: 'webhook' | 'function'
  /**
   * Only handlers after this one in that order: the id of the last handler of the previous page.
   * A removed handler's id still marks its place, so a page ends well even when its last handler
   * was removed since. An id that names no handler, or one of another project than `project`, is
   * refused with `RioValidationError` (`invalid_argument`, an issue at `after`).
   */
  readonly after?: string
  /** At most this many (a positive integer); without it, every handler that matches. */
  readonly limit?: number
}

/** What {@link Store.migrate} did. */
export interface MigrationReport {
  readonly from: number
  readonly to: number
  readonly applied: readonly string[]
}

/** Counts for health and metrics. */
export interface DeliveryStats {
  readonly pending: number
  readonly inFlight: number
  readonly due: number
  readonly deadSince: number
}

/**
 * Where Rio keeps projects, senders, events, handlers, deliveries and attempts. Every method is
 * async so a networked store (PostgreSQL with `FOR UPDATE SKIP LOCKED`) can implement the same
 * contract; the SQLite store answers synchronously underneath. Methods operate on arrays where the
 * dispatcher batches (`insertEvents`, `claimDueDeliveries`, `completeDeliveries`).
 *
 * Times are milliseconds since the epoch, passed in by the caller so an injected clock governs them.
 */
export interface Store {
  migrate(): Promise<MigrationReport>
  close(): Promise<void>

  ensureProject(name: string, now: number): Promise<Project>
  createProject(name: string, now: number): Promise<Project>
  getProject(name: string): Promise<Project | null>
  listProjects(): Promise<Project[]>

  createSender(input: { project: string; name: string; secretHash: string; now: number }): Promise<Sender>
  getSender(project: string, name: string): Promise<Sender | null>
  listSenders(project: string): Promise<Sender[]>
  /** Senders named `name` in projects other than `except`, oldest first, at most `limit`. */
  listSendersNamed(name: string, options: { except: string; limit: number }): Promise<Sender[]>
  deleteSender(project: string, name: string): Promise<boolean>

  /**
   * Writes events and one pending delivery per matching enabled handler, all in one transaction;
   * resolves after COMMIT. A repeated idempotency key in the same project writes nothing; one
   * stored for another name or payload fails the whole call with `RioIdempotencyError`.
   */
  insertEvents(events: readonly EventInput[]): Promise<EventOutcome[]>
  getEvent(id: string): Promise<RioEvent | null>
  listEvents(filter: EventFilter): Promise<RioEvent[]>

  insertHandler(input: HandlerInput, now: number): Promise<Handler>
  /**
   * Changes the given fields. Like every change to a handler (enabling, disabling, a disable by a
   * result), it sets `updatedAt` to `now`, or 1 ms past its last value when `now` is not later, so
   * `updatedAt` is also the handler's version (see {@link DeliveryResult.handlerVersion}); a patch
   * whose every field equals what is stored changes nothing, the version included. A different
   * `url` also ends the failure streak (`failingSince` becomes null).
   */
  updateHandler(id: string, patch: HandlerPatch, now: number): Promise<Handler>
  /** Enables or disables; `reason` is kept when disabling. Returns null for an unknown id. */
  setHandlerEnabled(id: string, enabled: boolean, reason: string | null, now: number): Promise<Handler | null>
  /** Soft-deletes the handler and cancels its unfinished deliveries; returns how many were cancelled. */
  deleteHandler(id: string, now: number): Promise<{ cancelled: number }>
  getHandler(id: string): Promise<Handler | null>
  getHandlerByName(project: string, name: string): Promise<Handler | null>
  listHandlers(filter?: HandlerFilter): Promise<Handler[]>
  /**
   * The handlers with these ids, in the order of their first mention; ids that name no handler, or
   * a removed one, are left out. For pages that show the names of the handlers of the deliveries
   * they list: it reads those handlers, not every handler there is. Costs about one index probe per
   * distinct id, however many handlers there are.
   */
  getHandlers(ids: readonly string[]): Promise<Handler[]>
  /**
   * A value that changes whenever a handler may have changed since: created, updated, enabled,
   * disabled (a result's doing included), removed, or its failure streak moved, by this process or
   * another sharing the store. It may change when no handler did; it never stays when one did. The
   * dispatcher reads the handlers again only when it differs from the last read's, so 10 000
   * handlers are not read and parsed every second. Optional: without it they are.
   */
  handlersVersion?(): Promise<string>

  /**
   * Claims due pending deliveries for the given handlers: marks them in flight until `leaseUntil`
   * (a slot's own, when it has one) under `owner`, oldest due first, at most `limit` each.
   *
   * First, every in-flight delivery whose lease has run out comes back. One claimed by another
   * owner lost its attempt (that process crashed or stalled before recording a result): the
   * attempt counts as failed, recorded with `LOST_ATTEMPT_ERROR` (`delivery.ts`) as its error and
   * the delivery's last error, and the delivery is due at once, claimed with `lastAttemptLost` so
   * its claimant applies the retry schedule. One claimed by `owner` itself is not lost (the
   * claimant is alive and knows whether it is still attempting it): it comes back due at once,
   * uncounted.
   */
  claimDueDeliveries(input: {
    slots: readonly ClaimSlot[]
    /** At most this many in all; slots are served in order until it is reached. */
    total?: number
    now: number
    leaseUntil: number
    owner: string
    /**
     * Deliveries `owner` still holds (attempts under way, results not yet written, say while the
     * database could not be written): should their leases have run out, they are renewed until
     * `leaseUntil` instead of coming back, so the result, once written, still applies and the
     * delivery is not attempted twice.
     */
    held?: readonly string[]
  }): Promise<ClaimedDelivery[]>
  /**
   * Records attempts and moves deliveries on, in one transaction. Tracks each handler's failure
   * streak: a handler whose deliveries have all failed for `disableAfterMs` is disabled (`failing`).
   * A result touches its handler (disables it, or counts in its streak) only when the handler still
   * has the result's `handlerVersion`; a result made with settings changed since is recorded for its
   * delivery alone.
   */
  completeDeliveries(
    results: readonly DeliveryResult[],
    input: { now: number; owner: string; disableAfterMs: number },
  ): Promise<CompletionOutcome[]>
  /**
   * Moves claimed deliveries on without an attempt, in one transaction: `retry` puts one back
   * pending, due at `nextAttemptAt`; `dead` finishes it. For deliveries whose last attempt was
   * lost, once the retry schedule has been applied to them. Returns, in order, whether each was
   * applied (false when the delivery is no longer claimed by `owner`).
   */
  settleDeliveries(
    settlements: ReadonlyArray<{
      readonly deliveryId: string
      readonly outcome: Exclude<DeliveryOutcome, { readonly kind: 'succeeded' }>
    }>,
    input: { now: number; owner: string },
  ): Promise<boolean[]>
  /** Gives claimed deliveries back (pending, due now) without recording an attempt: graceful stop. */
  releaseDeliveries(ids: readonly string[], owner: string, now: number): Promise<number>
  /**
   * The earliest time any pending delivery of these handlers is due, or an in-flight lease runs
   * out, or null when none is. Like {@link Store.claimDueDeliveries}, it leaves out handlers
   * disabled or removed meanwhile (by another process): their deliveries wait, and are not due.
   */
  nextDueAt(handlerIds: readonly string[]): Promise<number | null>
  /**
   * Which handlers have work waiting, and when it is due, read at once: the enabled handlers with
   * pending deliveries (of `handlerIds` only, when given), each with the due time of its earliest
   * one, and the earliest lease of a delivery in flight (of any handler). The dispatcher offers a
   * claim only to the handlers due, or reached by what happened since, so a round costs as much as
   * there are handlers with work, not as there are handlers (10 000 of them idle, for one due). It
   * should cost about one index probe per handler with pending deliveries (per handler asked for),
   * however many deliveries each has. Optional: without it, every handler is offered a claim each round.
   */
  dueTimes?(handlerIds?: readonly string[]): Promise<DueTimes>

  getDelivery(id: string): Promise<Delivery | null>
  listDeliveries(filter: DeliveryFilter): Promise<Delivery[]>
  listAttempts(deliveryId: string): Promise<Attempt[]>
  /** Puts a finished or waiting delivery back in the queue, due now; attempts history is kept. */
  redeliver(id: string, now: number): Promise<Delivery>
  /** Re-queues a handler's dead deliveries created since `since`; returns how many. */
  recoverDeliveries(input: { handlerId: string; since: number; now: number }): Promise<number>
  deliveryStats(input: { now: number; deadSince: number }): Promise<DeliveryStats>

  /**
   * Deletes up to `limit` events created before `before` whose deliveries are all finished
   * (succeeded, dead or cancelled), with their deliveries and attempts, in one short transaction.
   * It may delete fewer to keep the transaction short (the SQLite store stops at 4 MiB of payload,
   * but always deletes one), and then says `more: true`; fewer than `limit` without it means none
   * is left.
   */
  deleteFinishedEvents(input: {
    before: number
    limit: number
    now: number
  }): Promise<CleanupCounts & { readonly more?: boolean }>
  /**
   * Counts, deleting nothing, what {@link Store.deleteFinishedEvents} would delete among the next
   * chunk of events: those created from `from` on and before `before`, about `limit` of them in
   * `created_at` order (all of one millisecond, when more than `limit` share it). Counts the events
   * whose deliveries are all finished, their deliveries and their attempts, in the store, never by
   * loading rows. A dry run of a cleanup calls it chunk after chunk, so no call holds the store long.
   * @returns the counts, and `next`: the `from` of the following chunk, or `null` after the last
   */
  countFinishedEvents(input: {
    from: number
    before: number
    limit: number
    now: number
  }): Promise<CleanupCounts & { next: number | null }>
  /**
   * The writes that failed because the database could not be written (see `store-fault.ts`) since
   * the last write that stored something, or null; for health checks. Optional: a store that does
   * not track them reports none.
   */
  writeFailure?(): WriteFailure | null
}

/** What one retention pass removed (or, counted by {@link Store.countFinishedEvents}, would remove). */
export interface CleanupCounts {
  readonly events: number
  readonly deliveries: number
  readonly attempts: number
}
