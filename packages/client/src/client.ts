import { splitIntoBatches } from './batch.js'
import { createTransport } from './create-transport.js'
import type { Dsn } from './dsn.js'
import { RioClientError, ValidationError } from './errors.js'
import { type EmitEvent, type EncodedEvent, encodeEvent } from './event.js'
import { newIdempotencyKey } from './idempotency-key.js'
import { type ClientOptions, headersSchema, type ResolvedClientOptions, resolveOptions } from './options.js'
import { RequestSlots } from './request-slots.js'
import {
  batchAnswerBytes,
  type EmitManyResult,
  type EmitResult,
  parseBatchAnswer,
  parseEmitAnswer,
} from './response.js'
import { RetryPolicy } from './retry-policy.js'
import { type Call, type SendEnvironment, sendWithRetry } from './send-with-retry.js'
import type { Transport } from './transport.js'
import { VERSION } from './version.js'

/** Options of one {@link Client.emit} call. */
export interface EmitOptions {
  /**
   * Makes the emit safe to repeat — across process restarts, job re-runs, a lost answer: Rio
   * stores one event per key and project and answers repeats with the first event's id and
   * `duplicate: true`. 1 to 200 visible ASCII characters.
   * @default a new UUIDv7 (time-ordered, so the server's idempotency index grows at its end), reused by the client's own retries
   */
  idempotencyKey?: string
  /** Aborting it stops the request in flight and any retry; the call rejects with {@link AbortError}. */
  signal?: AbortSignal
  /** Extra headers for this call, on top of the client's `headers` option. @default {} */
  headers?: Readonly<Record<string, string>>
}

/** Options of one {@link Client.emitMany} call. */
export interface EmitManyOptions {
  /** Aborting it stops the request in flight and any later one; the call rejects with {@link AbortError}. */
  signal?: AbortSignal
  /** Extra headers for these requests, on top of the client's `headers` option. @default {} */
  headers?: Readonly<Record<string, string>>
}

/**
 * Emits events to a Rio server over HTTP: `POST {baseUrl}/api/v1/projects/{project}/events`,
 * authenticated with the DSN's sender and secret.
 *
 * Every request carries an `Idempotency-Key` that stays the same across the client's retries, so
 * a retry after a lost answer never stores an event twice. Requests that get no answer, time out,
 * or get a 5xx, 408 or 429 are retried with exponential backoff and jitter (honouring `Retry-After`),
 * within `retries` and `retryBudgetMs`; other answers are final.
 *
 * @example
 * ```ts
 * import { Client } from 'rio-client'
 *
 * const client = new Client({ dsn: process.env.RIO_DSN })
 * const { id } = await client.emit('comment-published', { ip: '127.0.0.1', content: 'I am a spammer' })
 * await client.close()
 * ```
 */
export class Client {
  readonly #options: ResolvedClientOptions
  readonly #url: string
  readonly #target: string
  /** Overridable: `accept` and the `headers` option. */
  readonly #defaultHeaders: Readonly<Record<string, string>>
  /** The client's own headers, which nothing overrides. */
  readonly #headers: Readonly<Record<string, string>>
  /** The defaults and the client's own headers merged once, for calls without headers of their own. */
  readonly #fixedHeaders: Readonly<Record<string, string>>
  /** Waits between attempts, cut short by `close()`. */
  readonly #waits = new Set<AbortController>()
  /** At most `maxConcurrentRequests` requests on the wire; `close()` waits for them all. */
  readonly #slots: RequestSlots
  #closing = false
  readonly #environment: SendEnvironment
  #transport: Promise<Transport> | undefined
  #closed: Promise<void> | undefined

  /**
   * Validates the options and the DSN; opens no connection (the first emit does).
   *
   * @param options - see {@link ClientOptions}; `dsn` defaults to `process.env.RIO_DSN`, and every
   *   other option has a default (`timeoutMs` 10 s, `retries` 4, `retryBudgetMs` 30 s…)
   * @throws {@link DsnError} when there is no DSN or it is malformed
   * @throws {@link ValidationError} `invalid_options` naming each bad option
   * @example
   * ```ts
   * const client = new Client({ dsn: 'https://shop:s3cret@rio.example.org/shop', timeoutMs: 5_000 })
   * ```
   */
  constructor(options: ClientOptions = {}) {
    this.#options = resolveOptions(options)
    const { dsn } = this.#options
    this.#url = `${dsn.baseUrl}/api/v1/projects/${dsn.project}/events`
    this.#target = `project "${dsn.project}" at ${dsn.baseUrl}`
    this.#defaultHeaders = { accept: 'application/json', ...this.#options.headers }
    this.#headers = {
      authorization: `Basic ${base64(`${dsn.sender}:${dsn.secret}`)}`,
      'content-type': 'application/json',
      'user-agent': `rio-client/${VERSION}`,
      'x-rio-protocol': dsn.version ?? '1',
    }
    this.#fixedHeaders = { ...this.#defaultHeaders, ...this.#headers }
    this.#slots = new RequestSlots(this.#options.maxConcurrentRequests)
    this.#environment = {
      slots: this.#slots,
      transport: () => {
        this.#transport ??= createTransport(this.#options.fetch, this.#options.timeoutMs)
        return this.#transport
      },
      policy: new RetryPolicy(this.#options),
      timeoutMs: this.#options.timeoutMs,
      retryBudgetMs: this.#options.retryBudgetMs,
      closing: {
        isClosed: () => this.#closing,
        track: (wait) => {
          this.#waits.add(wait)
          return () => this.#waits.delete(wait)
        },
      },
    }
  }

  /** The DSN this client emits to; its `toString()` masks the secret. */
  get dsn(): Dsn {
    return this.#options.dsn
  }

  /**
   * Emits one event and resolves once Rio has stored it durably (its 202).
   *
   * Name, payload and key are checked before anything is sent.
   *
   * @param name - the event name, e.g. `comment-published` (`^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$`)
   * @param payload - any JSON value (a plain object usually), at most `maxPayloadBytes` as JSON
   * @param options - `idempotencyKey` (default: a new UUIDv7), `signal`, `headers` (default none)
   * @returns the event's id, and whether Rio already had an event with this idempotency key
   * @throws {@link ValidationError} for a bad name, payload, key or option — nothing was sent
   * @throws {@link RioHttpError} when Rio refuses the event (4xx: 401 bad credentials, 404 unknown project…)
   * @throws {@link ServerError}, {@link ConnectionError} or {@link TimeoutError} when retries run out
   * @throws {@link AbortError} when `signal` aborts; {@link RioClientError} `client_closed` after `close()`
   * @example
   * ```ts
   * const { id, duplicate } = await client.emit(
   *   'order-paid',
   *   { orderId: 1234, total: '99.90' },
   *   { idempotencyKey: 'order-1234:paid', signal: AbortSignal.timeout(5_000) },
   * )
   * ```
   */
  async emit(name: string, payload: unknown, options: EmitOptions = {}): Promise<EmitResult> {
    // Not String(name): it throws for an object without a primitive value, before validation.
    const subject = typeof name === 'string' ? `emit "${name}"` : `emit (a name of type ${typeof name})`
    this.#assertOpen(subject)
    const extra = callOptions(options, 'emit')
    const event = encodeEvent(
      options.idempotencyKey === undefined
        ? { name, payload }
        : { name, payload, idempotencyKey: options.idempotencyKey },
      this.#options.maxPayloadBytes,
    )
    const key = options.idempotencyKey ?? newIdempotencyKey()
    const { response, context } = await sendWithRetry(
      this.#call(subject, false, event.json, key, extra, options.signal, this.#options.maxResponseBytes),
      this.#environment,
    )
    return parseEmitAnswer(response, context)
  }

  /**
   * Emits events in batches and resolves with their ids, in order, once Rio has stored them all.
   *
   * Every event is checked before anything is sent. Arrays over `maxBatchSize` events (default
   * 1000) or `maxBatchBytes` (default 1 MiB) are split into several requests, sent one after the
   * other, each with its own idempotency key reused by its retries. If a later request fails,
   * the earlier ones stay emitted: give each event an `idempotencyKey` to make re-running the
   * whole call safe.
   *
   * @param events - `{ name, payload, idempotencyKey? }` each; an empty array sends nothing
   * @param options - `signal`, `headers` (default none)
   * @returns the events' ids, in the order given
   * @throws {@link ValidationError} for a bad event (its index in the path, e.g. `events[3].name`) — nothing was sent
   * @throws {@link RioHttpError}, {@link ServerError}, {@link ConnectionError}, {@link TimeoutError},
   *   {@link AbortError} or {@link RioClientError} `client_closed`, as for {@link Client.emit}
   * @example
   * ```ts
   * const { ids } = await client.emitMany([
   *   { name: 'comment-published', payload: { id: 1, content: 'First!' } },
   *   { name: 'comment-published', payload: { id: 2, content: 'Second' }, idempotencyKey: 'comment-2' },
   * ])
   * ```
   */
  async emitMany(events: readonly EmitEvent[], options: EmitManyOptions = {}): Promise<EmitManyResult> {
    this.#assertOpen('emitMany')
    const extra = callOptions(options, 'emitMany')
    if (!Array.isArray(events)) {
      throw new ValidationError(
        'invalid_argument',
        `emitMany takes an array of { name, payload, idempotencyKey? }, got ${typeof events}`,
        { issues: [{ path: 'events', message: 'expected an array' }] },
      )
    }
    // By index, not map(): map() skips the holes of a sparse array, which would reach the batches.
    const encoded: EncodedEvent[] = []
    for (let index = 0; index < events.length; index++) {
      const event: unknown = events[index]
      if (typeof event !== 'object' || event === null) {
        throw new ValidationError(
          'invalid_argument',
          `events[${index}] must be an object { name, payload, idempotencyKey? }, got ${event === null ? 'null' : typeof event}`,
          { issues: [{ path: `events[${index}]`, message: 'expected an object' }] },
        )
      }
      encoded.push(encodeEvent(event as EmitEvent, this.#options.maxPayloadBytes, `events[${index}]`))
    }
    refuseKeyConflicts(events, encoded)
    const batches = splitIntoBatches(encoded, this.#options.maxBatchSize, this.#options.maxBatchBytes)
    const ids: string[] = []
    for (const [index, batch] of batches.entries()) {
      const subject =
        batches.length === 1
          ? `emitMany (${batch.count} events)`
          : `emitMany request ${index + 1} of ${batches.length} (${batch.count} events${ids.length > 0 ? `; the ${ids.length} before are emitted` : ''})`
      const { response, context } = await sendWithRetry(
        this.#call(
          subject,
          true,
          batch.body,
          newIdempotencyKey(),
          extra,
          options.signal,
          batchAnswerBytes(batch.count, this.#options.maxResponseBytes),
        ),
        this.#environment,
      )
      ids.push(...parseBatchAnswer(response, batch.count, context))
    }
    return { ids }
  }

  /**
   * Closes the client: emits after this reject with `client_closed`, retries waiting for their
   * next attempt stop, requests in flight finish (and those waiting their turn under
   * `maxConcurrentRequests` are sent, once), then the client lets go of its connections — closed
   * once no other client in the process uses them. A script need not call it to exit.
   *
   * @returns resolves once the requests are over and the connections let go; calling it again
   *   returns the same promise
   * @example
   * ```ts
   * process.on('SIGTERM', () => client.close())
   * ```
   */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#closing = true
      for (const wait of this.#waits) wait.abort()
      // Calls waiting for a request slot were made before close(): they are sent, once.
      await this.#slots.idle()
      const transport = await this.#transport?.catch(() => undefined)
      await transport?.close()
    })()
    return this.#closed
  }

  #assertOpen(subject: string): void {
    if (this.#closing) {
      throw new RioClientError(
        'client_closed',
        `${subject} into ${this.#target}: the client is closed; create a new Client to emit`,
      )
    }
  }

  #call(
    subject: string,
    batch: boolean,
    body: string,
    key: string,
    extra: Readonly<Record<string, string>>,
    signal: AbortSignal | undefined,
    maxResponseBytes: number,
  ): Call {
    return {
      url: this.#url,
      headers: hasKeys(extra)
        ? { ...this.#defaultHeaders, ...extra, ...this.#headers, 'idempotency-key': key }
        : { ...this.#fixedHeaders, 'idempotency-key': key },
      body,
      subject,
      target: this.#target,
      project: this.#options.dsn.project,
      batch,
      signal,
      maxResponseBytes,
    }
  }
}

/** Checks a call's `signal` and `headers`; returns the headers, lower-cased. */
function callOptions(
  options: EmitOptions | EmitManyOptions,
  method: string,
): Readonly<Record<string, string>> {
  if (typeof options !== 'object' || options === null) {
    throw new ValidationError(
      'invalid_argument',
      `${method} options must be an object, got ${typeof options}`,
    )
  }
  const { signal, headers } = options
  if (signal !== undefined && !isAbortSignal(signal)) {
    throw new ValidationError(
      'invalid_argument',
      `${method} options.signal must be an AbortSignal (e.g. AbortSignal.timeout(5_000)), got ${typeof signal}`,
      { issues: [{ path: 'signal', message: 'expected an AbortSignal' }] },
    )
  }
  if (headers === undefined) return {}
  const parsed = headersSchema.safeParse(headers)
  if (parsed.success) return parsed.data
  const issues = parsed.error.issues.map((issue) => ({
    path: ['headers', ...issue.path].map(String).join('.'),
    message: issue.message,
  }))
  throw new ValidationError(
    'invalid_argument',
    `${method} options.headers: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`,
    { issues },
  )
}

function hasKeys(record: Readonly<Record<string, string>>): boolean {
  for (const _ in record) return true
  return false
}

function isAbortSignal(value: unknown): value is AbortSignal {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as AbortSignal).aborted === 'boolean' &&
    typeof (value as AbortSignal).addEventListener === 'function'
  )
}

/** Base64 of the UTF-8 bytes, as HTTP Basic wants (RFC 7617 with charset UTF-8), on any runtime. */
function base64(text: string): string {
  let binary = ''
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte)
  return btoa(binary)
}

/**
 * Refuses two different events (another name or payload) under one idempotency key in one
 * `emitMany()` call, before anything is sent: split into several requests, the first would be
 * stored and the later one refused by Rio with 422. The same event twice is allowed (Rio answers
 * one id for both). Same key, same encoded JSON ⇔ same name and payload.
 * @throws {@link ValidationError} `idempotency_key_reused`, as Rio names the same conflict
 */
function refuseKeyConflicts(events: readonly EmitEvent[], encoded: readonly EncodedEvent[]): void {
  let first: Map<string, number> | undefined
  for (let index = 0; index < events.length; index++) {
    const key = events[index]!.idempotencyKey
    if (key === undefined) continue
    first ??= new Map()
    const earlier = first.get(key)
    if (earlier === undefined) first.set(key, index)
    else if (encoded[earlier]!.json !== encoded[index]!.json) {
      throw new ValidationError(
        'idempotency_key_reused',
        `events[${earlier}] and events[${index}] use idempotency key ${JSON.stringify(key)} for different events (another name or payload); give each event its own key`,
        {
          issues: [
            { path: `events[${index}].idempotencyKey`, message: `already given to events[${earlier}]` },
          ],
        },
      )
    }
  }
}
