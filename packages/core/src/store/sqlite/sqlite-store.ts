import { resolve } from 'node:path'
import type { Database, Statement } from 'better-sqlite3'
import {
  RioClosedError,
  RioConflictError,
  RioDatabaseError,
  RioDatabaseTooNewError,
  RioIdempotencyError,
  RioNotFoundError,
  RioValidationError,
} from '../../errors.js'
import type { RioEvent } from '../../events/event.js'
import type { Handler } from '../../handlers/handler.js'
import { Subscriptions } from '../../handlers/subscriptions.js'
import { type Attempt, type Delivery, type DeliveryStatus, LOST_ATTEMPT_ERROR } from '../delivery.js'
import type {
  ClaimedDelivery,
  ClaimSlot,
  CleanupCounts,
  CompletionOutcome,
  DeliveryFilter,
  DeliveryOutcome,
  DeliveryResult,
  DeliveryStats,
  DueTimes,
  EventFilter,
  EventInput,
  EventOutcome,
  HandlerFilter,
  HandlerInput,
  HandlerPatch,
  MigrationReport,
  Project,
  Sender,
  Store,
} from '../store.js'
import { type StoreFault, storeFault, type WriteFailure } from '../store-fault.js'
import { DatabaseFile } from './database-file.js'
import { guardMethods, type MethodDescriptions } from './guard-methods.js'
import { migrate, migrations } from './migrate.js'
import { openDatabaseFile, openFailure } from './open-database-file.js'
import {
  type AttemptRow,
  type DeliveryRow,
  type EventRow,
  type HandlerRow,
  type ProjectRow,
  type SenderRow,
  toAttempt,
  toDelivery,
  toEvent,
  toHandler,
  toProject,
  toSender,
} from './rows.js'
import { toDatabaseError } from './sqlite-failure.js'
import { Where } from './where.js'

/** Options of {@link SqliteStore}. */
export interface SqliteStoreOptions {
  /** A file path, `':memory:'`, or an open better-sqlite3 `Database` shared with the host. */
  database: string | Database
  /**
   * `full` (default) fsyncs the WAL on every commit, so a committed emit survives a power cut;
   * `normal` survives a process crash but may lose the last commits on power loss, and is faster.
   */
  synchronous?: 'full' | 'normal'
  /** How long a writer waits for another process's lock before failing, in ms. @default 5000 */
  busyTimeoutMs?: number
}

/**
 * SQLite's page cache on a connection the store opens, in KiB. better-sqlite3 builds SQLite with a
 * 16 MiB default, which a writer fills within seconds (every new page of an append stays cached),
 * adding 16 MiB to the process's RSS however large the file is. Rio's hot paths touch few pages
 * (appends at the right edge of each b-tree, claims at the left edge of one index), and a miss is a
 * read from the OS page cache, so 4 MiB costs no measurable throughput (bench/README.md, backlog).
 */
export const CACHE_SIZE_KIB = 4096

/** Most payload bytes one cleanup transaction deletes (always at least one event). */
const CLEANUP_BATCH_BYTES = 4 * 1024 * 1024

const HANDLER_COLUMNS = `h.id, p.name AS project, h.name, h.kind, h.pattern, h.enabled, h.disabled_reason,
  h.concurrency, h.rate_limit, h.retry_schedule, h.url, h.method, h.content_type, h.secrets, h.headers,
  h.timeout_ms, h.failing_since, h.created_at, h.updated_at`
const DELIVERY_COLUMNS = `d.id, d.event_id, d.handler_id, p.name AS project, d.status, d.attempts, d.next_attempt_at,
  d.lease_until, d.last_status, d.last_error, d.created_at, d.updated_at, d.finished_at`
/** An event's project, by id, matched without an index on events.project_id (see `listEvents`). */
const PROJECT_OF_EVENT = '+e.project_id = ?'
const EVENT_COLUMNS = 'e.id, p.name AS project, e.name, e.payload, e.created_at, e.idempotency_key'

/**
 * The partial index holding only the deliveries in a status, for the statuses that have one. A list
 * of one of these statuses walks the newest {@link LIST_WALK_BUDGET} deliveries, then reads the rest
 * from this index (see `listDeliveries`). Written into the SQL as a literal: SQLite uses a partial
 * index only when the query names its condition's value, never for a bound parameter.
 */
const STATUS_INDEX: Partial<Record<DeliveryStatus, string>> = {
  pending: 'deliveries_due',
  in_flight: 'deliveries_lease',
  dead: 'deliveries_dead',
}

/**
 * How many delivery ids a list of one status (pending, in flight, dead) walks newest first before it
 * reads that status's partial index instead. The walk finds a page at once when the status is common
 * among recent deliveries (a backlog); when it is rare (a healthy system: a few dead, none in flight)
 * walking on would read the whole table, 35–55 ms a query at 280 000 deliveries, where the partial
 * index holds just those rows. Exported for tests.
 */
export const LIST_WALK_BUDGET = 5000

/**
 * Faults that any write of our own which commits proves gone, even one that changes nothing (the
 * health probe, a claim finding nothing due): it took the write lock, and the file check before it
 * passed. A full disk or an I/O error is only proved gone by a write that stores something.
 */
const CLEARED_BY_ANY_WRITE: ReadonlySet<StoreFault> = new Set<StoreFault>(['locked', 'file_moved'])

/**
 * How every change to a handler sets `updated_at`: to `@now`, or 1 ms past its last value when the
 * clock has not moved on (two changes in one millisecond, a clock set back). It never repeats, so
 * it is the handler's version, which results are checked against (see `completeDeliveries`) as
 * whole milliseconds, as `Date` reads it: a clock may give fractions, which are stored as given.
 */
const TOUCH_HANDLER = 'updated_at = max(@now, updated_at + 1)'

/**
 * One handler's due deliveries with their event ids, oldest due first: a range scan of the partial
 * `deliveries_due` index, which also gives the order. Parameters: handler id, now, limit. The
 * events are read apart, once each per claim ({@link CLAIMED_EVENT_SQL}): read with every delivery,
 * one event to 200 handlers read its payload 200 times, in the claim's write transaction (an 8 MiB
 * payload took 45 ms a row, so a claim stalled the event loop and held the write lock for seconds).
 * Exported so a test can check its query plan.
 */
export const DUE_WITH_EVENTS_SQL = `SELECT d.id AS delivery_id, d.attempts, d.retry_from, d.lease_until, d.event_id
  FROM deliveries d WHERE d.handler_id = ? AND d.status = 'pending' AND d.next_attempt_at <= ?
  ORDER BY d.next_attempt_at LIMIT ?`

/** One claimed event, payload included, by id (the primary key). Exported so a test can check what a claim reads. */
export const CLAIMED_EVENT_SQL = `SELECT id, project_id, name, payload, created_at, idempotency_key FROM events
  WHERE id = ?`

/**
 * Every enabled handler that has pending deliveries, with the earliest time one is due: a skip scan
 * of the partial `deliveries_due` index, one seek per such handler (not per pending delivery), so
 * its cost follows the handlers with work, never the handlers in all nor the backlog's size. With
 * 10 000 handlers of which few have work, it answers in one statement what a query per handler
 * took 70–220 ms for. Exported so a test can check its query plan.
 */
export const PENDING_HANDLERS_SQL = `WITH RECURSIVE pending(handler_id) AS (
    SELECT (SELECT min(handler_id) FROM deliveries WHERE status = 'pending')
    UNION ALL
    SELECT (SELECT min(handler_id) FROM deliveries WHERE status = 'pending' AND handler_id > pending.handler_id)
    FROM pending WHERE pending.handler_id IS NOT NULL)
  SELECT p.handler_id AS id, (SELECT min(next_attempt_at) FROM deliveries
    WHERE status = 'pending' AND handler_id = p.handler_id) AS at
  FROM pending p WHERE p.handler_id IS NOT NULL
    AND EXISTS (SELECT 1 FROM handlers h WHERE h.id = p.handler_id AND h.enabled = 1 AND h.deleted_at IS NULL)`

/**
 * Up to this many handlers, a claim, `nextDueAt` or `dueTimes` queries each handler; above it, and
 * when they outnumber the handlers with pending deliveries, it first finds those in one statement
 * ({@link PENDING_HANDLERS_SQL}), one probe each.
 */
const FEW_HANDLERS = 32

/**
 * The statements that bring back expired claims (see `#expireLeases`), each a range scan of the
 * partial `deliveries_lease` index that touches only expired rows. Parameters: `@now`, `@owner`
 * (the claimant) and `@error`; the probe takes now alone. Exported so a test can check their plans.
 */
export const EXPIRE_LEASES_SQL = {
  probe: `SELECT 1 FROM deliveries WHERE status = 'in_flight' AND lease_until <= ? LIMIT 1`,
  // A lost attempt ran at most from its claim (updated_at) until its lease ran out. Numbered as
  // insertAttempt numbers: after every attempt recorded so far.
  recordLost: `INSERT INTO attempts (delivery_id, number, started_at, duration_ms, status, response_body, error)
  SELECT d.id, (SELECT coalesce(max(a.number), 0) + 1 FROM attempts a WHERE a.delivery_id = d.id),
  d.updated_at, max(0, d.lease_until - d.updated_at), NULL, NULL, @error FROM deliveries d
  WHERE d.status = 'in_flight' AND d.lease_until <= @now AND d.lease_owner IS NOT @owner`,
  // lease_until stays: on a pending row it marks a lost attempt the retry schedule awaits.
  expireLost: `UPDATE deliveries SET status = 'pending', next_attempt_at = lease_until, attempts = attempts + 1,
  last_status = NULL, last_error = @error, lease_owner = NULL, updated_at = @now
  WHERE status = 'in_flight' AND lease_until <= @now AND lease_owner IS NOT @owner`,
  expireOwn: `UPDATE deliveries SET status = 'pending', next_attempt_at = lease_until, lease_until = NULL,
  lease_owner = NULL, updated_at = @now WHERE status = 'in_flight' AND lease_until <= @now AND lease_owner = @owner`,
} as const

/**
 * Renews the expired leases of the claimant's own deliveries that it still holds (`@held`, a JSON
 * array of ids: attempts under way, results waiting to be written), to `@leaseUntil`, by primary
 * key. Run before `expireOwn`, so those stay claimed instead of coming back pending: a result kept
 * while the database could not be written then still applies when it can, and the delivery is not
 * sent again. Parameters: `@held`, `@now`, `@owner`, `@leaseUntil`.
 */
const RENEW_HELD_LEASES_SQL = `UPDATE deliveries SET lease_until = @leaseUntil
  WHERE id IN (SELECT value FROM json_each(@held)) AND status = 'in_flight' AND lease_until <= @now
  AND lease_owner = @owner`

/**
 * The events a cleanup may delete: created before `@before`, with no delivery still to be made. A
 * delivery cancelled while in flight (its handler removed) keeps its lease: the attempt may still be
 * running and must find its delivery when it records its result, so its event waits until `@now`
 * passes that lease. Shared by the cleanup and its dry run, so both select the same events.
 */
const FINISHED_EVENT = `e.created_at < @before AND NOT EXISTS (SELECT 1 FROM deliveries d
  WHERE d.event_id = e.id AND (d.status IN ('pending', 'in_flight')
    OR (d.status = 'cancelled' AND d.lease_until > @now)))`

/**
 * A cleanup's dry run over the events created in [`@from`, `@before`): how many events, deliveries
 * and attempts it would delete, counted in one statement (a range of `events_created`, each event's
 * deliveries and attempts through their indexes), so no row reaches JavaScript. Parameters:
 * `@from`, `@before`, `@now`. Exported so a test can check its query plan.
 */
export const COUNT_FINISHED_EVENTS_SQL = `SELECT count(*) AS events, coalesce(sum(deliveries), 0) AS deliveries,
  coalesce(sum(attempts), 0) AS attempts FROM (SELECT
    (SELECT count(*) FROM deliveries d WHERE d.event_id = e.id) AS deliveries,
    (SELECT count(*) FROM deliveries d JOIN attempts a ON a.delivery_id = d.id WHERE d.event_id = e.id) AS attempts
  FROM events e WHERE e.created_at >= @from AND ${FINISHED_EVENT})`

/**
 * How many times each connection has written to the handlers table, counted by every store on it:
 * with `PRAGMA data_version` (which moves when another connection commits), it tells whether the
 * handlers read before can have changed since (see `handlersVersion`).
 */
const handlerWrites = new WeakMap<Database, number>()

/**
 * What the store's reads (those outside `#write`) do, for messages. Every method but those in
 * `UNGUARDED` is wrapped when the store opens ({@link guardMethods}), so a driver failure in a read
 * becomes a typed error naming the file, as one in a write does: a damaged page met by a list, by
 * the dispatcher's handler read or by the health check must not surface as a bare `SqliteError`
 * (an `internal_error` in the API; in the dispatcher, a retry every poll that no backoff slows). A
 * read missing here is wrapped all the same, as "read the database".
 */
const READS: MethodDescriptions<SqliteStore> = {
  getProject: 'read a project',
  listProjects: 'list projects',
  getSender: 'read a sender',
  listSenders: 'list senders',
  listSendersNamed: 'look up senders',
  getEvent: 'read an event',
  listEvents: 'list events',
  handlersVersion: 'read the handlers',
  getHandler: 'read a handler',
  getHandlerByName: 'read a handler',
  listHandlers: 'read the handlers',
  getHandlers: 'read handlers',
  nextDueAt: 'find the next due delivery',
  dueTimes: 'find the next due delivery',
  getDelivery: 'read a delivery',
  listDeliveries: 'list deliveries',
  listAttempts: 'list attempts',
  deliveryStats: 'count deliveries',
  countFinishedEvents: 'count finished events',
}

/**
 * Methods left unwrapped: those that read nothing (or only what the store keeps in memory), and the
 * writes, whose `#write` maps driver failures already (wrapped, each would pay a promise more on
 * the hot path for nothing). A write missing here is wrapped all the same, harmlessly.
 */
const UNGUARDED: ReadonlySet<string> = new Set([
  'migrate',
  'writeFailure',
  'close',
  'ensureProject',
  'createProject',
  'createSender',
  'deleteSender',
  'insertEvents',
  'insertEventsSync',
  'insertHandler',
  'updateHandler',
  'setHandlerEnabled',
  'deleteHandler',
  'claimDueDeliveries',
  'completeDeliveries',
  'settleDeliveries',
  'releaseDeliveries',
  'redeliver',
  'recoverDeliveries',
  'deleteFinishedEvents',
])

/** One handler's failure streak in a batch of results made with one version of it. */
interface Streak {
  readonly handlerId: string
  readonly version: number
  /** The index of its last result in the batch. */
  last: number
  /** Whether its last result succeeded. */
  succeeded: boolean
  sawSuccess: boolean
}

/**
 * The SQLite {@link Store}: one file, WAL journal, statements prepared once. Several processes may
 * open the same file; writes are serialised by SQLite and claims are made in IMMEDIATE transactions,
 * so a delivery is claimed by one process at a time.
 */
export class SqliteStore implements Store {
  /** The underlying connection (shared with the host when it passed one in). */
  readonly db: Database
  readonly #ownsDb: boolean
  readonly #report: MigrationReport
  readonly #s: ReturnType<typeof prepare>
  readonly #tx: ReturnType<Database['transaction']>
  /** Set when commits fsync (`synchronous: 'full'`): bookkeeping then relaxes it, and restores it. */
  readonly #relaxSync: { readonly normal: Statement; readonly full: Statement } | null
  readonly #projectNames = new Map<number, string>()
  /** Each project's enabled handlers indexed for matching, with the handlers' version they were read at. */
  #subscribed: { readonly version: string; readonly projects: Map<number, Subscriptions> } | null = null
  /** Tells apart the versions given while a host transaction was open (see `handlersVersion`). */
  #unsettledReads = 0
  /** How many handlers had pending deliveries at the last scan of them (see `#scanPays`). */
  #pendingCount = 0
  readonly #busyTimeoutMs: number
  /** The file opened, checked before each write; null for in-memory and temporary databases. */
  readonly #file: DatabaseFile | null
  /** Writes failed by a store fault since the last write that stored something. */
  #failure: (WriteFailure & { readonly changes: number }) | null = null
  /**
   * Operations that found the file damaged, since the store opened. Never cleared: a write that
   * goes through elsewhere in the file does not mend the damaged pages.
   */
  #damage: WriteFailure | null = null
  #closed = false

  /**
   * Opens the database, sets its pragmas and applies pending migrations.
   * @throws {@link RioDatabaseError} when the file cannot be opened or written
   * @throws {@link RioDatabaseTooNewError} when the file was migrated by a newer Rio
   */
  constructor(options: SqliteStoreOptions) {
    if (typeof options.database === 'string') {
      // A file that is not Rio's database (another application's, damaged, not SQLite) is refused
      // before anything is set on it.
      this.db = openDatabaseFile(options.database)
      this.#ownsDb = true
    } else {
      this.db = options.database
      this.#ownsDb = false
    }
    try {
      // A file migrated by a newer Rio is refused before anything is set on it or on the host's connection.
      const version = this.db.pragma('user_version', { simple: true }) as number
      if (version > migrations.length) throw new RioDatabaseTooNewError(version, migrations.length)
      if (this.db.memory) this.db.pragma('journal_mode = MEMORY')
      // WAL: readers never block the writer, and other processes can share the file.
      else this.db.pragma('journal_mode = WAL')
      // FULL fsyncs each commit: an emit that resolved survives a power cut, not just a crash.
      this.db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`)
      // Another process holding the write lock makes us wait, not fail with SQLITE_BUSY.
      this.#busyTimeoutMs = options.busyTimeoutMs ?? 5000
      this.db.pragma(`busy_timeout = ${this.#busyTimeoutMs}`)
      this.db.pragma('foreign_keys = ON')
      // A connection the host passed in keeps the cache the host gave it.
      if (this.#ownsDb) this.db.pragma(`cache_size = -${CACHE_SIZE_KIB}`)
      // Deleted rows are overwritten with zeros, so a payload a cleanup removed cannot be read back
      // from the file's free pages, nor from a backup (which copies them). `FAST` zeroes only within
      // pages still in use: 57–78% of the deleted payloads stayed readable. Emits cost the same; a
      // cleanup took 1.04× as long with 150-byte payloads, 3.8× with 6 KB ones (docs/reliability.md).
      if (this.#ownsDb) this.db.pragma('secure_delete = ON')
      this.#report = migrate(this.db)
      this.#s = prepare(this.db)
      this.#tx = this.db.transaction((fn: () => unknown) => fn())
      this.#file = DatabaseFile.of(this.db)
      guardMethods(this, READS, (error, what) => this.#readFailed(error, what), {
        except: UNGUARDED,
        fallback: 'read the database',
      })
      this.#relaxSync =
        options.synchronous === 'normal'
          ? null
          : {
              normal: this.db.prepare('PRAGMA synchronous = NORMAL'),
              full: this.db.prepare('PRAGMA synchronous = FULL'),
            }
    } catch (error) {
      if (this.#ownsDb) this.db.close()
      throw openFailure(error, this.db.memory || this.db.name === '' ? undefined : resolve(this.db.name))
    }
  }

  async migrate(): Promise<MigrationReport> {
    return this.#report
  }

  /**
   * The writes that failed because the database could not be written (full disk, I/O error, lock
   * held too long, file deleted), since the last write that stored something; null when none did.
   * A write that changes nothing (a claim that finds no due delivery) ends the streak of a lock
   * held too long or a moved file (it took the lock, the file check passed), not of a full disk or
   * an I/O error: it touches no disk, so it says nothing about those.
   *
   * Once an operation, read or write, has found the file damaged (`fault: 'corrupt'`), that is
   * what this returns until the store is closed, counting every operation that found it so: no
   * later write proves the damaged pages mended.
   */
  writeFailure(): WriteFailure | null {
    if (this.#damage) return this.#damage
    if (!this.#failure) return null
    const { changes: _, ...failure } = this.#failure
    return failure
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    if (this.#ownsDb) this.db.close()
  }

  // --- projects -------------------------------------------------------------------------------

  async ensureProject(name: string, now: number): Promise<Project> {
    return this.#write(() => toProject(this.#ensureProject(name, now)), 'create a project')
  }

  #ensureProject(name: string, now: number): ProjectRow {
    const row = this.#s.getProject.get(name) as ProjectRow | undefined
    if (row) return row
    return this.#s.insertProject.get(name, now) as ProjectRow
  }

  async createProject(name: string, now: number): Promise<Project> {
    return this.#write(() => {
      if (this.#s.getProject.get(name)) throw new RioConflictError(`project "${name}" already exists`)
      return toProject(this.#s.insertProject.get(name, now) as ProjectRow)
    }, 'create a project')
  }

  async getProject(name: string): Promise<Project | null> {
    const row = this.#s.getProject.get(name) as ProjectRow | undefined
    return row ? toProject(row) : null
  }

  async listProjects(): Promise<Project[]> {
    return (this.#s.listProjects.all() as ProjectRow[]).map(toProject)
  }

  /** Project names never change, so each is read once. */
  #projectName(id: number): string {
    let name = this.#projectNames.get(id)
    if (name === undefined) {
      name = (this.#s.projectName.get(id) as { name: string }).name
      this.#projectNames.set(id, name)
    }
    return name
  }

  #projectId(name: string): number {
    const row = this.#s.getProject.get(name) as ProjectRow | undefined
    if (!row) throw new RioNotFoundError('project', name)
    return row.id
  }

  // --- senders --------------------------------------------------------------------------------

  async createSender(input: {
    project: string
    name: string
    secretHash: string
    now: number
  }): Promise<Sender> {
    return this.#write(() => {
      const projectId = this.#projectId(input.project)
      if (this.#s.getSender.get(input.project, input.name)) {
        throw new RioConflictError(`sender "${input.name}" already exists in project "${input.project}"`)
      }
      this.#s.insertSender.run(projectId, input.name, input.secretHash, input.now)
      return toSender(this.#s.getSender.get(input.project, input.name) as SenderRow)
    }, 'create a sender')
  }

  async getSender(project: string, name: string): Promise<Sender | null> {
    const row = this.#s.getSender.get(project, name) as SenderRow | undefined
    return row ? toSender(row) : null
  }

  async listSenders(project: string): Promise<Sender[]> {
    return (this.#s.listSenders.all(project) as SenderRow[]).map(toSender)
  }

  async listSendersNamed(name: string, options: { except: string; limit: number }): Promise<Sender[]> {
    return (this.#s.listSendersNamed.all(name, options.except, options.limit) as SenderRow[]).map(toSender)
  }

  async deleteSender(project: string, name: string): Promise<boolean> {
    return this.#write(() => this.#s.deleteSender.run({ project, name }).changes > 0, 'delete a sender')
  }

  // --- events ---------------------------------------------------------------------------------

  async insertEvents(events: readonly EventInput[]): Promise<EventOutcome[]> {
    // An emit resolves after its own COMMIT: never inside a transaction the host holds open.
    await this.#outsideHostTransaction()
    return this.insertEventsSync(events)
  }

  /**
   * The synchronous form of {@link SqliteStore.insertEvents}. Inside a transaction the host opened on
   * the shared connection it joins that transaction (a savepoint), so the event exists only if the
   * host commits: the transactional outbox.
   */
  insertEventsSync(events: readonly EventInput[]): EventOutcome[] {
    return this.#insertEvents(events)
  }

  readonly #insertEvents = (events: readonly EventInput[]): EventOutcome[] => {
    // Inside the host's transaction, what is read of the handlers may be rolled back with it.
    const keep = !this.db.inTransaction
    return this.#write(() => {
      const outcomes: EventOutcome[] = []
      const projects = new Map<string, { id: number; handlers: Subscriptions }>()
      for (const event of events) {
        let project = projects.get(event.project)
        if (!project) {
          const id = this.#ensureProject(event.project, event.createdAt).id
          project = { id, handlers: this.#subscriptions(id, keep) }
          projects.set(event.project, project)
        }
        if (event.idempotencyKey !== null) {
          const existing = this.#s.findIdempotent.get(project.id, event.idempotencyKey) as
            | { id: string; name: string; payload: string }
            | undefined
          if (existing) {
            // A retry resends the same event; another event under a used key must not vanish.
            if (existing.name !== event.name || existing.payload !== event.payloadJson) {
              throw new RioIdempotencyError(event.idempotencyKey, existing.id, event.project)
            }
            outcomes.push({ id: existing.id, duplicate: true, deliveries: 0 })
            continue
          }
        }
        this.#s.insertEvent.run(
          event.id,
          project.id,
          event.name,
          event.payloadJson,
          event.createdAt,
          event.idempotencyKey,
        )
        const handlerIds = project.handlers.match(event.name)
        for (const handlerId of handlerIds) {
          this.#s.insertDelivery.run(event.id, handlerId, event.createdAt, event.createdAt, event.createdAt)
        }
        outcomes.push({ id: event.id, duplicate: false, deliveries: handlerIds.length })
      }
      return outcomes
    }, 'write events')
  }

  /**
   * A project's enabled handlers, indexed for matching. Kept while the handlers' version stays (no
   * handler written through this connection, no commit by another), so an emit reads them once
   * rather than once per transaction: 15–30 ms a transaction at 10 000 handlers. Not kept when
   * `keep` is false: rows read inside the host's transaction may be rolled back with it.
   */
  #subscriptions(projectId: number, keep: boolean): Subscriptions {
    const read = () =>
      new Subscriptions(this.#s.enabledHandlers.all(projectId) as Array<{ id: string; pattern: string }>)
    if (!keep) return read()
    const version = this.#handlersVersion()
    if (this.#subscribed?.version !== version) this.#subscribed = { version, projects: new Map() }
    let subscriptions = this.#subscribed.projects.get(projectId)
    if (!subscriptions) {
      subscriptions = read()
      this.#subscribed.projects.set(projectId, subscriptions)
    }
    return subscriptions
  }

  async getEvent(id: string): Promise<RioEvent | null> {
    const row = this.#s.getEvent.get(id) as EventRow | undefined
    return row ? toEvent(row) : null
  }

  /** The id of a listing's project filter: undefined without one, null for an unknown project. */
  #listedProjectId(name: string | undefined): number | null | undefined {
    if (name === undefined) return undefined
    return (this.#s.getProject.get(name) as { id: number } | undefined)?.id ?? null
  }

  async listEvents(filter: EventFilter): Promise<RioEvent[]> {
    // The project is matched by id with `+`, so no index on events.project_id is used: walking the
    // events newest first and stopping at the limit takes well under a millisecond, where reading
    // every event of the project through events_project_created and sorting them all took 100–600 ms
    // a page at 200 000 events (a project with few events now walks further, 40 ms at worst there).
    const projectId = this.#listedProjectId(filter.project)
    // No such project: nothing to walk the whole table for.
    if (projectId === null) return []
    const where = new Where()
      .when(projectId, PROJECT_OF_EVENT)
      .when(filter.name, 'e.name = ?')
      .when(filter.since, 'e.created_at >= ?')
      .when(filter.until, 'e.created_at < ?')
      .when(filter.before, 'e.id < ?')
    const sql = `SELECT ${EVENT_COLUMNS} FROM events e JOIN projects p ON p.id = +e.project_id ${where}
      ORDER BY e.id DESC LIMIT ?`
    return (this.db.prepare(sql).all(...where.args, filter.limit) as EventRow[]).map(toEvent)
  }

  // --- handlers -------------------------------------------------------------------------------

  /**
   * Changes whenever a handler may have changed: written through this connection (by any store on
   * it), or anything committed by another connection (`PRAGMA data_version`: another process's
   * emits too, so with several processes it changes often, and handlers are read as often as
   * before). While the host holds a transaction open on the shared connection, every call gives a
   * new value: handlers read then may be rolled back with it.
   */
  async handlersVersion(): Promise<string> {
    if (this.#hostTransactionOpen()) return `unsettled:${++this.#unsettledReads}`
    return this.#handlersVersion()
  }

  #handlersVersion(): string {
    return `${handlerWrites.get(this.db) ?? 0}:${this.#s.dataVersion.get()}`
  }

  /** Records a write to the handlers table, so handlers kept (here, in the dispatcher) are read again. */
  #handlersWritten(): void {
    handlerWrites.set(this.db, (handlerWrites.get(this.db) ?? 0) + 1)
  }

  async insertHandler(input: HandlerInput, now: number): Promise<Handler> {
    return this.#write(() => {
      const projectId = this.#ensureProject(input.project, now).id
      if (this.#s.getHandlerByName.get(input.project, input.name)) {
        throw new RioConflictError(
          `a handler named "${input.name}" already exists in project "${input.project}"`,
        )
      }
      this.#handlersWritten()
      this.#s.insertHandler.run({
        id: input.id,
        project_id: projectId,
        name: input.name,
        kind: input.kind,
        pattern: input.pattern,
        enabled: input.enabled ? 1 : 0,
        concurrency: input.concurrency,
        rate_limit: input.rateLimit,
        retry_schedule: input.retrySchedule ? JSON.stringify(input.retrySchedule) : null,
        url: input.url,
        method: input.method,
        content_type: input.contentType,
        secrets: JSON.stringify(input.secrets),
        headers: JSON.stringify(input.headers),
        timeout_ms: input.timeoutMs,
        now,
      })
      return this.#handler(input.id)
    }, 'create a handler')
  }

  async updateHandler(id: string, patch: HandlerPatch, now: number): Promise<Handler> {
    return this.#write(() => {
      const current = this.#handler(id)
      const set: string[] = []
      const args: Record<string, unknown> = { id, now }
      const column = {
        pattern: 'pattern',
        concurrency: 'concurrency',
        rateLimit: 'rate_limit',
        retrySchedule: 'retry_schedule',
        url: 'url',
        method: 'method',
        contentType: 'content_type',
        secrets: 'secrets',
        headers: 'headers',
        timeoutMs: 'timeout_ms',
      } as const
      const stored = current as unknown as Record<keyof HandlerPatch, unknown>
      for (const [key, name] of Object.entries(column) as Array<[keyof HandlerPatch, string]>) {
        const value = patch[key]
        // Only what changes is written: a declaration repeated on boot changes nothing, so it does
        // not make the results of attempts under way look stale (the version stays).
        if (value === undefined || JSON.stringify(value) === JSON.stringify(stored[key])) continue
        set.push(`${name} = @${name}`)
        args[name] =
          key === 'secrets' || key === 'headers' || (key === 'retrySchedule' && value !== null)
            ? JSON.stringify(value)
            : value
      }
      if (set.length === 0) return current
      // A new URL is a new endpoint: the old one's failure streak must not disable it at its first
      // failure.
      if (patch.url !== undefined && (current.kind !== 'webhook' || patch.url !== current.url)) {
        set.push('failing_since = NULL')
      }
      this.#handlersWritten()
      this.db.prepare(`UPDATE handlers SET ${set.join(', ')}, ${TOUCH_HANDLER} WHERE id = @id`).run(args)
      return this.#handler(id)
    }, 'update a handler')
  }

  async setHandlerEnabled(
    id: string,
    enabled: boolean,
    reason: string | null,
    now: number,
  ): Promise<Handler | null> {
    return this.#write(
      () => {
        this.#handlersWritten()
        const changed = this.#s.setHandlerEnabled.run({
          enabled: enabled ? 1 : 0,
          reason: enabled ? null : reason,
          now,
          id,
        }).changes
        return changed === 0 ? null : this.#handler(id)
      },
      enabled ? 'enable a handler' : 'disable a handler',
    )
  }

  async deleteHandler(id: string, now: number): Promise<{ cancelled: number }> {
    return this.#write(() => {
      this.#handler(id)
      this.#handlersWritten()
      this.#s.deleteHandler.run(now, id)
      return { cancelled: this.#s.cancelDeliveries.run(now, now, id).changes }
    }, 'remove a handler')
  }

  async getHandler(id: string): Promise<Handler | null> {
    const row = this.#s.getHandler.get(id) as HandlerRow | undefined
    return row ? toHandler(row) : null
  }

  async getHandlerByName(project: string, name: string): Promise<Handler | null> {
    const row = this.#s.getHandlerByName.get(project, name) as HandlerRow | undefined
    return row ? toHandler(row) : null
  }

  async listHandlers(filter: HandlerFilter = {}): Promise<Handler[]> {
    // Filtered in the query: one project's handlers are read through handlers_name, not every
    // handler of every project read and parsed to keep a few (200–540 ms for 10 of 10 000). A page
    // is a range of handlers_name from the cursor on, read in its order (no sort), so it costs as
    // much at the end of 10 000 handlers as at their start.
    const projectId = this.#listedProjectId(filter.project)
    if (projectId === null) return []
    const cursor = filter.after === undefined ? undefined : this.#handlerCursor(filter.after, projectId)
    // LIMIT -1 is no limit.
    const limit = filter.limit ?? -1
    // Read in index order, so SQLite sorts nothing and a page stops at its limit: within one
    // project, handlers_name; across projects, the projects by name (CROSS JOIN keeps them the
    // outer loop: otherwise SQLite scans every handler and sorts them all for a page of 50), then
    // handlers_name within each.
    const read = (where: Where, max: number, oneProject: boolean): Handler[] => {
      const [join, order] = oneProject ? ['JOIN', 'h.name'] : ['CROSS JOIN', 'p.name, h.name']
      const sql = `SELECT ${HANDLER_COLUMNS} FROM projects p ${join} handlers h ON p.id = h.project_id ${where}
        ${where.args.length > 0 ? 'AND' : 'WHERE'} h.deleted_at IS NULL ORDER BY ${order} LIMIT ?`
      const statement = where.args.length === 0 ? this.#s.listHandlers : this.db.prepare(sql)
      return (statement.all(...where.args, max) as HandlerRow[]).map(toHandler)
    }
    const filters = () =>
      new Where()
        .when(filter.enabled === undefined ? undefined : filter.enabled ? 1 : 0, 'h.enabled = ?')
        .when(filter.kind, 'h.kind = ?')
    if (projectId !== undefined || cursor === undefined) {
      const where = filters().when(projectId, 'h.project_id = ?').when(cursor?.name, 'h.name > ?')
      return read(where, limit, projectId !== undefined)
    }
    // Across projects after a cursor: the rest of the cursor's project, then the projects after it,
    // each a range of an index (one statement over both would walk the cursor's project from its start).
    const rest = read(
      filters().when(cursor.projectId, 'h.project_id = ?').when(cursor.name, 'h.name > ?'),
      limit,
      true,
    )
    if (limit >= 0 && rest.length >= limit) return rest
    const next = read(
      filters().when(cursor.project, 'p.name > ?'),
      limit < 0 ? -1 : limit - rest.length,
      false,
    )
    return [...rest, ...next]
  }

  /**
   * Where a listing resumes after the handler `id`: its project and name, read even when it was
   * removed since (its row stays). `projectId` is the listing's project filter, if any.
   * @throws {@link RioValidationError} `invalid_argument` when `id` names no handler, or one of another project
   */
  #handlerCursor(
    id: string,
    projectId: number | undefined,
  ): { projectId: number; project: string; name: string } {
    const row = this.#s.handlerCursor.get(id) as
      | { project_id: number; project: string; name: string }
      | undefined
    const refused = (message: string) =>
      new RioValidationError('invalid_argument', message, {
        issues: [{ code: 'custom', path: ['after'], message, input: id }],
      })
    if (!row) {
      throw refused(
        `after must be the id of the last handler of the previous page, got "${id}", which names no handler`,
      )
    }
    if (projectId !== undefined && row.project_id !== projectId) {
      throw refused(
        `after names handler "${id}" of project "${row.project}", not of the project listed; pass the last id of the previous page of this project's handlers`,
      )
    }
    return { projectId: row.project_id, project: row.project, name: row.name }
  }

  async getHandlers(ids: readonly string[]): Promise<Handler[]> {
    // One statement for the lot, the ids bound as one JSON array: no limit on how many variables a
    // statement binds to chunk around, and one statement prepared once for any count.
    const unique = [...new Set(ids.map(String))]
    if (unique.length === 0) return []
    const found = new Map<string, Handler>()
    for (const row of this.#s.getHandlers.all(JSON.stringify(unique)) as HandlerRow[]) {
      found.set(row.id, toHandler(row))
    }
    return unique.flatMap((id) => found.get(id) ?? [])
  }

  #handler(id: string): Handler {
    const row = this.#s.getHandler.get(id) as HandlerRow | undefined
    if (!row) throw new RioNotFoundError('handler', id)
    return toHandler(row)
  }

  // --- deliveries -----------------------------------------------------------------------------

  async claimDueDeliveries(input: {
    slots: readonly ClaimSlot[]
    total?: number
    now: number
    leaseUntil: number
    owner: string
    held?: readonly string[]
  }): Promise<ClaimedDelivery[]> {
    // Claiming inside a host's open transaction could take its uncommitted events, or be rolled
    // back with it: leave this round out (the dispatcher polls again).
    if (this.#hostTransactionOpen()) return []
    return this.#write(
      () => {
        this.#expireLeases(input)
        const claimed: ClaimedDelivery[] = []
        const events = new Map<string, { event: RioEvent; payloadJson: string }>()
        let room = input.total ?? Number.POSITIVE_INFINITY
        // Many handlers, few of them with work (the usual case): find those first, in one statement,
        // rather than two queries for each handler, every round.
        const due = this.#scanPays(input.slots.length) ? this.#pendingHandlers() : null
        for (const slot of input.slots) {
          if (room <= 0) break
          if (due && !((due.get(slot.handlerId) ?? Number.POSITIVE_INFINITY) <= input.now)) continue
          // Checked here too, so a handler disabled by another process stops at once.
          if (slot.limit <= 0 || !this.#s.handlerEnabled.get(slot.handlerId)) continue
          // Read the due rows with their events in one indexed query, then mark them in one update.
          const rows = this.#s.dueWithEvents.all(
            slot.handlerId,
            input.now,
            Math.min(slot.limit, room),
          ) as Array<{
            delivery_id: number
            attempts: number
            retry_from: number
            lease_until: number | null
            event_id: string
          }>
          if (rows.length === 0) continue
          room -= rows.length
          this.#s.markClaimed.run(
            slot.leaseUntil ?? input.leaseUntil,
            input.owner,
            input.now,
            JSON.stringify(rows.map((row) => row.delivery_id)),
          )
          for (const row of rows) {
            let event = events.get(row.event_id)
            if (!event) {
              // Once per event in a claim, however many of its deliveries the claim takes.
              const eventRow = this.#s.claimedEvent.get(row.event_id) as EventRow & { project_id: number }
              eventRow.project = this.#projectName(eventRow.project_id)
              event = { event: toEvent(eventRow), payloadJson: eventRow.payload }
              events.set(row.event_id, event)
            }
            claimed.push({
              id: String(row.delivery_id),
              handlerId: slot.handlerId,
              attempts: row.attempts,
              retryFrom: row.retry_from,
              lastAttemptLost: row.lease_until !== null,
              event: event.event,
              payloadJson: event.payloadJson,
            })
          }
        }
        return claimed
      },
      'claim deliveries',
      false,
    )
  }

  /**
   * Brings back in-flight deliveries whose lease ran out, as {@link Store.claimDueDeliveries} says.
   * A delivery whose attempt was lost keeps `lease_until` (the lease that ran out) while pending:
   * there it marks a lost attempt the retry schedule has not been applied to (`lastAttemptLost`),
   * until the delivery moves on (claimed, then settled, completed or released; or redelivered).
   * Costs one indexed probe when nothing expired, as in nearly every round.
   */
  #expireLeases(input: { now: number; owner: string; leaseUntil: number; held?: readonly string[] }): void {
    const { now, owner } = input
    if (!this.#s.leaseExpired.get(now)) return
    if (input.held && input.held.length > 0) {
      const held = JSON.stringify(input.held.map(Number))
      this.#s.renewHeldLeases.run({ held, now, owner, leaseUntil: input.leaseUntil })
    }
    const lost = { now, owner, error: LOST_ATTEMPT_ERROR }
    // Recorded first, while the rows still hold their claim time and lease.
    this.#s.recordLostAttempts.run(lost)
    this.#s.expireLostLeases.run(lost)
    this.#s.expireOwnLeases.run({ now, owner })
  }

  async completeDeliveries(
    results: readonly DeliveryResult[],
    input: { now: number; owner: string; disableAfterMs: number },
  ): Promise<CompletionOutcome[]> {
    await this.#outsideHostTransaction()
    return this.#write(
      () => {
        const outcomes: CompletionOutcome[] = []
        // One streak per handler and version: results made with settings since changed (an old
        // URL) are kept apart, and their statements, guarded by the version, change nothing.
        const streaks = new Map<string, Streak>()
        for (const result of results) {
          const { outcome } = result
          const status = outcome.kind === 'retry' ? 'pending' : outcome.kind
          const next = outcome.kind === 'retry' ? outcome.nextAttemptAt : null
          const finished = outcome.kind === 'retry' ? null : input.now
          const updated = this.#s.complete.get(
            status,
            next,
            result.status,
            result.error,
            input.now,
            finished,
            result.deliveryId,
            input.owner,
          ) as { attempts: number } | undefined
          // Numbered after every attempt recorded so far, a late one from a lost lease included, so
          // no two attempts of a delivery share a number.
          const attempt =
            (
              this.#s.insertAttempt.get({
                delivery: result.deliveryId,
                started: result.startedAt,
                duration: Math.round(result.durationMs),
                status: result.status,
                body: result.responseBody,
                error: result.error,
              }) as { number: number } | undefined
            )?.number ?? 0
          const key = `${result.handlerVersion} ${result.handlerId}`
          const streak = streaks.get(key) ?? {
            handlerId: result.handlerId,
            version: result.handlerVersion,
            last: 0,
            succeeded: false,
            sawSuccess: false,
          }
          streak.last = outcomes.length
          streak.succeeded = outcome.kind === 'succeeded'
          streak.sawSuccess ||= streak.succeeded
          streaks.set(key, streak)
          let handlerDisabled: string | null = null
          if (
            result.disableHandler &&
            this.#s.disableHandler.run({
              reason: result.disableHandler,
              now: input.now,
              id: result.handlerId,
              version: result.handlerVersion,
            }).changes
          ) {
            this.#handlersWritten()
            handlerDisabled = result.disableHandler
          }
          outcomes.push({
            deliveryId: result.deliveryId,
            applied: updated !== undefined,
            attempt,
            handlerDisabled,
          })
        }
        // Each handler's failure streak, once per batch: cleared by a success, started by the
        // first failure after one; a streak older than disableAfterMs disables the handler.
        // A streak that moved is a change to its handler (failingSince): kept handlers are read again.
        for (const { handlerId, version, last, succeeded, sawSuccess } of streaks.values()) {
          const args = { id: handlerId, version, now: input.now }
          if (succeeded) {
            if (this.#s.handlerSucceeded.run(args).changes > 0) this.#handlersWritten()
            continue
          }
          const started = sawSuccess ? this.#s.handlerFailingSince.run(args) : this.#s.handlerFailed.run(args)
          if (started.changes > 0) this.#handlersWritten()
          if (this.#s.disableFailing.get({ ...args, since: input.now - input.disableAfterMs })) {
            this.#handlersWritten()
            const outcome = outcomes[last]!
            outcomes[last] = { ...outcome, handlerDisabled: outcome.handlerDisabled ?? 'failing' }
          }
        }
        return outcomes
      },
      'record delivery results',
      false,
    )
  }

  async settleDeliveries(
    settlements: ReadonlyArray<{
      readonly deliveryId: string
      readonly outcome: Exclude<DeliveryOutcome, { readonly kind: 'succeeded' }>
    }>,
    input: { now: number; owner: string },
  ): Promise<boolean[]> {
    await this.#outsideHostTransaction()
    return this.#write(
      () =>
        settlements.map(({ deliveryId, outcome }) => {
          const retry = outcome.kind === 'retry'
          return (
            this.#s.settle.run({
              status: retry ? 'pending' : 'dead',
              next: retry ? outcome.nextAttemptAt : null,
              finished: retry ? null : input.now,
              now: input.now,
              id: deliveryId,
              owner: input.owner,
            }).changes > 0
          )
        }),
      'settle deliveries',
      false,
    )
  }

  async releaseDeliveries(ids: readonly string[], owner: string, now: number): Promise<number> {
    await this.#outsideHostTransaction()
    return this.#write(
      () => {
        let released = 0
        for (const id of ids) released += this.#s.release.run(now, now, id, owner).changes
        return released
      },
      'release deliveries',
      false,
    )
  }

  async nextDueAt(handlerIds: readonly string[]): Promise<number | null> {
    let earliest: number | null = null
    for (const at of this.#dueOf(handlerIds).values()) if (earliest === null || at < earliest) earliest = at
    const lease = this.#s.nextLease.get() as { at: number | null }
    if (lease.at !== null && (earliest === null || lease.at < earliest)) earliest = lease.at
    return earliest
  }

  async dueTimes(handlerIds?: readonly string[]): Promise<DueTimes> {
    const lease = this.#s.nextLease.get() as { at: number | null }
    return {
      handlers: handlerIds === undefined ? this.#pendingHandlers() : this.#dueOf(handlerIds),
      leaseUntil: lease.at,
    }
  }

  /**
   * When the earliest pending delivery of each of these handlers is due, for those enabled that have
   * one. Like the claim, it leaves out a handler disabled by another process (until this one's next
   * handler read): its backlog, never claimed, would call for a round at once, again and again.
   */
  #dueOf(handlerIds: readonly string[]): Map<string, number> {
    const due = new Map<string, number>()
    if (this.#scanPays(handlerIds.length)) {
      const asked = new Set(handlerIds)
      for (const [id, at] of this.#pendingHandlers()) if (asked.has(id)) due.set(id, at)
      return due
    }
    for (const id of handlerIds) {
      const row = this.#s.nextDue.get(id, id) as { at: number | null }
      if (row.at !== null) due.set(id, row.at)
    }
    return due
  }

  /**
   * Whether finding the handlers with pending deliveries first ({@link PENDING_HANDLERS_SQL}, one probe
   * each) costs less than querying `count` handlers one by one: when there are more than a few, and
   * more than there were handlers with pending deliveries at the last scan.
   */
  #scanPays(count: number): boolean {
    return count > FEW_HANDLERS && count > this.#pendingCount
  }

  /** Each enabled handler with pending deliveries, and when its earliest one is due ({@link PENDING_HANDLERS_SQL}). */
  #pendingHandlers(): Map<string, number> {
    const due = new Map<string, number>()
    for (const row of this.#s.pendingHandlers.all() as Array<{ id: string; at: number | null }>) {
      if (row.at !== null) due.set(row.id, row.at)
    }
    this.#pendingCount = due.size
    return due
  }

  async getDelivery(id: string): Promise<Delivery | null> {
    const row = this.#s.getDelivery.get(id) as DeliveryRow | undefined
    return row ? toDelivery(row) : null
  }

  async listDeliveries(filter: DeliveryFilter): Promise<Delivery[]> {
    const projectId = this.#listedProjectId(filter.project)
    // Deliveries exist only for handlers of their event's project: none there, none to look for.
    if (projectId === null || (projectId !== undefined && !this.#s.projectHasHandlers.get(projectId))) {
      return []
    }
    // As for events: deliveries walked newest first (CROSS JOIN keeps them the outer loop), each
    // event found by its key, instead of every delivery of the project's events sorted.
    const statuses = typeof filter.status === 'string' ? [filter.status] : filter.status
    const where = () =>
      new Where()
        .when(projectId, PROJECT_OF_EVENT)
        .whenIn(statuses, 'd.status')
        .when(filter.handlerId, 'd.handler_id = ?')
        .when(filter.eventId, 'd.event_id = ?')
        .when(filter.since, 'd.created_at >= ?')
        .when(filter.attempted === undefined ? undefined : 0, `d.attempts ${filter.attempted ? '>' : '='} ?`)
        .when(filter.before === undefined ? undefined : Number(filter.before), 'd.id < ?')
    const index = statuses?.length === 1 && !filter.eventId ? STATUS_INDEX[statuses[0]!] : undefined
    const top =
      filter.before === undefined ? (this.#s.maxDeliveryId.get() as number) + 1 : Number(filter.before)
    if (!index || !Number.isSafeInteger(top)) return this.#listDeliveries(where(), filter.limit)
    // One status that has a partial index: the newest LIST_WALK_BUDGET ids first, then the rest of
    // the page from that index (a sort of that status's rows only), so a rare status never walks
    // the whole table. Both parts are newest first and split at `floor`, so together they are the
    // page the single walk would have found.
    const floor = top - LIST_WALK_BUDGET
    const walked = this.#listDeliveries(where().when(floor, 'd.id >= ?'), filter.limit)
    if (walked.length === filter.limit) return walked
    const rest = this.#listDeliveries(where().when(floor, 'd.id < ?'), filter.limit - walked.length, {
      index,
      status: statuses![0]!,
    })
    return [...walked, ...rest]
  }

  /**
   * Deliveries matching `where` (not empty when `partial` is given), newest first; through
   * `partial.index`, whose condition is then written out as a literal so SQLite can use it.
   */
  #listDeliveries(
    where: Where,
    limit: number,
    partial?: { index: string; status: DeliveryStatus },
  ): Delivery[] {
    const from = partial ? `deliveries d INDEXED BY ${partial.index}` : 'deliveries d'
    const literal = partial ? ` AND d.status = '${partial.status}'` : ''
    const sql = `SELECT ${DELIVERY_COLUMNS} FROM ${from} CROSS JOIN events e ON e.id = d.event_id
      JOIN projects p ON p.id = +e.project_id ${where}${literal} ORDER BY d.id DESC LIMIT ?`
    return (this.db.prepare(sql).all(...where.args, limit) as DeliveryRow[]).map(toDelivery)
  }

  async listAttempts(deliveryId: string): Promise<Attempt[]> {
    return (this.#s.listAttempts.all(deliveryId) as AttemptRow[]).map(toAttempt)
  }

  async redeliver(id: string, now: number): Promise<Delivery> {
    return this.#write(() => {
      const row = this.#s.getDelivery.get(id) as DeliveryRow | undefined
      if (!row) throw new RioNotFoundError('delivery', id)
      if (!this.#s.getHandler.get(row.handler_id)) {
        throw new RioConflictError(
          `delivery ${id} belongs to a removed handler; it cannot be delivered again`,
        )
      }
      if (row.status === 'in_flight') {
        throw new RioConflictError(
          `delivery ${id} is being attempted right now; wait for the attempt to finish`,
        )
      }
      this.#s.requeue.run(now, now, id)
      return toDelivery(this.#s.getDelivery.get(id) as DeliveryRow)
    }, 'redeliver')
  }

  async recoverDeliveries(input: { handlerId: string; since: number; now: number }): Promise<number> {
    return this.#write(() => {
      this.#handler(input.handlerId)
      return this.#s.recover.run(input.now, input.now, input.handlerId, input.since).changes
    }, 'recover deliveries')
  }

  async deliveryStats(input: { now: number; deadSince: number }): Promise<DeliveryStats> {
    const row = this.#s.stats.get(input.now, input.deadSince) as {
      pending: number
      in_flight: number
      due: number
      dead: number
    }
    return { pending: row.pending, inFlight: row.in_flight, due: row.due, deadSince: row.dead }
  }

  async deleteFinishedEvents(input: {
    before: number
    limit: number
    now: number
  }): Promise<CleanupCounts & { readonly more?: boolean }> {
    return this.#write(
      () => {
        const rows = this.#s.finishedEvents.all({
          before: input.before,
          now: input.now,
          limit: input.limit,
        }) as Array<{ id: string }>
        // A transaction's time is mostly its payload bytes (each page is overwritten: secure_delete):
        // 500 events of 256 KiB held the write lock and the event loop for most of a second.
        const ids: string[] = []
        let bytes = 0
        for (const row of rows) {
          const size = (this.#s.eventBytes.get(row.id) as { bytes: number }).bytes
          if (ids.length > 0 && bytes + size > CLEANUP_BATCH_BYTES) break
          ids.push(row.id)
          bytes += size
        }
        if (ids.length === 0) return { events: 0, deliveries: 0, attempts: 0 }
        const list = JSON.stringify(ids)
        const attempts = this.#s.deleteAttemptsOf.run(list).changes
        const deliveries = this.#s.deleteDeliveriesOf.run(list).changes
        const events = this.#s.deleteEvents.run(list).changes
        return { events, deliveries, attempts, ...(ids.length < rows.length ? { more: true } : {}) }
      },
      'delete old events',
      false,
    )
  }

  async countFinishedEvents(input: {
    from: number
    before: number
    limit: number
    now: number
  }): Promise<CleanupCounts & { next: number | null }> {
    // The chunk ends where its (limit + 1)th event starts; when that one shares the first event's
    // millisecond, the chunk is that whole millisecond, so every chunk holds events and moves on.
    const { first, boundary } = this.#s.chunkBounds.get({
      from: input.from,
      before: input.before,
      limit: input.limit,
    }) as { first: number | null; boundary: number | null }
    if (first === null) return { events: 0, deliveries: 0, attempts: 0, next: null }
    const to = boundary === null ? input.before : Math.min(Math.max(boundary, first + 1), input.before)
    const counts = this.#s.countFinishedEvents.get({
      from: input.from,
      before: to,
      now: input.now,
    }) as CleanupCounts
    return { ...counts, next: to < input.before ? to : null }
  }

  /**
   * Whether the host holds a transaction open on the shared connection while Rio's asynchronous
   * work runs (`BEGIN` … `await` … `COMMIT`). Rio's own transactions are synchronous, so they are
   * never open here; a connection Rio opened itself never has one.
   */
  #hostTransactionOpen(): boolean {
    return !this.#ownsDb && !this.#closed && this.db.inTransaction
  }

  /**
   * Waits until no host transaction is open on the shared connection, so a background write (an
   * emit's commit, a delivery's result) is not made part of it, and undone if the host rolls back.
   */
  async #outsideHostTransaction(): Promise<void> {
    while (this.#hostTransactionOpen()) await new Promise((resolve) => setTimeout(resolve, 5))
  }

  /**
   * Runs `fn` in an IMMEDIATE transaction (or a savepoint inside the host's), mapping driver
   * failures to {@link RioDatabaseError} with what was being done. Every write goes through here.
   */
  #write<T>(fn: () => T, what: string, durable = true): T {
    // A call that passed Rio's own check before it was stopped (it awaited something meanwhile):
    // refused as closed (a 503 over HTTP), not as a database failure.
    if (this.#closed) throw new RioClosedError(`cannot ${what}: the store`)
    try {
      this.#file?.check(what)
      // Our own transaction takes the write lock (BEGIN IMMEDIATE); one inside a host's may not.
      const own = !this.db.inTransaction
      const result = this.#transact(fn, durable)
      if (
        this.#failure &&
        (this.#s.totalChanges.get() !== this.#failure.changes ||
          (own && CLEARED_BY_ANY_WRITE.has(this.#failure.fault)))
      )
        this.#failure = null
      return result
    } catch (thrown) {
      const error = toDatabaseError(thrown, what, () => this.#busyTimeout(), this.#file?.path)
      const fault = storeFault(error)
      if (fault) this.#failed(fault, (error as Error).message)
      throw error
    }
  }

  #transact<T>(fn: () => T, durable: boolean): T {
    if (this.db.inTransaction) return this.#tx(fn) as T
    if (durable || !this.#relaxSync) return this.#tx.immediate(fn) as T
    // The dispatcher's bookkeeping (claims, results) commits without an fsync: after a power cut
    // it can only cause a redelivery. FULL is restored at once, because the level cannot be
    // changed inside a transaction: a host transaction on a shared connection (the outbox) and
    // every later write must find it FULL. The next fsync covers the unsynced frames before it.
    this.#relaxSync.normal.run()
    try {
      return this.#tx.immediate(fn) as T
    } finally {
      this.#relaxSync.full.run()
    }
  }

  /** The connection's busy timeout now (a host may have changed it on its connection), in ms. */
  #busyTimeout(): number {
    try {
      return this.db.pragma('busy_timeout', { simple: true }) as number
    } catch {
      return this.#busyTimeoutMs
    }
  }

  /** Counts a write failed by `fault`; the streak ends at the next write that stores something. */
  #failed(fault: StoreFault, message: string): void {
    const at = Date.now()
    if (fault === 'corrupt') this.#damaged(message, at)
    const changes = this.#s.totalChanges.get() as number
    const previous = this.#failure
    this.#failure = {
      since: previous?.since ?? at,
      at,
      count: (previous?.count ?? 0) + 1,
      fault,
      message,
      changes,
    }
  }

  /** Counts an operation that found the file damaged; see {@link SqliteStore.writeFailure}. */
  #damaged(message: string, at: number): void {
    const previous = this.#damage
    this.#damage = {
      since: previous?.since ?? at,
      at,
      count: (previous?.count ?? 0) + 1,
      fault: 'corrupt',
      message,
    }
  }

  /**
   * What a store method throws: a driver failure as a typed error (see `READS`), a damaged file
   * counted. A write's error, already mapped (and counted) by `#write`, passes as it is.
   */
  #readFailed(thrown: unknown, what: string): unknown {
    if (this.#closed) return new RioClosedError(`cannot ${what}: the store`)
    const error = toDatabaseError(thrown, what, () => this.#busyTimeout(), this.#file?.path)
    if (error !== thrown && storeFault(error) === 'corrupt')
      this.#damaged((error as Error).message, Date.now())
    return error
  }
}

function prepare(db: Database) {
  const s = (sql: string): Statement => db.prepare(sql)
  return {
    // Counts rows changed on this connection, rolled back ones included: unchanged across a write,
    // it wrote nothing.
    totalChanges: s('SELECT total_changes()').pluck(),
    getProject: s('SELECT id, name, created_at FROM projects WHERE name = ?'),
    insertProject: s('INSERT INTO projects (name, created_at) VALUES (?, ?) RETURNING id, name, created_at'),
    listProjects: s('SELECT id, name, created_at FROM projects ORDER BY name'),

    getSender: s(`SELECT s.id, p.name AS project, s.name, s.secret_hash, s.created_at FROM senders s
      JOIN projects p ON p.id = s.project_id WHERE p.name = ? AND s.name = ?`),
    listSendersNamed: s(`SELECT s.id, p.name AS project, s.name, s.secret_hash, s.created_at FROM senders s
      JOIN projects p ON p.id = s.project_id WHERE s.name = ? AND p.name <> ? ORDER BY s.id LIMIT ?`),
    insertSender: s('INSERT INTO senders (project_id, name, secret_hash, created_at) VALUES (?, ?, ?, ?)'),
    listSenders: s(`SELECT s.id, p.name AS project, s.name, s.secret_hash, s.created_at FROM senders s
      JOIN projects p ON p.id = s.project_id WHERE p.name = ? ORDER BY s.name`),
    deleteSender: s(
      `DELETE FROM senders WHERE name = @name AND project_id = (SELECT id FROM projects WHERE name = @project)`,
    ),

    enabledHandlers: s(
      'SELECT id, pattern FROM handlers WHERE project_id = ? AND enabled = 1 AND deleted_at IS NULL',
    ),
    findIdempotent: s('SELECT id, name, payload FROM events WHERE project_id = ? AND idempotency_key = ?'),
    insertEvent: s(
      'INSERT INTO events (id, project_id, name, payload, created_at, idempotency_key) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    insertDelivery:
      s(`INSERT INTO deliveries (event_id, handler_id, status, next_attempt_at, created_at, updated_at)
      VALUES (?, ?, 'pending', ?, ?, ?)`),
    getEvent: s(
      `SELECT ${EVENT_COLUMNS} FROM events e JOIN projects p ON p.id = e.project_id WHERE e.id = ?`,
    ),

    insertHandler:
      s(`INSERT INTO handlers (id, project_id, name, kind, pattern, enabled, concurrency, rate_limit,
      retry_schedule, url, method, content_type, secrets, headers, timeout_ms, created_at, updated_at)
      VALUES (@id, @project_id, @name, @kind, @pattern, @enabled, @concurrency, @rate_limit, @retry_schedule, @url,
      @method, @content_type, @secrets, @headers, @timeout_ms, @now, @now)`),
    getHandler: s(
      `SELECT ${HANDLER_COLUMNS} FROM handlers h JOIN projects p ON p.id = h.project_id WHERE h.id = ? AND h.deleted_at IS NULL`,
    ),
    getHandlerByName: s(`SELECT ${HANDLER_COLUMNS} FROM handlers h JOIN projects p ON p.id = h.project_id
      WHERE p.name = ? AND h.name = ? AND h.deleted_at IS NULL`),
    listHandlers: s(`SELECT ${HANDLER_COLUMNS} FROM projects p CROSS JOIN handlers h ON p.id = h.project_id
      WHERE h.deleted_at IS NULL ORDER BY p.name, h.name LIMIT ?`),
    // Removed handlers included: a cursor naming one still marks its place.
    handlerCursor: s(`SELECT h.project_id, p.name AS project, h.name FROM handlers h
      JOIN projects p ON p.id = h.project_id WHERE h.id = ?`),
    // A probe of the primary key per id in the JSON array bound.
    getHandlers: s(`SELECT ${HANDLER_COLUMNS} FROM handlers h JOIN projects p ON p.id = h.project_id
      WHERE h.id IN (SELECT value FROM json_each(?)) AND h.deleted_at IS NULL`),
    setHandlerEnabled: s(`UPDATE handlers SET enabled = @enabled, disabled_reason = @reason, ${TOUCH_HANDLER},
      failing_since = CASE WHEN @enabled = 1 THEN NULL ELSE failing_since END
      WHERE id = @id AND deleted_at IS NULL`),
    deleteHandler: s('UPDATE handlers SET deleted_at = ?, enabled = 0 WHERE id = ?'),
    cancelDeliveries:
      s(`UPDATE deliveries SET status = 'cancelled', updated_at = ?, finished_at = ?, lease_owner = NULL
      WHERE handler_id = ? AND status IN ('pending', 'in_flight')`),
    projectHasHandlers: s('SELECT 1 FROM handlers WHERE project_id = ? LIMIT 1'),
    handlerEnabled: s('SELECT 1 FROM handlers WHERE id = ? AND enabled = 1 AND deleted_at IS NULL'),
    // A result's effects on its handler, each only while the handler has the version the attempt
    // was made with (`@version`). The streak's own updates leave updated_at be: they must not make
    // the results of attempts still out look stale.
    handlerSucceeded: s(`UPDATE handlers SET failing_since = NULL
      WHERE id = @id AND CAST(updated_at AS INTEGER) = @version AND failing_since IS NOT NULL`),
    handlerFailed: s(`UPDATE handlers SET failing_since = @now
      WHERE id = @id AND CAST(updated_at AS INTEGER) = @version AND failing_since IS NULL`),
    handlerFailingSince: s(
      'UPDATE handlers SET failing_since = @now WHERE id = @id AND CAST(updated_at AS INTEGER) = @version',
    ),
    disableFailing: s(`UPDATE handlers SET enabled = 0, disabled_reason = 'failing', ${TOUCH_HANDLER}
      WHERE id = @id AND CAST(updated_at AS INTEGER) = @version AND enabled = 1 AND failing_since <= @since RETURNING id`),
    disableHandler: s(`UPDATE handlers SET enabled = 0, disabled_reason = @reason, ${TOUCH_HANDLER}
      WHERE id = @id AND CAST(updated_at AS INTEGER) = @version AND enabled = 1 AND deleted_at IS NULL`),

    leaseExpired: s(EXPIRE_LEASES_SQL.probe),
    recordLostAttempts: s(EXPIRE_LEASES_SQL.recordLost),
    expireLostLeases: s(EXPIRE_LEASES_SQL.expireLost),
    expireOwnLeases: s(EXPIRE_LEASES_SQL.expireOwn),
    renewHeldLeases: s(RENEW_HELD_LEASES_SQL),
    // Moves when another connection commits: see handlersVersion.
    dataVersion: s('PRAGMA data_version').pluck(),
    dueWithEvents: s(DUE_WITH_EVENTS_SQL),
    claimedEvent: s(CLAIMED_EVENT_SQL),
    pendingHandlers: s(PENDING_HANDLERS_SQL),
    markClaimed:
      s(`UPDATE deliveries SET status = 'in_flight', lease_until = ?, lease_owner = ?, updated_at = ?
      WHERE id IN (SELECT value FROM json_each(?))`),
    projectName: s('SELECT name FROM projects WHERE id = ?'),
    maxDeliveryId: s('SELECT coalesce(max(id), 0) FROM deliveries').pluck(),
    finishedEvents: s(`SELECT e.id FROM events e WHERE ${FINISHED_EVENT} ORDER BY e.created_at LIMIT @limit`),
    // octet_length() reads the stored size, not the payload (in a sorted query it read the payload).
    eventBytes: s('SELECT octet_length(payload) AS bytes FROM events WHERE id = ?'),
    countFinishedEvents: s(COUNT_FINISHED_EVENTS_SQL),
    chunkBounds: s(`SELECT (SELECT min(created_at) FROM events WHERE created_at >= @from
        AND created_at < @before) AS first,
      (SELECT created_at FROM events WHERE created_at >= @from AND created_at < @before
        ORDER BY created_at LIMIT 1 OFFSET @limit) AS boundary`),
    deleteAttemptsOf: s(`DELETE FROM attempts WHERE delivery_id IN
      (SELECT id FROM deliveries WHERE event_id IN (SELECT value FROM json_each(?)))`),
    deleteDeliveriesOf: s('DELETE FROM deliveries WHERE event_id IN (SELECT value FROM json_each(?))'),
    deleteEvents: s('DELETE FROM events WHERE id IN (SELECT value FROM json_each(?))'),
    complete:
      s(`UPDATE deliveries SET status = ?, next_attempt_at = ?, attempts = attempts + 1, last_status = ?,
      last_error = ?, lease_until = NULL, lease_owner = NULL, updated_at = ?, finished_at = ?
      WHERE id = ? AND status = 'in_flight' AND lease_owner = ? RETURNING attempts`),
    // Nothing when the delivery is gone (deleted by a cleanup): one late result must not fail the
    // batch it is written with.
    insertAttempt:
      s(`INSERT INTO attempts (delivery_id, number, started_at, duration_ms, status, response_body, error)
      SELECT @delivery, n, @started, @duration, @status, @body, @error FROM
      (SELECT coalesce(max(number), 0) + 1 AS n FROM attempts WHERE delivery_id = @delivery)
      WHERE EXISTS (SELECT 1 FROM deliveries WHERE id = @delivery) RETURNING number`),
    settle:
      s(`UPDATE deliveries SET status = @status, next_attempt_at = @next, lease_until = NULL, lease_owner = NULL,
      updated_at = @now, finished_at = @finished WHERE id = @id AND status = 'in_flight' AND lease_owner = @owner`),
    release:
      s(`UPDATE deliveries SET status = 'pending', next_attempt_at = ?, lease_until = NULL, lease_owner = NULL,
      updated_at = ? WHERE id = ? AND status = 'in_flight' AND lease_owner = ?`),
    // One statement with the handler check: this runs for every handler with room, each round.
    nextDue: s(`SELECT min(next_attempt_at) AS at FROM deliveries WHERE handler_id = ? AND status = 'pending'
      AND EXISTS (SELECT 1 FROM handlers WHERE id = ? AND enabled = 1 AND deleted_at IS NULL)`),
    nextLease: s(`SELECT min(lease_until) AS at FROM deliveries WHERE status = 'in_flight'`),
    getDelivery: s(`SELECT ${DELIVERY_COLUMNS} FROM deliveries d JOIN events e ON e.id = d.event_id
      JOIN projects p ON p.id = e.project_id WHERE d.id = ?`),
    listAttempts: s(`SELECT id, delivery_id, number, started_at, duration_ms, status, response_body, error
      FROM attempts WHERE delivery_id = ? ORDER BY number, id`),
    requeue:
      s(`UPDATE deliveries SET status = 'pending', next_attempt_at = ?, retry_from = attempts, updated_at = ?,
      finished_at = NULL, lease_until = NULL, lease_owner = NULL WHERE id = ?`),
    recover:
      s(`UPDATE deliveries SET status = 'pending', next_attempt_at = ?, retry_from = attempts, updated_at = ?,
      finished_at = NULL WHERE handler_id = ? AND status = 'dead' AND created_at >= ?`),
    stats: s(`SELECT
      (SELECT count(*) FROM deliveries WHERE status = 'pending') AS pending,
      (SELECT count(*) FROM deliveries WHERE status = 'in_flight') AS in_flight,
      (SELECT count(*) FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ?) AS due,
      (SELECT count(*) FROM deliveries WHERE status = 'dead' AND updated_at >= ?) AS dead`),
  }
}
