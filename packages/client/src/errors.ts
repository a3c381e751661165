/** Why {@link parseDsn} (or a {@link Client} without a DSN) refused; see {@link DsnError.reason}. */
export type DsnErrorReason =
  | 'missing'
  | 'not_a_url'
  | 'unsupported_scheme'
  | 'no_credentials'
  | 'no_sender'
  | 'no_secret'
  | 'bad_sender'
  | 'bad_encoding'
  | 'no_host'
  | 'bad_port'
  | 'query_or_fragment'
  | 'no_project'
  | 'bad_project'

/** Codes of {@link ValidationError}: bad input caught before any request was sent. */
export type ValidationErrorCode =
  | 'invalid_options'
  | 'invalid_argument'
  | 'invalid_event_name'
  | 'invalid_payload'
  | 'payload_too_large'
  | 'invalid_idempotency_key'
  | 'idempotency_key_reused'
  | 'invalid_request'

/** Codes of {@link RioHttpError}: Rio answered, but not with what an emit needs. */
export type HttpErrorCode = 'http_error' | 'invalid_response' | 'response_too_large'

/** Codes of {@link ServerError}: Rio kept failing (5xx, 408) or throttling (429) until retries ran out. */
export type ServerErrorCode = 'server_error' | 'rate_limited'

/**
 * Every code a `rio-client` error carries. Stable: switch on it, never on the message.
 *
 * | code | class | retried? | meaning |
 * | --- | --- | --- | --- |
 * | `dsn_missing` | {@link DsnError} | – | no `dsn` option and no `RIO_DSN` |
 * | `dsn_invalid` | {@link DsnError} | – | the DSN does not parse; `reason` says why |
 * | `invalid_options` | {@link ValidationError} | – | a client option is out of range |
 * | `invalid_argument` | {@link ValidationError} | – | a call argument has the wrong type |
 * | `invalid_event_name` | {@link ValidationError} | – | the name breaks `^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$` |
 * | `invalid_payload` | {@link ValidationError} | – | the payload is not plain JSON (BigInt, cycle, Map, NaN…) |
 * | `payload_too_large` | {@link ValidationError} | – | the payload's JSON exceeds `maxPayloadBytes` |
 * | `invalid_idempotency_key` | {@link ValidationError} | – | not 1–200 visible ASCII characters |
 * | `idempotency_key_reused` | {@link ValidationError} | – | one key for two different events in one `emitMany()` (Rio's code for the same conflict) |
 * | `invalid_request` | {@link ValidationError} | no | the HTTP layer (undici, `fetch`) refused to build the request, e.g. a header a `fetch` wrapper added; nothing was sent |
 * | `http_error` | {@link RioHttpError} | no | a 4xx (other than 408 and 429) or another non-2xx status |
 * | `invalid_response` | {@link RioHttpError} | no | a 2xx whose body is not the expected JSON |
 * | `response_too_large` | {@link RioHttpError} | no | a 2xx body over `maxResponseBytes` |
 * | `server_error` | {@link ServerError} | yes | 5xx or 408, still failing when retries ran out |
 * | `rate_limited` | {@link ServerError} | yes | 429, still throttled when retries ran out |
 * | `connection_failed` | {@link ConnectionError} | yes | no answer: refused, reset, DNS failure |
 * | `timeout` | {@link TimeoutError} | yes | no full answer within `timeoutMs` |
 * | `aborted` | {@link AbortError} | – | the call's `signal` was aborted |
 * | `client_closed` | {@link RioClientError} | – | `close()` was called before or during the call |
 */
export type RioClientErrorCode =
  | 'dsn_missing'
  | 'dsn_invalid'
  | ValidationErrorCode
  | HttpErrorCode
  | ServerErrorCode
  | 'connection_failed'
  | 'timeout'
  | 'aborted'
  | 'client_closed'

/** One problem with an input field: where (`events.3.name`, `payload.user.id`) and what. */
export interface Issue {
  /** Dotted path from the argument or body root; `''` for the root itself. */
  readonly path: string
  /** What is wrong there. */
  readonly message: string
}

/** Optional details of a {@link RioClientError}. */
export interface RioClientErrorOptions {
  /** The lower-level error or value that led to this one. */
  cause?: unknown
  /** The HTTP status Rio answered with, when it answered. */
  status?: number
  /** The `error.code` from Rio's JSON error body (`unauthorized`, `invalid_event_name`…). */
  serverCode?: string
  /** How many requests were sent before giving up (1 when none was retried). */
  attempts?: number
}

/**
 * The base of every error `rio-client` throws, and the class of `client_closed` errors.
 * Switch on {@link RioClientError.code}; see {@link RioClientErrorCode} for the list.
 *
 * @example
 * ```ts
 * try {
 *   await client.emit('comment-published', comment)
 * } catch (error) {
 *   if (error instanceof RioClientError && error.code === 'rate_limited') scheduleLater(comment)
 *   else throw error
 * }
 * ```
 */
export class RioClientError extends Error {
  override name = 'RioClientError'
  /** Stable machine-readable code. */
  readonly code: RioClientErrorCode
  /** The HTTP status Rio answered with, if it answered. */
  readonly status: number | undefined
  /** The `error.code` of Rio's JSON error body, if there was one. */
  readonly serverCode: string | undefined
  /** Requests sent before giving up, for errors raised by a request. */
  readonly attempts: number | undefined

  /**
   * @param code - the stable code
   * @param message - the subject, the bad value (never a secret) and the fix
   * @param options - `cause`, `status`, `serverCode`, `attempts`
   */
  constructor(code: RioClientErrorCode, message: string, options: RioClientErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.status = options.status
    this.serverCode = options.serverCode
    this.attempts = options.attempts
  }
}

/**
 * The DSN is missing or malformed. Thrown by {@link parseDsn} and by the {@link Client}
 * constructor, before any I/O. Messages show the DSN with its secret masked.
 *
 * @example
 * ```ts
 * try {
 *   parseDsn('https://rio.example.org/shop')
 * } catch (error) {
 *   if (error instanceof DsnError) console.error(error.reason) // 'no_credentials'
 * }
 * ```
 */
export class DsnError extends RioClientError {
  override name = 'DsnError'
  declare readonly code: 'dsn_missing' | 'dsn_invalid'
  /** What exactly is wrong with the DSN. */
  readonly reason: DsnErrorReason

  /**
   * @param reason - what is wrong; `missing` gives the code `dsn_missing`, anything else `dsn_invalid`
   * @param message - the masked DSN, what is wrong and the fix
   * @param options - `cause` chains a lower-level error
   */
  constructor(reason: DsnErrorReason, message: string, options: { cause?: unknown } = {}) {
    super(reason === 'missing' ? 'dsn_missing' : 'dsn_invalid', message, options)
    this.reason = reason
  }
}

/**
 * A call or the client's options were refused before anything was sent: a bad event name, a
 * payload JSON cannot represent or that is too large, a malformed idempotency key, an option out
 * of range, a request the HTTP layer will not build (`invalid_request`). Retrying the same call
 * cannot succeed.
 *
 * @example
 * ```ts
 * await client.emit('comment published', {}) // ValidationError, code 'invalid_event_name'
 * ```
 */
export class ValidationError extends RioClientError {
  override name = 'ValidationError'
  declare readonly code: ValidationErrorCode
  /** Each problem with its path (`events.3.name`, `payload.total`, `timeoutMs`). */
  readonly issues: readonly Issue[]

  /**
   * @param code - what kind of input was refused
   * @param message - the subject, the bad value and the fix
   * @param options - `issues` per field (default none), `cause`
   */
  constructor(
    code: ValidationErrorCode,
    message: string,
    options: { issues?: readonly Issue[]; cause?: unknown } = {},
  ) {
    super(code, message, options.cause === undefined ? {} : { cause: options.cause })
    this.issues = options.issues ?? []
  }
}

/** Optional details of a {@link RioHttpError}. */
export interface RioHttpErrorOptions extends RioClientErrorOptions {
  /** The status Rio answered with. */
  status: number
  /** The delay Rio asked for in `Retry-After`, in ms. */
  retryAfterMs?: number
  /** Per-field problems from Rio's error body (400 and 422 answers). */
  issues?: readonly Issue[]
}

/**
 * Rio answered with a status that retrying does not fix (a 4xx other than 429, or an unexpected
 * status), or a 2xx whose body is unreadable. The base class of {@link ServerError}.
 *
 * @example
 * ```ts
 * try {
 *   await client.emit('comment-published', comment)
 * } catch (error) {
 *   if (error instanceof RioHttpError && error.status === 401) alert('check RIO_DSN')
 *   throw error
 * }
 * ```
 */
export class RioHttpError extends RioClientError {
  override name = 'RioHttpError'
  declare readonly code: HttpErrorCode | ServerErrorCode
  declare readonly status: number
  /** The delay Rio asked for in `Retry-After`, in ms; undefined when it sent none. */
  readonly retryAfterMs: number | undefined
  /** Per-field problems from Rio's error body; empty when it sent none. */
  readonly issues: readonly Issue[]

  /**
   * @param code - `http_error`, `invalid_response` or `response_too_large` (subclasses add theirs)
   * @param message - the subject, the status and Rio's message, and the fix
   * @param options - `status` (required), `serverCode`, `retryAfterMs`, `issues`, `attempts`, `cause`
   */
  constructor(code: HttpErrorCode | ServerErrorCode, message: string, options: RioHttpErrorOptions) {
    super(code, message, options)
    this.retryAfterMs = options.retryAfterMs
    this.issues = options.issues ?? []
  }
}

/**
 * Rio kept answering 5xx or 408 (`server_error`) or 429 (`rate_limited`) until the retries or the
 * retry budget ran out. The event was not stored — or was, and the answer was lost; re-emitting with the
 * same idempotency key is safe either way. `retryAfterMs` holds Rio's last `Retry-After`.
 *
 * @example
 * ```ts
 * catch (error) {
 *   if (error instanceof ServerError) queue.add(event, { delay: error.retryAfterMs ?? 60_000 })
 * }
 * ```
 */
export class ServerError extends RioHttpError {
  override name = 'ServerError'
  declare readonly code: ServerErrorCode
}

/**
 * No answer from Rio: connection refused or reset, DNS failure, TLS failure — still so when the
 * retries ran out. Whether an event whose answer was lost got stored is unknown; re-emitting with
 * the same idempotency key is safe.
 *
 * @example
 * ```ts
 * catch (error) {
 *   if (error instanceof ConnectionError) console.error(error.message, error.cause)
 * }
 * ```
 */
export class ConnectionError extends RioClientError {
  override name = 'ConnectionError'
  declare readonly code: 'connection_failed'

  /**
   * @param message - where the client tried to connect, how often, and the lower-level reason
   * @param options - `cause` (the network error), `attempts`
   */
  constructor(message: string, options: { cause?: unknown; attempts?: number } = {}) {
    super('connection_failed', message, options)
  }
}

/**
 * Rio did not answer in full within `timeoutMs` — still so when the retries ran out.
 *
 * @example
 * ```ts
 * catch (error) {
 *   if (error instanceof TimeoutError) console.error(`no answer within ${error.timeoutMs} ms`)
 * }
 * ```
 */
export class TimeoutError extends RioClientError {
  override name = 'TimeoutError'
  declare readonly code: 'timeout'
  /** The per-request timeout that expired, in ms. */
  readonly timeoutMs: number

  /**
   * @param timeoutMs - the per-request timeout that expired
   * @param message - the subject, the timeout and the fix
   * @param options - `attempts`, `cause`
   */
  constructor(timeoutMs: number, message: string, options: { cause?: unknown; attempts?: number } = {}) {
    super('timeout', message, options)
    this.timeoutMs = timeoutMs
  }
}

/**
 * The call's `signal` was aborted: the client stopped waiting and retrying. `name` is
 * `'AbortError'`, as for `fetch`; `cause` is the signal's reason.
 *
 * @example
 * ```ts
 * const controller = new AbortController()
 * setTimeout(() => controller.abort(), 2_000)
 * await client.emit('comment-published', comment, { signal: controller.signal }) // AbortError after 2 s
 * ```
 */
export class AbortError extends RioClientError {
  override name = 'AbortError'
  declare readonly code: 'aborted'

  /**
   * @param message - what was being done when the signal fired
   * @param options - `cause` (the signal's reason), `attempts`
   */
  constructor(message: string, options: { cause?: unknown; attempts?: number } = {}) {
    super('aborted', message, options)
  }
}
