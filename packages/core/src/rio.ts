import { resolve } from 'node:path'
import { generateSecret } from '@rio/signature'
import type { Database } from 'better-sqlite3'
import { z } from 'zod'
import type { Clock } from './clock.js'
import { diagnostics } from './diagnostics.js'
import { Dispatcher } from './dispatch/dispatcher.js'
import { RetryPolicy } from './dispatch/retry-policy.js'
import { assertWebhookUrl } from './dispatch/url-template.js'
import { WebhookSender } from './dispatch/webhook-sender.js'
import {
  formatIssues,
  quoteInput,
  RioClosedError,
  RioConflictError,
  RioError,
  RioIdempotencyError,
  RioNotFoundError,
  RioValidationError,
} from './errors.js'
import type { JsonValue, RioEvent } from './events/event.js'
import { RioEventBus } from './events/event-bus.js'
import { eventId, isUuid } from './events/event-id.js'
import { eventNameSchema, projectNameSchema } from './events/event-name.js'
import { serializePayload } from './events/payload.js'
import type { Handler, WebhookHandler } from './handlers/handler.js'
import {
  type FunctionHandlerOptions,
  functionOptionsSchema,
  parse,
  parseHandlerName,
  parsePattern,
  type WebhookOptions,
  webhookOptionsSchema,
} from './handlers/handler-options.js'
import { type HandlerFunction, HandlerRegistry } from './handlers/handler-registry.js'
import { type ApiHandler, createApiHandler } from './http/api.js'
import type { ApiOptions } from './http/api-options.js'
import type { HealthOptions, HealthReport } from './http/health-report.js'
import { type ListenOptions, parseListenOptions, type RioServer, serve } from './http/server.js'
import { type ResolvedOptions, type RioOptions, resolveOptions } from './options.js'
import { Outbox } from './outbox/outbox.js'
import { generateToken, hashSecret } from './senders/secret-hash.js'
import { SecretVerifier } from './senders/sender-auth.js'
import { SenderCache } from './senders/sender-cache.js'
import { SenderRevocations } from './senders/sender-revocations.js'
import type { Attempt, Delivery, DeliveryStatus } from './store/delivery.js'
import { type BackupOptions, type BackupReport, backupDatabase } from './store/sqlite/backup-database.js'
import { SqliteStore } from './store/sqlite/sqlite-store.js'
import type {
  CleanupCounts,
  EventInput,
  EventOutcome,
  HandlerPatch,
  MigrationReport,
  Project,
  Sender,
  Store,
} from './store/store.js'
import { describeWriteFailure, storeFault } from './store/store-fault.js'
import { VERSION } from './version.js'

/** Per-emit options. */
export interface EmitOptions {
  /** The project to emit into. @default Rio's `project` option */
  project?: string
  /**
   * A repeated key in the same project with the same name and payload (a retry) returns the first
   * event's id and writes nothing; with another name or payload it is refused
   * ({@link RioIdempotencyError}).
   */
  idempotencyKey?: string
  /** Use this id (a UUID) instead of generating one, e.g. a trace id handed down by the sender. */
  id?: string
}

/** One event of {@link Rio.emitMany}. */
export interface EmitManyItem {
  name: string
  payload?: unknown
  idempotencyKey?: string
  id?: string
}

/** What an emit wrote. */
export interface EmitResult {
  /** The event id (for a repeated idempotency key, the first event's). */
  readonly id: string
  /** True when the idempotency key was seen before and nothing was written. */
  readonly duplicate: boolean
  /** How many handlers the event was fanned out to. */
  readonly deliveries: number
}

/** Changes to a handler; see {@link Rio.updateHandler}. */
export type HandlerUpdate = Partial<Omit<WebhookOptions, 'project' | 'name' | 'enabled'>> & {
  pattern?: string
}

const idempotencyKeySchema = z.string().min(1).max(255)
const senderNameSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
    'letters, digits, ".", "_" and "-", at most 64, starting with a letter or digit',
  )
const DAY = 24 * 3600 * 1000
/**
 * How far ahead of the clock `recover()` accepts a `since`: a caller's clock a little ahead of this
 * one's (another host, NTP still settling) is not a mistake; anything further is (a year typed
 * wrong), and would silently re-queue nothing.
 */
const RECOVER_SINCE_SKEW_MS = 60_000
/**
 * Events a cleanup's dry run counts per store call, then a turn of the event loop: on a million
 * events with two deliveries and two attempts each, 3.3 s in all and at most 7 ms at a time here.
 */
const DRY_RUN_CHUNK = 1000

/**
 * Rio, embedded: stores events durably, fans them out to webhooks and in-process functions,
 * retries failures, and lets operators see and re-trigger every delivery.
 *
 * @example
 * ```ts
 * import { Rio } from '@rio/core'
 * const rio = new Rio({ database: './rio.db' })
 * await rio.webhook('comment-published', { url: 'https://antispam.internal/webhook' })
 * rio.on('comment-*', 'audit-log', async (event) => { await audit.write(event) })
 * await rio.start()
 * const { id } = await rio.emit('comment-published', { ip: '127.0.0.1', content: 'hi' })
 * rio.events.on('delivery.dead', (report) => alert(report))
 * await rio.stop()
 * ```
 */
export class Rio {
  /** Operational events: `delivery.succeeded`, `delivery.dead`, `handler.disabled`, … */
  readonly events = new RioEventBus()
  /** The options in force, defaults applied. */
  readonly options: ResolvedOptions
  /** The store; use Rio's methods rather than writing to it directly. */
  readonly store: Store
  readonly #clock: Clock
  readonly #registry = new HandlerRegistry()
  readonly #verifier = new SecretVerifier()
  readonly #senders: SenderCache
  readonly #outbox: Outbox
  readonly #dispatcher: Dispatcher
  readonly #sender: WebhookSender
  #registering: Promise<unknown> = Promise.resolve()
  #state: 'created' | 'started' | 'stopped' = 'created'
  #stopping: Promise<void> | undefined
  /** The database file this Rio holds open (resolved), counted in `liveFiles` until stop(). */
  readonly #file: string | null
  readonly #revocations = new SenderRevocations()

  /**
   * Validates the options, opens the database and applies pending migrations. Emits a process
   * warning (`RIO_DATABASE_OPEN_TWICE`, once per file) when another Rio of this process that was not
   * stopped has the same file open, as under a dev server that re-evaluated the module.
   * @throws {@link RioValidationError} for bad options (nothing is opened)
   * @throws {@link RioDatabaseError} when the database cannot be opened or migrated
   */
  constructor(options: RioOptions = {}) {
    this.options = resolveOptions(options)
    this.#clock = this.options.clock
    this.#senders = new SenderCache(this.#clock)
    this.store =
      this.options.store ??
      new SqliteStore({ database: this.options.database, synchronous: this.options.synchronous })
    this.#outbox = new Outbox(this.store, {
      maxBatchSize: this.options.maxBatchSize,
      onCommit: (events, outcomes) => this.#committed(events, outcomes),
    })
    this.#sender = new WebhookSender({
      maxResponseBytes: this.options.maxResponseBytes,
      blockPrivateAddresses: this.options.blockPrivateAddresses,
      maxOrigins: this.options.maxWebhookOrigins,
    })
    this.#dispatcher = new Dispatcher({
      store: this.store,
      bus: this.events,
      clock: this.#clock,
      registry: this.#registry,
      sender: this.#sender,
      policy: new RetryPolicy({
        schedule: this.options.retrySchedule,
        jitter: this.options.retryJitter,
        maxRetryAfterMs: this.options.maxRetryAfterMs,
        throttleMinDelayMs: this.options.throttleMinDelayMs,
        random: this.options.random,
      }),
      options: { ...this.options, userAgent: `Rio/${VERSION}` },
    })
    this.#file = this.#holdFile()
  }

  /**
   * Counts this Rio's database file among those open in this process, warning once per file when
   * another Rio, not stopped, has it open too: the sign of a dev server that re-evaluated the module
   * (each Rio runs its own function handlers, so the old code goes on running part of the deliveries).
   */
  #holdFile(): string | null {
    const db = this.db
    if (!db || db.memory || db.name === '' || this.options.store) return null
    const file = resolve(db.name)
    const open = liveFiles.get(file) ?? 0
    liveFiles.set(file, open + 1)
    if (open > 0 && !warnedFiles.has(file)) {
      warnedFiles.add(file)
      process.emitWarning(
        `another Rio in this process has ${file} open and was not stopped: both dispatch, each with its own function handlers, so the first one's code runs part of the deliveries. Under a dev server that re-evaluates modules, stop the old Rio first or keep one per process (docs/reliability.md, "Stopping, and hosts that restart")`,
        { type: 'RioWarning', code: 'RIO_DATABASE_OPEN_TWICE' },
      )
    }
    return file
  }

  /** The SQLite connection, when Rio runs on the SQLite store (for the transactional outbox). */
  get db(): Database | undefined {
    return this.store instanceof SqliteStore ? this.store.db : undefined
  }

  /** Applies pending migrations (also done on open) and reports what was done. */
  migrate(): Promise<MigrationReport> {
    return this.store.migrate()
  }

  /**
   * Starts dispatching. Emits work before `start()` too; their deliveries wait until then.
   * @throws {@link RioClosedError} after {@link Rio.stop}, also when a stop began before `start()`
   *   finished
   */
  async start(): Promise<void> {
    this.#assertOpen()
    if (this.#state === 'started') return
    await this.#registering
    // A stop() that began while the registrations were stored wins: dispatching would run on a
    // closed store.
    this.#assertOpen()
    // Two start() calls waited together: the first one starts.
    if (this.#state !== 'created') return
    this.#state = 'started'
    this.#dispatcher.start()
  }

  /**
   * Stops gracefully: no new claims; attempts in flight get `stopTimeoutMs` to finish, then are
   * aborted (function handlers see their `signal` abort) and given back to the queue; pending emits
   * are committed; the webhook connections and the database are closed. Every call resolves when
   * that is done, the second one too.
   *
   * Called by a function handler before its first `await` (`return rio.stop()`, or
   * `await rio.stop()` first thing), it resolves once nothing more is claimed and the other attempts
   * have finished (or `stopTimeoutMs` passed): the stop waits for that handler to return, so it
   * cannot wait for the stop. The handler's own result is recorded when it returns, then the
   * database is closed. After an `await`, Rio cannot tell the call is the handler's own: call it
   * there without awaiting it (`void rio.stop()`), or the stop waits `stopTimeoutMs` for the handler
   * and hands its attempt back unrecorded.
   * @throws {@link RioDatabaseError} when what was in flight could not be given back (the database
   *   cannot be written); the connections and the database are closed all the same
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop()
    const own = this.#dispatcher.attemptOfCaller()
    if (own === undefined) return this.#stopping
    // Its failure is for the callers waiting for the whole stop, not an unhandled rejection.
    this.#stopping.catch(() => undefined)
    return this.#dispatcher.othersSettled(own)
  }

  async #stop(): Promise<void> {
    this.#state = 'stopped'
    // Each step runs even when one before it failed: a database that cannot be written must not leave
    // the dispatcher running, the connections open or the file held (its descriptor, its lock).
    let failure: { error: unknown } | undefined
    const step = async (run: () => Promise<unknown>) => {
      try {
        await run()
      } catch (error) {
        failure ??= { error }
      }
    }
    await step(() => this.#registering.catch(() => undefined))
    await step(() => this.#outbox.drain())
    await step(() => this.#dispatcher.stop(this.options.stopTimeoutMs))
    await step(() => this.#sender.close())
    await step(() => this.store.close())
    if (this.#file !== null) {
      const open = (liveFiles.get(this.#file) ?? 1) - 1
      if (open > 0) liveFiles.set(this.#file, open)
      else liveFiles.delete(this.#file)
    }
    if (failure) throw failure.error
  }

  /** Same as {@link Rio.stop}, for `await using rio = new Rio()`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop()
  }

  /** Deliveries being attempted right now in this process. */
  get inFlight(): number {
    return this.#dispatcher.inFlight
  }

  /** When the dispatcher last finished a round (ms since epoch; 0 before the first). */
  get heartbeat(): number {
    return this.#dispatcher.heartbeat
  }

  // --- emitting -------------------------------------------------------------------------------

  /**
   * Stores an event and fans it out to every enabled handler whose pattern matches. Resolves after
   * the COMMIT that holds it; concurrent emits share one transaction (group commit).
   * @param name - the event name, e.g. `comment-published`
   * @param payload - any JSON-serialisable value (at most `maxPayloadBytes` as JSON)
   * @returns the event id, whether it was a duplicate, and how many deliveries were created
   * @throws {@link RioValidationError} for a bad name, payload or option; nothing is written
   * @throws {@link RioIdempotencyError} when `idempotencyKey` was used for a different event
   * @throws {@link RioDatabaseError} when the database cannot be written
   */
  async emit(name: string, payload?: unknown, options: EmitOptions = {}): Promise<EmitResult> {
    const input = this.#eventInput(name, payload, options, options.project)
    await this.#registering
    const [outcome] = await this.#outbox.write([input])
    return outcome!
  }

  /**
   * Stores several events in one transaction (all or nothing).
   * @throws {@link RioValidationError} naming the index of the first bad item; nothing is written
   * @throws {@link RioIdempotencyError} when an item's key was used for a different event; nothing is written
   */
  async emitMany(items: readonly EmitManyItem[], options: { project?: string } = {}): Promise<EmitResult[]> {
    // Before the items are checked: each check would report the stop as that item's validation error.
    this.#assertOpen()
    if (!Array.isArray(items))
      throw new RioValidationError('invalid_argument', 'emitMany() takes an array of events')
    const inputs = items.map((item, index) => {
      try {
        return this.#eventInput(item?.name, item?.payload, item ?? {}, options.project)
      } catch (error) {
        if (error instanceof RioError) {
          throw new RioValidationError(error.code, `events[${index}]: ${error.message}`, { cause: error })
        }
        throw error
      }
    })
    if (inputs.length === 0) return []
    refuseKeyConflicts(inputs)
    await this.#registering
    return this.#outbox.write(inputs)
  }

  /**
   * Writes an event synchronously on the shared SQLite connection: inside the host's
   * `db.transaction(...)` it is part of that transaction, so it exists only if the host commits
   * (the transactional outbox). Outside a transaction it commits at once.
   * @throws {@link RioError} `invalid_argument` when Rio is not on the SQLite store
   */
  emitSync(name: string, payload?: unknown, options: EmitOptions = {}): EmitResult {
    if (!(this.store instanceof SqliteStore)) {
      throw new RioError(
        'invalid_argument',
        'emitSync() needs the SQLite store; use emit() with other stores',
      )
    }
    const input = this.#eventInput(name, payload, options, options.project)
    const [outcome] = this.store.insertEventsSync([input])
    // A db.transaction() commits or rolls back before the next turn of the event loop; a
    // transaction the host holds open across awaits is waited for.
    const store = this.store
    const settled = () => {
      if (this.#state === 'stopped') return
      if (store.db.inTransaction) setTimeout(settled, 5)
      // The check reads the database: one that fails (a damaged file) is reported, not left unhandled.
      else
        this.#eventExists(input, outcome!.deliveries).catch((error: unknown) =>
          this.events.safeEmit('error', error as Error),
        )
    }
    setImmediate(settled)
    return outcome!
  }

  async #eventExists(input: EventInput, deliveries: number): Promise<void> {
    const event = await this.store.getEvent(input.id)
    if (event) this.#committed([input], [{ id: input.id, duplicate: false, deliveries }])
  }

  #eventInput(
    name: unknown,
    payload: unknown,
    options: EmitOptions,
    project: string | undefined,
  ): EventInput {
    this.#assertOpen()
    const parsedName = eventNameSchema.safeParse(name)
    if (!parsedName.success) {
      throw new RioValidationError(
        'invalid_event_name',
        `invalid event name ${quoteInput(name)}: ${formatIssues(parsedName.error.issues)}`,
        { issues: parsedName.error.issues },
      )
    }
    const projectName = this.#project(project)
    if (
      options.idempotencyKey !== undefined &&
      !idempotencyKeySchema.safeParse(options.idempotencyKey).success
    ) {
      throw new RioValidationError(
        'invalid_argument',
        'idempotencyKey must be a string of 1 to 255 characters',
      )
    }
    if (options.id !== undefined && (typeof options.id !== 'string' || !isUuid(options.id))) {
      throw new RioValidationError('invalid_argument', `event id ${quoteInput(options.id)} is not a UUID`)
    }
    const now = this.#clock.now()
    return {
      id: options.id?.toLowerCase() ?? eventId(now),
      project: projectName,
      name: parsedName.data,
      payloadJson: serializePayload(payload, this.options.maxPayloadBytes),
      createdAt: now,
      idempotencyKey: options.idempotencyKey ?? null,
    }
  }

  #committed(inputs: readonly EventInput[], outcomes: readonly EventOutcome[]): void {
    let fanOut = false
    const listen = this.events.listenerCount('event.emitted') > 0 || diagnostics.emit.hasSubscribers
    for (let i = 0; i < inputs.length; i++) {
      const outcome = outcomes[i]!
      if (outcome.duplicate) continue
      if (outcome.deliveries > 0) fanOut = true
      if (listen) {
        const input = inputs[i]!
        const event: RioEvent = {
          id: input.id,
          project: input.project,
          name: input.name,
          payload: JSON.parse(input.payloadJson) as JsonValue,
          createdAt: new Date(input.createdAt),
          idempotencyKey: input.idempotencyKey,
        }
        this.events.safeEmit('event.emitted', event, outcome.deliveries)
        if (diagnostics.emit.hasSubscribers)
          diagnostics.emit.publish({ event, deliveries: outcome.deliveries })
      }
    }
    if (fanOut) this.#dispatcher.emitted(inputs)
  }

  // --- handlers -------------------------------------------------------------------------------

  /**
   * Subscribes a webhook to an event name or pattern; persisted. Calling it again with the same
   * name (by default `${pattern} ${url}`) updates that handler, keeping its secret and its
   * enabled state unless given — so a host can declare its webhooks on every boot.
   * @param pattern - an event name, or a pattern with `*` (`comment-*`, `*`)
   * @returns the stored handler, with its signing secret(s)
   * @throws {@link RioValidationError} for a bad pattern, URL (http/https only) or option
   */
  async webhook(pattern: string, options: WebhookOptions): Promise<WebhookHandler> {
    this.#assertOpen()
    const parsedPattern = parsePattern(pattern)
    const opts = parse(webhookOptionsSchema.strict(), options, `webhook options for "${pattern}"`)
    assertWebhookUrl(opts.url, this.options)
    const project = this.#project(opts.project)
    const name = opts.name ?? `${parsedPattern} ${opts.url}`
    const secrets = opts.secrets ?? (opts.secret ? [opts.secret] : undefined)
    const now = this.#clock.now()
    const handler = await this.#declareHandler(project, name, options.name, async (existing) => {
      if (!existing) {
        return this.store.insertHandler(
          {
            id: eventId(now),
            project,
            name,
            kind: 'webhook',
            pattern: parsedPattern,
            enabled: opts.enabled ?? true,
            concurrency: opts.concurrency ?? this.options.handlerConcurrency,
            rateLimit: opts.rateLimit ?? null,
            retrySchedule: opts.retrySchedule ?? null,
            url: opts.url,
            method: opts.method ?? 'POST',
            contentType: opts.contentType ?? 'json',
            secrets: secrets ?? [generateSecret()],
            headers: opts.headers ?? {},
            timeoutMs: opts.timeoutMs ?? this.options.timeoutMs,
          },
          now,
        )
      }
      if (existing.kind !== 'webhook') {
        throw new RioConflictError(
          `"${name}" is a function handler in project "${project}"; pick another name`,
        )
      }
      const updated = await this.store.updateHandler(
        existing.id,
        {
          pattern: parsedPattern,
          url: opts.url,
          method: opts.method ?? 'POST',
          contentType: opts.contentType ?? 'json',
          headers: opts.headers ?? {},
          timeoutMs: opts.timeoutMs ?? this.options.timeoutMs,
          concurrency: opts.concurrency ?? this.options.handlerConcurrency,
          rateLimit: opts.rateLimit ?? null,
          retrySchedule: opts.retrySchedule ?? null,
          ...(secrets ? { secrets } : {}),
        },
        now,
      )
      return this.#applyEnabled(updated, opts.enabled, now)
    })
    this.#dispatcher.invalidateHandlers()
    return handler as WebhookHandler
  }

  /**
   * Runs `declare` with the handler stored under `name` (or null), to update or insert it. When
   * another declaration of the same name (another call, another process booting) inserts it
   * between the read and the insert, the insert conflicts: it runs again with that handler.
   * @param name - the name, normalised to NFC
   * @param given - the name as the caller wrote it: a handler stored under it before names were
   *   normalised (`e` + U+0301 rather than `é`) is found by it, and keeps its stored name
   */
  async #declareHandler(
    project: string,
    name: string,
    given: unknown,
    declare: (existing: Handler | null) => Promise<Handler>,
  ): Promise<Handler> {
    const find = async () =>
      (await this.store.getHandlerByName(project, name)) ??
      (typeof given === 'string' && given !== name
        ? await this.store.getHandlerByName(project, given)
        : null) ??
      (await this.#storedUnnormalised(project, name))
    const existing = await find()
    try {
      return await declare(existing)
    } catch (error) {
      if (existing || !(error instanceof RioConflictError)) throw error
      return declare(await find())
    }
  }

  /**
   * The handler stored, before names were normalised, under another form of `name` than the one
   * given (`e` + U+0301 stored, `é` declared), so that declaring it in NFC updates it rather than
   * adding a second handler that looks the same. Read only when no handler has the name as given:
   * a new handler. An ASCII name is not looked up so: only the Kelvin sign (U+212A) and two Greek
   * marks (U+037E, U+1FEF) are other forms of ASCII characters.
   */
  async #storedUnnormalised(project: string, name: string): Promise<Handler | null> {
    if (/^[\x20-\x7e]*$/.test(name)) return null
    const handlers = await this.store.listHandlers({ project })
    return handlers.find((h) => h.name !== name && h.name.normalize('NFC') === name) ?? null
  }

  /** A stored enabled state is kept unless the declaration names one. */
  async #applyEnabled(handler: Handler, enabled: boolean | undefined, now: number): Promise<Handler> {
    if (enabled === undefined || enabled === handler.enabled) return handler
    return (await this.store.setHandlerEnabled(handler.id, enabled, 'manual', now))!
  }

  /**
   * Registers an in-process function handler under a stable name. The subscription is stored, so
   * its deliveries are durable and retried like webhooks; they run in whichever process has
   * registered the same name. Registering the same name again (on every boot) updates its pattern
   * and options, keeping its enabled state unless `enabled` is given. Returns at once; emits wait
   * for the registration to be stored.
   * @param pattern - an event name, or a pattern with `*`
   * @param name - stable across restarts (deliveries are tied to it)
   * @param fn - resolve to succeed; throw to be retried; `UnrecoverableError` to fail for good.
   *   It gets the event frozen, payload included, shared by every function handler of the event:
   *   a change throws a `TypeError` and fails the attempt (copy with `structuredClone` to change it)
   * @throws {@link RioValidationError} for a bad pattern, name or option
   */
  on<P = JsonValue>(
    pattern: string,
    name: string,
    fn: HandlerFunction<P>,
    options: FunctionHandlerOptions = {},
  ): this {
    this.#assertOpen()
    const parsedPattern = parsePattern(pattern)
    const parsedName = parseHandlerName(name)
    if (typeof fn !== 'function')
      throw new RioValidationError('invalid_handler', `handler "${name}" needs a function`)
    const opts = parse(functionOptionsSchema.strict(), options, `options of handler "${name}"`)
    const project = this.#project(opts.project)
    this.#registry.set(project, parsedName, fn as HandlerFunction)
    // A handler stored under the name as written, before names were normalised, runs it too.
    if (name !== parsedName) this.#registry.set(project, name, fn as HandlerFunction)
    const registration = this.#registering.then(() =>
      this.#storeFunction(project, parsedPattern, parsedName, opts, name, fn as HandlerFunction),
    )
    this.#registering = registration.catch((error: unknown) => this.events.safeEmit('error', error as Error))
    return this
  }

  async #storeFunction(
    project: string,
    pattern: string,
    name: string,
    opts: z.infer<typeof functionOptionsSchema>,
    given: string,
    fn: HandlerFunction,
  ): Promise<void> {
    const now = this.#clock.now()
    const fields = {
      pattern,
      concurrency: opts.concurrency ?? this.options.handlerConcurrency,
      rateLimit: opts.rateLimit ?? null,
      retrySchedule: opts.retrySchedule ?? null,
    }
    const handler = await this.#declareHandler(project, name, given, async (existing) => {
      if (!existing) {
        return this.store.insertHandler(
          {
            id: eventId(now),
            project,
            name,
            kind: 'function',
            enabled: opts.enabled ?? true,
            url: null,
            method: null,
            contentType: null,
            secrets: [],
            headers: {},
            timeoutMs: null,
            ...fields,
          },
          now,
        )
      }
      if (existing.kind !== 'function') {
        this.#registry.delete(project, name)
        this.#registry.delete(project, given)
        throw new RioConflictError(
          `"${name}" is a webhook in project "${project}"; pick another name for the function`,
        )
      }
      return this.#applyEnabled(await this.store.updateHandler(existing.id, fields, now), opts.enabled, now)
    })
    // Stored under another form of the name (before names were normalised): runs under that one too.
    if (handler.name !== name && handler.name !== given) this.#registry.set(project, handler.name, fn)
    this.#dispatcher.setFunctionTimeout(handler.id, opts.timeoutMs)
    this.#dispatcher.invalidateHandlers()
  }

  /** One handler by id. @throws {@link RioNotFoundError} */
  async getHandler(id: string): Promise<Handler> {
    const handler = await this.#open().getHandler(String(id))
    if (!handler) throw new RioNotFoundError('handler', String(id))
    return handler
  }

  /**
   * Handlers, optionally of one project, enabled state or kind, by project name then by name. Every
   * one that matches, unless `limit` is given: then a page of at most `limit` (up to 1000); pass
   * the last one's id as `after` for the next page. A removed handler's id still marks its place.
   * @param filter.after - the id of the last handler of the previous page
   * @param filter.limit - page size, a positive integer (at most 1000 are read); default: every handler
   * @throws {@link RioValidationError} `invalid_argument` when `limit` is not a positive integer, or
   *   `after` names no handler (or one of another project than `project`), with an issue at `limit` or `after`
   * @example
   * ```ts
   * const first = await rio.listHandlers({ project: 'shop', limit: 100 })
   * const next = await rio.listHandlers({ project: 'shop', limit: 100, after: first.at(-1)?.id })
   * ```
   */
  async listHandlers(
    filter: {
      project?: string
      enabled?: boolean
      kind?: 'webhook' | 'function'
      after?: string | undefined
      limit?: number | undefined
    } = {},
  ): Promise<Handler[]> {
    const { after, limit, ...rest } = filter
    return this.#open().listHandlers({
      ...rest,
      ...(after !== undefined ? { after: String(after) } : {}),
      ...(limit !== undefined ? { limit: pageLimit('listHandlers', limit) } : {}),
    })
  }

  /**
   * The handlers with these ids, by id; ids that name no handler, or a removed one, are left out.
   * For showing the handlers of a page of deliveries by name: it reads those, not every handler.
   * @example
   * ```ts
   * const handlers = await rio.getHandlers(deliveries.map((d) => d.handlerId))
   * const name = handlers.get(delivery.handlerId)?.name ?? 'removed'
   * ```
   */
  async getHandlers(ids: Iterable<string>): Promise<Map<string, Handler>> {
    const handlers = await this.#open().getHandlers([...ids].map(String))
    return new Map(handlers.map((handler) => [handler.id, handler]))
  }

  /**
   * Changes a handler's settings. Webhook fields on a function handler are refused.
   * @throws {@link RioNotFoundError}, {@link RioValidationError}
   */
  async updateHandler(id: string, update: HandlerUpdate): Promise<Handler> {
    const handler = await this.getHandler(id)
    const { pattern, ...rest } = update ?? {}
    const patch: HandlerPatch = {}
    const p = patch as Record<string, unknown>
    if (pattern !== undefined) p.pattern = parsePattern(pattern)
    if (Object.keys(rest).length > 0) {
      const opts = parse(
        webhookOptionsSchema.partial().omit({ project: true, name: true, enabled: true }).strict(),
        rest,
        `update of handler "${handler.name}"`,
      )
      const webhookOnly = ['url', 'method', 'contentType', 'secret', 'secrets', 'headers'] as const
      if (handler.kind === 'function' && webhookOnly.some((key) => opts[key] !== undefined)) {
        throw new RioValidationError(
          'invalid_handler',
          `handler "${handler.name}" is a function; it has no URL, method, body type, secrets or headers`,
        )
      }
      if (opts.url !== undefined) assertWebhookUrl(opts.url, this.options)
      for (const key of [
        'url',
        'method',
        'contentType',
        'headers',
        'timeoutMs',
        'concurrency',
        'rateLimit',
        'retrySchedule',
      ] as const) {
        if (opts[key] !== undefined) p[key] = opts[key]
      }
      const secrets = opts.secrets ?? (opts.secret ? [opts.secret] : undefined)
      if (secrets) p.secrets = secrets
    }
    const updated = await this.#open().updateHandler(handler.id, patch, this.#clock.now())
    this.#dispatcher.invalidateHandlers()
    return updated
  }

  /** Lets a handler receive deliveries again (its waiting deliveries resume). @throws {@link RioNotFoundError} */
  async enableHandler(id: string): Promise<Handler> {
    const handler = await this.#open().setHandlerEnabled(String(id), true, null, this.#clock.now())
    if (!handler) throw new RioNotFoundError('handler', String(id))
    this.#dispatcher.invalidateHandlers()
    this.events.safeEmit('handler.enabled', handler)
    return handler
  }

  /** Pauses a handler: its deliveries wait until it is enabled again. @throws {@link RioNotFoundError} */
  async disableHandler(id: string, reason = 'manual'): Promise<Handler> {
    const handler = await this.#open().setHandlerEnabled(String(id), false, reason, this.#clock.now())
    if (!handler) throw new RioNotFoundError('handler', String(id))
    this.#dispatcher.invalidateHandlers()
    this.events.safeEmit('handler.disabled', handler, reason)
    return handler
  }

  /**
   * Removes a handler. Its unfinished deliveries are marked `cancelled` (kept, visible), not dropped.
   * @returns how many deliveries were cancelled
   * @throws {@link RioNotFoundError}
   */
  async removeHandler(id: string): Promise<{ cancelled: number }> {
    const handler = await this.getHandler(id)
    const result = await this.#open().deleteHandler(handler.id, this.#clock.now())
    if (handler.kind === 'function') {
      this.#registry.delete(handler.project, handler.name)
      // Handler ids are never reused: a timeout kept for a removed one would stay for good.
      this.#dispatcher.setFunctionTimeout(handler.id, undefined)
    }
    this.#dispatcher.invalidateHandlers()
    return result
  }

  // --- events, deliveries ---------------------------------------------------------------------

  /** One event. @throws {@link RioNotFoundError} */
  async getEvent(id: string): Promise<RioEvent> {
    const event = await this.#open().getEvent(String(id))
    if (!event) throw new RioNotFoundError('event', String(id))
    return event
  }

  /**
   * Events, newest first; pass the last id as `before` for the next page. `since` includes its
   * instant, `until` does not.
   * @throws {@link RioValidationError} `invalid_argument` when `since` or `until` is not a valid `Date`
   */
  async listEvents(
    filter: {
      project?: string
      name?: string
      since?: Date
      until?: Date
      before?: string
      limit?: number
    } = {},
  ): Promise<RioEvent[]> {
    return this.#open().listEvents({
      ...(filter.project !== undefined ? { project: filter.project } : {}),
      ...(filter.name !== undefined ? { name: filter.name } : {}),
      ...(filter.since != null ? { since: timeFilter('listEvents', 'since', filter.since) } : {}),
      ...(filter.until != null ? { until: timeFilter('listEvents', 'until', filter.until) } : {}),
      ...(filter.before !== undefined ? { before: filter.before } : {}),
      limit: listLimit('listEvents', filter.limit),
    })
  }

  /** One delivery. @throws {@link RioNotFoundError} */
  async getDelivery(id: string): Promise<Delivery> {
    const delivery = await this.#open().getDelivery(String(id))
    if (!delivery) throw new RioNotFoundError('delivery', String(id))
    return delivery
  }

  /**
   * Deliveries, newest first; pass the last id as `before` for the next page. `attempted: true`
   * keeps those attempted at least once (with `status: 'pending'`: the retrying ones), `false` those
   * never attempted.
   * @throws {@link RioValidationError} `invalid_argument` when `since` is not a valid `Date`
   */
  async listDeliveries(
    filter: {
      project?: string
      status?: DeliveryStatus | readonly DeliveryStatus[]
      handlerId?: string
      eventId?: string
      attempted?: boolean
      since?: Date
      before?: string
      limit?: number
    } = {},
  ): Promise<Delivery[]> {
    const { since, limit, ...rest } = filter
    return this.#open().listDeliveries({
      ...rest,
      ...(since != null ? { since: timeFilter('listDeliveries', 'since', since) } : {}),
      limit: listLimit('listDeliveries', limit),
    })
  }

  /** Every attempt of a delivery, oldest first. @throws {@link RioNotFoundError} */
  async listAttempts(deliveryId: string): Promise<Attempt[]> {
    await this.getDelivery(deliveryId)
    return this.#open().listAttempts(String(deliveryId))
  }

  /**
   * Puts a delivery back in the queue, due now, with a fresh retry schedule; its attempt history
   * is kept.
   * @throws {@link RioNotFoundError}; {@link RioConflictError} while it is being attempted, or when its
   *   handler was removed
   */
  async redeliver(deliveryId: string): Promise<Delivery> {
    this.#assertOpen()
    const delivery = await this.store.redeliver(String(deliveryId), this.#clock.now())
    this.#dispatcher.wake()
    return delivery
  }

  /**
   * Re-queues a handler's dead deliveries created since `since` (default: the last 7 days).
   * @param input.since - at most 60 s ahead of the clock (`options.clock`), to allow for another
   *   host's clock running a little fast; a later one can match no delivery, so it is refused
   * @returns how many were re-queued
   * @throws {@link RioNotFoundError}; {@link RioValidationError} `invalid_argument` when `since` is
   *   not a valid `Date`, or is more than 60 s in the future (with an issue at `since`)
   */
  async recover(input: { handler: string; since?: Date }): Promise<{ requeued: number }> {
    this.#assertOpen()
    const { since } = input
    // An Invalid Date would match no delivery and report 0 re-queued, as if there were none.
    if (since !== undefined && !(since instanceof Date && Number.isFinite(since.getTime()))) {
      throw new RioValidationError(
        'invalid_argument',
        `recover() needs a valid since date (got ${since instanceof Date ? 'Invalid Date' : typeof since}); leave it out for the last 7 days`,
      )
    }
    const now = this.#clock.now()
    if (since !== undefined && since.getTime() > now + RECOVER_SINCE_SKEW_MS) {
      const message = `since ${since.toISOString()} is in the future (the clock reads ${new Date(now).toISOString()}), so no dead delivery can have been created after it; give a time in the past (is the year right?), or leave since out for the last 7 days`
      throw new RioValidationError('invalid_argument', message, {
        issues: [{ code: 'custom', path: ['since'], message, input: since.toISOString() }],
      })
    }
    const requeued = await this.store.recoverDeliveries({
      handlerId: String(input.handler),
      since: since?.getTime() ?? now - 7 * DAY,
      now,
    })
    this.#dispatcher.wake()
    return { requeued }
  }

  /**
   * Retention: deletes events created before `olderThan` whose deliveries are all finished, with
   * their deliveries and attempts, in small transactions with a turn of the event loop between
   * them, so dispatching and emits never wait long. Unfinished work is never deleted.
   * @param input.olderThan - the cutoff
   * @param input.batchSize - most events per transaction (fewer when their payloads add up to
   *   megabytes) @default 500
   * @param input.dryRun - delete nothing: count what would be deleted now, in reads of 1 000 events
   *   that load no rows, with a turn of the event loop between them (the same selection, so a
   *   cleanup right after removes these numbers unless events finish or arrive in between)
   *   @default false
   * @param input.onProgress - called between batches with the totals so far (on a dry run: counted so far)
   * @returns how many events, deliveries and attempts were removed (on a dry run: would be)
   * @throws {@link RioValidationError} `invalid_argument` for an invalid `olderThan`, a `batchSize`
   *   that is not a positive integer, or a `dryRun` that is not a boolean
   * @example
   * ```ts
   * const olderThan = new Date(Date.now() - 30 * 86_400_000)
   * const would = await rio.cleanup({ olderThan, dryRun: true }) // { events, deliveries, attempts }
   * ```
   */
  async cleanup(input: {
    olderThan: Date
    batchSize?: number
    dryRun?: boolean
    onProgress?: (removed: CleanupCounts) => void
  }): Promise<CleanupCounts> {
    this.#assertOpen()
    const before = input.olderThan.getTime()
    if (!Number.isFinite(before))
      throw new RioValidationError('invalid_argument', 'cleanup() needs a valid olderThan date')
    const limit = input.batchSize ?? 500
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RioValidationError('invalid_argument', `batchSize must be a positive integer (got ${limit})`)
    }
    // A truthy string ("false") must not be taken for either answer: one of them deletes.
    if (input.dryRun !== undefined && typeof input.dryRun !== 'boolean') {
      throw new RioValidationError(
        'invalid_argument',
        `cleanup() dryRun must be true or false (got a value of type ${typeof input.dryRun}); pass true to count only, or leave it out to delete`,
      )
    }
    if (input.dryRun) return this.#countCleanup(before, input.onProgress)
    const total = { events: 0, deliveries: 0, attempts: 0 }
    for (;;) {
      const removed = await this.store.deleteFinishedEvents({ before, limit, now: this.#clock.now() })
      total.events += removed.events
      total.deliveries += removed.deliveries
      total.attempts += removed.attempts
      input.onProgress?.({ ...total })
      // A batch of big payloads ends early (the store bounds its bytes, and says there is more).
      if (removed.events < limit && removed.more !== true) return total
      await new Promise<void>((resolve) => setImmediate(resolve))
    }
  }

  /** A cleanup's dry run: counted in chunks of events, yielding between them as the cleanup does. */
  async #countCleanup(before: number, onProgress?: (counted: CleanupCounts) => void): Promise<CleanupCounts> {
    const now = this.#clock.now()
    const total = { events: 0, deliveries: 0, attempts: 0 }
    // From -Infinity, as the cleanup has no lower bound either.
    for (let from: number | null = Number.NEGATIVE_INFINITY; from !== null; ) {
      const counted = await this.store.countFinishedEvents({ from, before, limit: DRY_RUN_CHUNK, now })
      total.events += counted.events
      total.deliveries += counted.deliveries
      total.attempts += counted.attempts
      from = counted.next
      if (from !== null) {
        onProgress?.({ ...total })
        await new Promise<void>((resolve) => setImmediate(resolve))
      }
    }
    return total
  }

  /**
   * Writes a consistent copy of the database to `destination` while Rio runs: every event whose
   * emit resolved before the call is in it, emits and dispatch go on meanwhile, and the event loop
   * is not blocked (the copy runs in a worker thread). See {@link backupDatabase} for how the file
   * is written, and docs/reliability.md ("Backups and restores") for what restoring a copy means.
   * @param destination - the copy's path; its directory must exist
   * @param options.force - replace a file at `destination` @default false
   * @param options.onProgress - called as pages are copied
   * @returns the copy's path, size, event and delivery counts and schema version
   * @throws {@link RioValidationError} for a destination that is the database (or its `-wal`), a
   *   directory, or in a directory that does not exist; and on a Rio without a database file (an
   *   in-memory database, or a store of the host's own: back that up with its own tools)
   * @throws {@link RioConflictError} when a file is at `destination` and `force` is not set
   * @throws {@link RioDatabaseError} when the copy cannot be read or written
   * @example
   * ```ts
   * const { path, bytes, events } = await rio.backup(`/backups/rio-${new Date().toISOString().slice(0, 10)}.db`)
   * ```
   */
  async backup(destination: string, options: BackupOptions = {}): Promise<BackupReport> {
    this.#assertOpen()
    const db = this.db
    if (!db || db.memory || db.name === '')
      throw new RioValidationError(
        'invalid_argument',
        'backup() copies a database file, and this Rio has none (an in-memory database, or a store of its own); back that up with its own tools',
      )
    return backupDatabase(db.name, destination, options)
  }

  // --- senders --------------------------------------------------------------------------------

  /**
   * Creates a sender: a credential allowed to emit into one project. The secret is returned once
   * and only its hash is stored; build a DSN from it with `http://<name>:<secret>@host:port/<project>`.
   * @param options.secret - bring your own (at least 6 characters); @default a random 32-byte token
   * @throws {@link RioConflictError} when the name is taken in the project
   */
  async createSender(
    project: string,
    name: string,
    options: { secret?: string } = {},
  ): Promise<{ sender: Sender; secret: string }> {
    this.#assertOpen()
    const projectName = this.#project(project)
    const senderName = parse(senderNameSchema, name, 'sender name')
    const secret = options.secret ?? generateToken()
    if (typeof secret !== 'string' || secret.length < 6 || secret.length > 512) {
      throw new RioValidationError('invalid_argument', 'a sender secret must be 6 to 512 characters')
    }
    // As the API refuses it: HTTP Basic sends UTF-8, where a lone surrogate is U+FFFD, so no client
    // could send this secret, and `abc\uD800` and `abc\uDC00` would be the same one.
    if (/\p{Cs}/u.test(secret)) {
      throw new RioValidationError(
        'invalid_argument',
        'a sender secret must be valid Unicode (no lone surrogates)',
      )
    }
    const now = this.#clock.now()
    await this.store.ensureProject(projectName, now)
    const sender = await this.store.createSender({
      project: projectName,
      name: senderName,
      secretHash: await hashSecret(secret),
      now,
    })
    return { sender, secret }
  }

  /** The senders of a project (hashes only; secrets are never kept). */
  async listSenders(project: string): Promise<Sender[]> {
    return this.#open().listSenders(this.#project(project))
  }

  /**
   * Revokes a sender: refused at once by this Rio, and within a second by other processes on the
   * same database (they trust a sender lookup for 1 s).
   * @returns whether it existed
   */
  async removeSender(project: string, name: string): Promise<boolean> {
    const key = `${project}/${name}`
    this.#revocations.revoke(key)
    this.#verifier.forget(key)
    this.#senders.forget(project, String(name))
    const removed = await this.#open().deleteSender(this.#project(project), String(name))
    // A lookup that raced the delete may have cached it again, or a check passed during it.
    this.#senders.forget(project, String(name))
    this.#revocations.revoke(key)
    return removed
  }

  /**
   * Checks a sender's credentials for emitting into `project`. A check that a
   * {@link Rio.removeSender} overlapped is made again, so it never accepts a removed sender.
   * @returns `ok` with the sender and `stillValid()`, false once this Rio has removed that sender
   *   since (ask it again after a slow step, such as reading a request body); `forbidden` when the
   *   credentials are valid for another project only; `unauthorized` otherwise
   */
  async authenticateSender(
    project: string,
    name: string,
    secret: string,
  ): Promise<
    | { ok: true; sender: Sender; stillValid: () => boolean }
    | { ok: false; reason: 'unauthorized' | 'forbidden' }
  > {
    const key = `${project}/${name}`
    // A removal that overlapped a round makes it run again, reading the sender afresh (gone by
    // then); removals overlapping three rounds in a row end in a refusal.
    for (let round = 0; round < 3; round++) {
      const stillValid = this.#revocations.watch(key)
      const result = await this.#checkSender(project, name, secret)
      if (!result.ok) return result
      if (stillValid()) return { ok: true, sender: result.sender, stillValid }
    }
    return { ok: false, reason: 'unauthorized' }
  }

  async #checkSender(
    project: string,
    name: string,
    secret: string,
  ): Promise<{ ok: true; sender: Sender } | { ok: false; reason: 'unauthorized' | 'forbidden' }> {
    const sender = await this.#senders.get(project, name, () => this.#open().getSender(project, name))
    if (sender && (await this.#verifier.verify(`${project}/${name}`, secret, sender.secretHash))) {
      return { ok: true, sender }
    }
    // Valid credentials of a same-named sender in another project are a 403, not a wrong secret.
    // Each check is a scrypt, so a wrong secret tries a few projects, not every one that has a
    // sender of that name (30 of them made one wrong guess cost 2 s of the crypto thread pool).
    const elsewhere = await this.#open().listSendersNamed(name, {
      except: project,
      limit: FORBIDDEN_CHECKS,
    })
    for (const other of elsewhere) {
      if (await this.#verifier.verify(`${other.project}/${name}`, secret, other.secretHash)) {
        return { ok: false, reason: 'forbidden' }
      }
    }
    return { ok: false, reason: 'unauthorized' }
  }

  // --- projects -------------------------------------------------------------------------------

  /** Creates a project. @throws {@link RioConflictError} when it exists */
  async createProject(name: string): Promise<Project> {
    return this.#open().createProject(this.#project(name), this.#clock.now())
  }

  async listProjects(): Promise<Project[]> {
    return this.#open().listProjects()
  }

  #project(project: string | undefined): string {
    if (project === undefined) return this.options.project
    const parsed = projectNameSchema.safeParse(project)
    if (!parsed.success) {
      throw new RioValidationError(
        'invalid_argument',
        `invalid project name ${quoteInput(project)}: ${formatIssues(parsed.error.issues)}`,
      )
    }
    return parsed.data
  }

  #assertOpen(): void {
    if (this.#state === 'stopped') throw new RioClosedError()
  }

  /** The store, for the public API's reads and writes: after {@link Rio.stop} a {@link RioClosedError}. */
  #open(): Store {
    this.#assertOpen()
    return this.store
  }

  // --- HTTP -----------------------------------------------------------------------------------

  /**
   * Rio's HTTP API as a `node:http` request listener, to mount on any Node server, Express or
   * Fastify; see {@link createApiHandler} and `docs/api.md`.
   * @param options - see {@link ApiOptions}
   * @throws {@link RioValidationError} (`invalid_options`) for bad options
   * @example
   * ```ts
   * app.use('/rio', rio.handler({ basePath: '/rio', adminToken: process.env.RIO_ADMIN_TOKEN }))
   * ```
   */
  handler(options: ApiOptions = {}): ApiHandler {
    return createApiHandler(this, options)
  }

  /**
   * Serves the HTTP API on a new `node:http` server. Does not start dispatching: call
   * {@link Rio.start} too. `close()` the server before {@link Rio.stop}.
   * @param options - `port` (default 8009; 0 picks a free one), `host` (default `127.0.0.1`) and {@link ApiOptions}
   * @returns the server's URL and port, and `close()`, which also ends kept-alive connections
   * @throws {@link RioValidationError} (`invalid_options`) before listening; the server's error
   *   (e.g. `EADDRINUSE`) when it cannot listen; {@link RioClosedError} after {@link Rio.stop}
   * @example
   * ```ts
   * const server = await rio.listen({ port: 0, adminToken: 'a-long-random-admin-token' })
   * console.log(server.url) // http://127.0.0.1:54321
   * await server.close()
   * ```
   */
  async listen(options: ListenOptions = {}): Promise<RioServer> {
    // A server of a stopped Rio would answer 503 to everything, for as long as nobody closes it.
    this.#assertOpen()
    const { listen, api } = parseListenOptions(options)
    const handler = createApiHandler(this, api)
    return serve(handler, { ...listen, basePath: api.basePath ?? '' })
  }

  /** One project. @throws {@link RioNotFoundError} */
  async getProject(name: string): Promise<Project> {
    const project = await this.#open().getProject(this.#project(name))
    if (!project) throw new RioNotFoundError('project', String(name))
    return project
  }

  /**
   * Checks what an operator should hear about: a started dispatcher whose heartbeat is stale, a
   * backlog of due deliveries, deliveries that died in the last hour, a database that cannot be
   * written.
   * @param options - thresholds (backlog 1000 deliveries, heartbeat 60 s)
   * @returns `ok` and one sentence per problem
   */
  async health(options: HealthOptions = {}): Promise<HealthReport> {
    if (this.#state === 'stopped') return { ok: false, problems: ['Rio is stopped'] }
    const backlogThreshold = options.backlogThreshold ?? 1000
    const heartbeatStaleMs = options.heartbeatStaleMs ?? 60_000
    const now = this.#clock.now()
    const problems: string[] = []
    // A heartbeat of 0 means the first round has not finished yet, which is not a problem.
    const age = now - this.heartbeat
    if (this.#state === 'started' && this.heartbeat > 0 && age > heartbeatStaleMs) {
      problems.push(
        `the dispatcher has not finished a round for ${Math.round(age / 1000)} s (limit ${Math.round(heartbeatStaleMs / 1000)} s)`,
      )
    }
    try {
      const stats = await this.store.deliveryStats({ now, deadSince: now - 3600_000 })
      if (stats.due > backlogThreshold) {
        const due = stats.due === 1 ? '1 delivery is' : `${stats.due} deliveries are`
        problems.push(`${due} due and waiting (threshold ${backlogThreshold})`)
      }
      if (stats.deadSince > 0) {
        const deliveries = stats.deadSince === 1 ? 'delivery' : 'deliveries'
        problems.push(`${stats.deadSince} dead ${deliveries} in the last hour`)
      }
    } catch (error) {
      // A damaged file is reported once, below, with every operation that found it so.
      if (storeFault(error) !== 'corrupt')
        problems.push(`the database cannot be read: ${(error as Error).message}`)
    }
    let probe: unknown
    try {
      // A write that matches no row: it fails only when the database cannot be written (read-only, locked, disk).
      await this.store.releaseDeliveries(['0'], 'rio-health-probe', now)
    } catch (error) {
      probe = error
    }
    // The probe writes nothing, so a full disk lets it pass: the writes that failed tell.
    const failure = this.store.writeFailure?.()
    if (failure?.fault === 'corrupt') {
      const since = new Date(failure.since).toISOString()
      problems.push(
        `the database is damaged: ${failure.count} ${failure.count === 1 ? 'operation has' : 'operations have'} found it so since ${since}, the last at ${new Date(failure.at).toISOString()}: ${failure.message}`,
      )
    } else if (probe !== undefined) problems.push(`the database is not writable: ${(probe as Error).message}`)
    else if (failure) problems.push(`the database is not writable: ${describeWriteFailure(failure)}`)
    return { ok: problems.length === 0, problems }
  }
}

/** The database files Rios of this process hold open (not stopped), with how many of them each. */
const liveFiles = new Map<string, number>()
/** The files {@link Rio} warned about being open twice: once each is enough. */
const warnedFiles = new Set<string>()

/** Most other projects' same-named senders a failed sender check tries, to tell 403 from 401. */
const FORBIDDEN_CHECKS = 3

/**
 * Refuses one `emitMany()` call holding two different events (another name or payload) under one
 * idempotency key, before anything is written: the store would find the first in the same
 * transaction and name an event the refused batch never stored. The same event twice is a retry
 * inside the call, answered with one id.
 * @throws {@link RioIdempotencyError} with `batchIndexes`
 */
function refuseKeyConflicts(inputs: readonly EventInput[]): void {
  let first: Map<string, number> | undefined
  for (let index = 0; index < inputs.length; index++) {
    const key = inputs[index]!.idempotencyKey
    if (key === null) continue
    first ??= new Map()
    const earlier = first.get(key)
    if (earlier === undefined) {
      first.set(key, index)
      continue
    }
    const a = inputs[earlier]!
    const b = inputs[index]!
    if (a.name !== b.name || a.payloadJson !== b.payloadJson) {
      throw new RioIdempotencyError(key, a.id, a.project, [earlier, index])
    }
  }
}

/**
 * A time filter as ms since the epoch. An Invalid Date (`new Date('31.01.2026')`) would match no
 * row and list nothing, as if there were none; anything else but a `Date` would fail untyped.
 * @throws {@link RioValidationError} `invalid_argument` with an issue at `field`
 */
function timeFilter(method: string, field: string, value: Date): number {
  if (value instanceof Date && Number.isFinite(value.getTime())) return value.getTime()
  const got = value instanceof Date ? 'Invalid Date' : typeof value
  const message = `${method}() needs ${field} as a valid Date (got ${got}); leave it out for no bound`
  throw new RioValidationError('invalid_argument', message, {
    issues: [{ code: 'custom', path: [field], message, input: got }],
  })
}

/**
 * A page size: a positive integer, at most 1000 read.
 * @param omitted - what leaving `limit` out gives, for the message
 * @throws {@link RioValidationError} `invalid_argument` with an issue at `limit` otherwise
 */
function pageLimit(method: string, limit: number, omitted = 'every one'): number {
  if (Number.isInteger(limit) && limit >= 1) return Math.min(limit, 1000)
  const message = `${method}() needs limit as a positive integer (got ${String(limit)}); leave it out for ${omitted}`
  throw new RioValidationError('invalid_argument', message, {
    issues: [{ code: 'custom', path: ['limit'], message, input: limit }],
  })
}

/** The page size of a list that reads 50 unless told otherwise. */
const listLimit = (method: string, limit: number | undefined): number =>
  limit === undefined ? 50 : pageLimit(method, limit, 'the default, 50')
