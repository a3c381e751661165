import { maxHeaderSize } from 'node:http'
import type { LookupFunction } from 'node:net'
import type { Dispatcher } from 'undici'
import { describeThrown } from './describe-thrown.js'
import { OriginPools } from './origin-pools.js'
import { BlockedAddressError, guardedLookup, isPrivateAddress } from './private-address.js'
import { parseRetryAfter } from './retry-after.js'
import type { WebhookRequest } from './webhook-request.js'

/** Why a send failed, for the dispatcher and dashboards to switch on. */
export type SendErrorCode =
  | 'timeout'
  | 'connect'
  | 'reset'
  | 'dns'
  | 'tls'
  | 'redirect'
  | 'status'
  | 'blocked_address'
  | 'aborted'
  | 'protocol'

/** How one request went. Network failures are results too: {@link WebhookSender.send} never throws. */
export interface SendResult {
  /** The endpoint answered 2xx. A `directive` may still come with it (a 2xx with `webhook-delivery: disable`). */
  readonly ok: boolean
  /** The response status, or null when none arrived. */
  readonly status: number | null
  /** From just before connecting (or reusing a connection) to the end of the capped body read. */
  readonly durationMs: number
  /** At most `maxResponseBytes` of the body as UTF-8 (null when empty); the rest is never read. */
  readonly responseBody: string | null
  /**
   * What went wrong, for people: `HTTP 500`, `timeout after 15000 ms`, `DNS: … not found (ENOTFOUND)`,
   * `protocol error: … sent an invalid HTTP response (…)`…
   */
  readonly error: string | null
  readonly errorCode: SendErrorCode | null
  /** The exchange ran out of time (connect, headers or body). */
  readonly timedOut: boolean
  /** From `Retry-After` on 429/503, in ms. */
  readonly retryAfterMs: number | null
  /**
   * What the endpoint asked for beyond this attempt: `disable` (410 Gone, or a `webhook-delivery:
   * disable` header) = stop sending to this endpoint; `abort` (`webhook-delivery: abort-message`) =
   * stop retrying this message.
   */
  readonly directive: 'disable' | 'abort' | null
}

/** Options of {@link WebhookSender}. */
export interface WebhookSenderOptions {
  /**
   * Most connections per origin (one request each at a time: no pipelining). Unlimited by default:
   * the caller's own concurrency limits govern (Rio's `concurrency` and each handler's), since a
   * request waiting here for a connection spends its deadline waiting and could time out after the
   * receiver answered. Set it only when callers bound their concurrency below it.
   * @default unlimited
   */
  connections?: number
  /**
   * How long an idle connection is kept when the server gives no `Keep-Alive: timeout` hint, in ms.
   * Short, as servers often close idle connections after 5 s and a request racing that close fails.
   * @default 4000
   */
  keepAliveTimeoutMs?: number
  /**
   * The longest an idle connection is kept, whatever the server's `Keep-Alive: timeout` hint asks
   * for (undici alone honours up to 10 minutes), in ms. Bounds how long the sockets of a handler that
   * was removed, or of a receiver used once, stay open.
   * @default 60000
   */
  keepAliveMaxTimeoutMs?: number
  /**
   * Most origins (`scheme://host:port`) with a connection pool at once. Sending to one more closes
   * the pool of the least recently used origin (its requests in flight finish first), so thousands
   * of handlers at their own hosts, created and removed over months, hold at most this many pools
   * and their idle sockets. A pool also closes on its own once its last connection has been idle
   * for the keep-alive timeout.
   * @default 1000
   */
  maxOrigins?: number
  /** Bytes of each response body kept; reading stops there. @default 4096 */
  maxResponseBytes?: number
  /**
   * Refuse loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16,
   * fe80::/10), CGNAT (100.64/10), unspecified, multicast, documentation and reserved addresses, and
   * IPv6 forms carrying such an IPv4 address (see {@link isPrivateAddress}). Checked on each address
   * DNS returns, as the connection is made, so DNS rebinding cannot get around it; literal IPs in the
   * URL too. For multi-tenant deployments where users register webhook URLs. @default false
   */
  blockPrivateAddresses?: boolean
  /**
   * Resolves host names, with the signature of `dns.lookup`: a custom resolver (a DNS cache, a
   * split-horizon resolver), or names pinned to chosen addresses in tests. With
   * `blockPrivateAddresses`, its answers are checked like those of DNS.
   * @default dns.lookup
   */
  lookup?: LookupFunction
}

export { isPrivateAddress }

const MAX_TIMER_MS = 2_147_483_647
// Templated URLs and GET queries carry payload values (up to `maxPayloadBytes` each, 256 KiB by
// default), and each event makes a different one: a thousand cached would hold hundreds of MB. Only
// URLs up to this length are cached; parsing a longer one again costs less than building it did.
const CACHED_URL_LENGTH = 2048
// A redirect's Location goes into the attempt's error; a receiver chooses its length (up to the
// 16 KiB of headers), so it is cut to this many characters.
const MAX_LOCATION_LENGTH = 512

/** Where a request goes, as undici's `dispatch` takes it. */
interface Target {
  readonly origin: string
  readonly path: string
  /** Without IPv6 brackets. */
  readonly hostname: string
  /** `Basic …` from the URL's `user:password@`, or null when it has none. */
  readonly authorization: string | null
}

/** Parsed webhook URLs: a handler sends to the same few URLs over and over. */
class TargetCache {
  readonly #targets = new Map<string, Target>()

  /** @throws TypeError (`ERR_INVALID_URL`) for what `new URL` refuses, and for schemes other than http(s) */
  parse(url: string): Target {
    const cached = this.#targets.get(url)
    if (cached) return cached
    const parsed = new URL(url)
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw Object.assign(
        new TypeError(`unsupported scheme ${parsed.protocol} in ${url}; use http or https`),
        {
          code: 'ERR_INVALID_URL_SCHEME',
        },
      )
    }
    // `origin` and `path` leave the userinfo out: credentials never go in the request target.
    const target = {
      origin: parsed.origin,
      path: `${parsed.pathname}${parsed.search}`,
      hostname: parsed.hostname.replace(/^\[|\]$/g, ''),
      authorization: basicAuthorization(parsed),
    }
    if (url.length > CACHED_URL_LENGTH) return target
    if (this.#targets.size >= 1000) this.#targets.delete(this.#targets.keys().next().value!)
    this.#targets.set(url, target)
    return target
  }
}

/**
 * HTTP Basic credentials from a URL's userinfo (`https://user:pass@host/`), as the original Rio
 * (Python requests) sent them: percent-decoded, then `base64(user:pass)` in UTF-8.
 */
function basicAuthorization(url: URL): string | null {
  if (url.username === '' && url.password === '') return null
  const credentials = `${percentDecode(url.username)}:${percentDecode(url.password)}`
  return `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`
}

/** Like Python's `unquote`: decodes what it can and leaves a malformed `%` sequence as written. */
function percentDecode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text.replace(/(?:%[0-9a-f]{2})+/gi, (run) => {
      try {
        return decodeURIComponent(run)
      } catch {
        return run
      }
    })
  }
}

/** Whether the request's headers (lower-case names, as `buildWebhookRequest` makes them) set `authorization`. */
function hasAuthorization(headers: Readonly<Record<string, string>>): boolean {
  for (const name in headers) if (name.toLowerCase() === 'authorization') return true
  return false
}

/**
 * Aborts the exchanges in flight when their caller's signal fires: one listener per signal (the
 * dispatcher passes the same one to every send), not one per request.
 */
class StopSignals {
  readonly #inFlight = new WeakMap<AbortSignal, Set<Exchange>>()

  track(signal: AbortSignal, exchange: Exchange): void {
    let exchanges = this.#inFlight.get(signal)
    if (!exchanges) {
      const set = new Set<Exchange>()
      exchanges = set
      this.#inFlight.set(signal, set)
      signal.addEventListener(
        'abort',
        () => {
          for (const each of set) each.stop()
          set.clear()
        },
        { once: true },
      )
    }
    exchanges.add(exchange)
    exchange.onSettled = () => exchanges.delete(exchange)
  }
}

/**
 * One request and its answer, as an undici dispatch handler: no response stream, no promise per
 * chunk, no AbortController; the deadline is one timer. Settles exactly once, with a result.
 */
class Exchange implements Dispatcher.DispatchHandler {
  onSettled: (() => void) | null = null
  readonly #url: string
  readonly #started: number
  readonly #timeoutMs: number
  readonly #max: number
  readonly #now: () => number
  readonly #resolve: (result: SendResult) => void
  readonly #timer: NodeJS.Timeout
  #controller: Dispatcher.DispatchController | null = null
  #settled = false
  #status: number | null = null
  #headers: Record<string, string | string[] | undefined> = {}
  #first: Buffer | null = null
  #rest: Buffer[] | null = null
  #size = 0

  constructor(
    url: string,
    started: number,
    timeoutMs: number,
    max: number,
    now: () => number,
    resolve: (result: SendResult) => void,
  ) {
    this.#url = url
    this.#started = started
    this.#timeoutMs = timeoutMs
    this.#max = max
    this.#now = now
    this.#resolve = resolve
    // setTimeout fires at once for NaN or anything over 2^31 - 1 ms; neither may mean "no time at all".
    const ms = timeoutMs > 0 ? Math.min(timeoutMs, MAX_TIMER_MS) : MAX_TIMER_MS
    this.#timer = setTimeout(() => this.#timeout(), ms)
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller
    // Timed out or stopped while waiting for a connection: do not send it now.
    if (this.#settled) controller.abort(new Error('the exchange is over'))
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    // An informational answer (102 Processing, 103 Early Hints) is not the response: the final one follows.
    if (statusCode < 200) return
    this.#status = statusCode
    this.#headers = headers
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#settled) return
    const room = this.#max - this.#size
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk
    // Most answers are one small chunk ("ok"): no array, no concat.
    if (part.length > 0) {
      if (this.#first === null) this.#first = part
      else if (this.#rest === null) this.#rest = [this.#first, part]
      else this.#rest.push(part)
      this.#size += part.length
    }
    if (chunk.length >= room) {
      // Enough read: answer now and drop the connection rather than read the rest.
      this.#settle(answered(this.#started, this.#status!, this.#headers, this.#body(true), this.#now))
      controller.abort(new Error('response body over the limit'))
    }
  }

  onResponseEnd(): void {
    if (this.#settled) return
    this.#settle(answered(this.#started, this.#status!, this.#headers, this.#body(false), this.#now))
  }

  onResponseError(_controller: Dispatcher.DispatchController | null, error: unknown): void {
    if (this.#settled) return
    this.#settle(describe(this.#started, error, this.#url, this.#status))
  }

  /** The caller aborted (Rio is stopping). */
  stop(): void {
    if (this.#settled) return
    this.#settle(failure(this.#started, 'aborted', 'aborted: Rio is stopping', this.#status))
    this.#controller?.abort(new Error('aborted'))
  }

  #timeout(): void {
    if (this.#settled) return
    const what = this.#status === null ? '' : ` (HTTP ${this.#status} arrived, its body did not finish)`
    this.#settle(
      failure(this.#started, 'timeout', `timeout after ${this.#timeoutMs} ms${what}`, this.#status, true),
    )
    this.#controller?.abort(new Error('timeout'))
  }

  #settle(result: SendResult): void {
    this.#settled = true
    clearTimeout(this.#timer)
    this.onSettled?.()
    this.#resolve(result)
  }

  #body(capped: boolean): string | null {
    if (this.#size === 0) return null
    const bytes = this.#rest === null ? this.#first! : Buffer.concat(this.#rest, this.#size)
    const text = bytes.toString('utf8')
    // A cut inside a multi-byte character leaves a replacement character; drop it.
    return capped && text.endsWith('\uFFFD') ? text.slice(0, -1) : text
  }
}

/**
 * Sends webhook requests over keep-alive undici pools, one per origin and at most `maxOrigins` of
 * them (see {@link OriginPools}). Bounded in every direction: one
 * deadline covers connecting, the response headers and the (capped) body read; at most
 * `maxResponseBytes` of a body are read before the connection is dropped; redirects are never
 * followed (a webhook URL should be the final one, and following could leave an allowed host).
 *
 * @example
 * ```ts
 * const sender = new WebhookSender({ blockPrivateAddresses: true })
 * const result = await sender.send(buildWebhookRequest(handler, event, { now, userAgent }), { timeoutMs: 15_000 })
 * if (!result.ok) console.log(result.errorCode, result.error)
 * await sender.close()
 * ```
 */
export class WebhookSender {
  readonly #pools: OriginPools
  readonly #maxResponseBytes: number
  readonly #blockPrivate: boolean
  readonly #targets = new TargetCache()
  readonly #stops = new StopSignals()

  /** @param options - see {@link WebhookSenderOptions}; every field has a default */
  constructor(options: WebhookSenderOptions = {}) {
    this.#maxResponseBytes = options.maxResponseBytes ?? 4096
    this.#blockPrivate = options.blockPrivateAddresses ?? false
    this.#pools = new OriginPools({
      maxOrigins: options.maxOrigins ?? 1000,
      pool: {
        // No cap of its own by default: see WebhookSenderOptions.connections.
        connections: options.connections ?? null,
        keepAliveTimeout: options.keepAliveTimeoutMs ?? 4_000,
        keepAliveMaxTimeout: options.keepAliveMaxTimeoutMs ?? 60_000,
        pipelining: 1,
        // Our own deadline governs; undici's inactivity timeouts (300 s by default) must never fire first.
        headersTimeout: 0,
        bodyTimeout: 0,
        ...(this.#blockPrivate
          ? { connect: { lookup: guardedLookup(options.lookup) } }
          : options.lookup
            ? { connect: { lookup: options.lookup } }
            : {}),
      },
    })
  }

  /** Origins with a connection pool right now: at most `maxOrigins`. */
  get origins(): number {
    return this.#pools.size
  }

  /**
   * Sends one request and reads at most `maxResponseBytes` of the answer.
   * @param req - from `buildWebhookRequest`
   * @param options.timeoutMs - the whole exchange (connect, headers, body read) must finish within this;
   *   at most 2^31 - 1 (about 24.8 days), and a non-positive or NaN value means that maximum
   * @param options.signal - aborts the request, e.g. when Rio stops; the result then has errorCode `aborted`
   * @param options.now - the current time in ms since the epoch, to turn a `Retry-After` HTTP-date
   *   into a delay when the response has no readable `Date` header (with one, the delay is measured
   *   from it: the receiver's own clock); pass an injected clock's. @default Date.now
   * @returns how it went; never rejects for network or HTTP failures
   */
  send(
    req: WebhookRequest,
    options: { timeoutMs: number; signal?: AbortSignal; now?: () => number },
  ): Promise<SendResult> {
    const started = performance.now()
    const outer = options.signal
    if (outer?.aborted) return Promise.resolve(failure(started, 'aborted', 'aborted before sending', null))
    let target: Target
    try {
      target = this.#targets.parse(req.url)
    } catch (error) {
      return Promise.resolve(describe(started, error, req.url, null))
    }
    // The connector's lookup never sees literal IPs (nothing to resolve), so check them here.
    if (this.#blockPrivate && isPrivateAddress(target.hostname)) {
      return Promise.resolve(
        failure(
          started,
          'blocked_address',
          `refused to connect to ${target.hostname}: a private address; blockPrivateAddresses allows only public addresses`,
          null,
        ),
      )
    }
    return new Promise((resolve) => {
      const exchange = new Exchange(
        req.url,
        started,
        options.timeoutMs,
        this.#maxResponseBytes,
        options.now ?? Date.now,
        resolve,
      )
      if (outer) this.#stops.track(outer, exchange)
      // undici sends no userinfo: credentials in the URL become Basic auth, unless a header is set.
      const headers =
        target.authorization === null || hasAuthorization(req.headers)
          ? req.headers
          : { ...req.headers, authorization: target.authorization }
      try {
        this.#pools.dispatch(
          {
            origin: target.origin,
            path: target.path,
            method: req.method,
            headers,
            body: req.body,
          },
          exchange,
        )
      } catch (error) {
        exchange.onResponseError(null, error)
      }
    })
  }

  /** Closes the kept-alive connections, after requests in flight have finished. */
  async close(): Promise<void> {
    await this.#pools.close()
  }
}

/** The result for a response that arrived. */
function answered(
  started: number,
  status: number,
  headers: Record<string, string | string[] | undefined>,
  responseBody: string | null,
  now: () => number,
): SendResult {
  const durationMs = performance.now() - started
  const header = headers['webhook-delivery']
  const delivery = (typeof header === 'string' ? header : header?.[0])?.trim().toLowerCase()
  const directive =
    status === 410 || delivery === 'disable' ? 'disable' : delivery === 'abort-message' ? 'abort' : null
  if (status >= 200 && status < 300) {
    return {
      ok: true,
      status,
      durationMs,
      responseBody,
      error: null,
      errorCode: null,
      timedOut: false,
      retryAfterMs: null,
      directive,
    }
  }
  let error: string
  let errorCode: SendErrorCode = 'status'
  if (status >= 300 && status < 400) {
    const location = headers.location
    error = `redirect ${status}${location ? ` to ${shortLocation(String(location))}` : ''} not followed; point the webhook at the final URL`
    errorCode = 'redirect'
  } else if (status === 410) {
    error = 'HTTP 410 Gone: the endpoint asked to be disabled'
  } else {
    error = `HTTP ${status}`
  }
  if (delivery === 'disable' || delivery === 'abort-message') error += `; webhook-delivery: ${delivery}`
  const retryAfterMs =
    status === 429 || status === 503 ? parseRetryAfter(headers['retry-after'], now(), headers.date) : null
  return {
    ok: false,
    status,
    durationMs,
    responseBody,
    error,
    errorCode,
    timedOut: false,
    retryAfterMs,
    directive,
  }
}

function failure(
  started: number,
  errorCode: SendErrorCode,
  error: string,
  status: number | null,
  timedOut = false,
): SendResult {
  return {
    ok: false,
    status,
    durationMs: performance.now() - started,
    responseBody: null,
    error,
    errorCode,
    timedOut,
    retryAfterMs: null,
    directive: null,
  }
}

const TLS_CODE = /CERT|SSL|TLS|EPROTO|SELF_SIGNED|UNABLE_TO_VERIFY|HOSTNAME_MISMATCH|ERR_TLS/i

/**
 * Turns undici's and Node's network errors into a result with a message a person can act on.
 * Total: a thrown value that is not an Error, or one whose properties throw, still becomes a result.
 */
function describe(started: number, error: unknown, url: string, status: number | null): SendResult {
  try {
    if (typeof error === 'object' && error !== null) {
      return describeError(started, error as NodeJS.ErrnoException, url, status)
    }
  } catch {}
  return failure(started, 'connect', describeThrown(error), status)
}

function describeError(
  started: number,
  error: NodeJS.ErrnoException,
  url: string,
  status: number | null,
): SendResult {
  // undici wraps socket errors at times (`cause`); connect-phase errors come through as is.
  const cause = (error.cause instanceof Error ? error.cause : error) as NodeJS.ErrnoException
  const code = cause.code ?? error.code ?? ''
  const message = cause.message || error.message || describeThrown(error)
  let host = url
  try {
    host = new URL(url).host
  } catch {}
  if (cause instanceof BlockedAddressError || code === 'ERR_RIO_BLOCKED_ADDRESS') {
    return failure(started, 'blocked_address', `refused: ${message}`, status)
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME' || code === 'EAI_FAIL') {
    return failure(started, 'dns', `DNS: ${host.replace(/:\d+$/, '')} not found (${code})`, status)
  }
  if (code === 'ECONNREFUSED') {
    return failure(started, 'connect', `connection refused (ECONNREFUSED) to ${host}`, status)
  }
  const protocol = protocolError(cause, code, message, host)
  if (protocol !== null) return failure(started, 'protocol', `protocol error: ${protocol}`, status)
  if (code === 'UND_ERR_CONNECT_TIMEOUT') {
    return failure(started, 'timeout', `connect timeout to ${host}`, status, true)
  }
  if (TLS_CODE.test(code) || /SSL|TLS|certificate/i.test(message)) {
    // OpenSSL's text is "<hex>:error:<id>:SSL routines:<function>:<reason>:<file>:<line>:"; keep the reason.
    const reason = /:SSL routines:[^:]*:([^:]+):/.exec(message)?.[1] ?? message
    return failure(started, 'tls', `TLS: ${reason}${code ? ` (${code})` : ''} connecting to ${host}`, status)
  }
  if (
    code === 'ECONNRESET' ||
    code === 'EPIPE' ||
    code === 'UND_ERR_SOCKET' ||
    code === 'UND_ERR_CLOSED' ||
    code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH'
  ) {
    const when = status === null ? '' : ` after HTTP ${status}, before the body ended`
    return failure(started, 'reset', `connection reset by ${host}${when} (${code}: ${message})`, status)
  }
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ETIMEDOUT') {
    return failure(started, 'connect', `cannot reach ${host} (${code})`, status)
  }
  return failure(started, 'connect', `${code ? `${code}: ` : ''}${message} (${host})`, status)
}

/**
 * What a receiver whose answer is not HTTP a client can take did wrong (`<host> sent an invalid HTTP
 * response (…)`), or null when the error is no such thing. undici refuses these answers and drops
 * the connection; without this they would read as connection errors.
 */
function protocolError(
  error: NodeJS.ErrnoException,
  code: string,
  message: string,
  host: string,
): string | null {
  if (error.name === 'HTTPParserError') {
    // "Response does not match the HTTP/1.1 protocol (Expected HTTP/, RTSP/ or ICE/)": keep the reason.
    const reason = /\(([^)]*)\)\s*$/.exec(message)?.[1] ?? message
    return `${host} sent an invalid HTTP response (${reason})`
  }
  if (code === 'UND_ERR_HEADERS_OVERFLOW') {
    return `the response headers from ${host} exceed ${Math.round(maxHeaderSize / 1024)} KiB (UND_ERR_HEADERS_OVERFLOW)`
  }
  // undici's parser asserts on what llhttp lets through, such as a status below 100.
  if (code === 'ERR_ASSERTION') {
    return `${host} sent an invalid HTTP response (undici: ${message.trim().split('\n').pop()!.trim()})`
  }
  if (code === 'UND_ERR_SOCKET' && message === 'bad upgrade') {
    return `${host} answered with an unrequested 101 Switching Protocols (upgrade)`
  }
  if (code === 'UND_ERR_SOCKET' && message === 'bad response') {
    return `${host} sent an unexpected response (an unrequested 100 Continue, or an answer before the request)`
  }
  return null
}

/** {@link redactLocation}, cut to `MAX_LOCATION_LENGTH` characters. */
function shortLocation(location: string): string {
  const redacted = redactLocation(location.slice(0, MAX_LOCATION_LENGTH * 4))
  return redacted.length > MAX_LOCATION_LENGTH ? `${redacted.slice(0, MAX_LOCATION_LENGTH)}…` : redacted
}

/**
 * A redirect target fit to store in an attempt's error, which the API, the dashboard and the CLI
 * show: credentials in its userinfo become `***`, and so do every query value and the fragment (a
 * signed or token-bearing URL, an OAuth callback's `#access_token=`, is a common redirect target).
 * Scheme, host, path and parameter names stay, so the operator can still tell where the receiver
 * pointed; a relative target keeps its path, a protocol-relative one (`//host/p`) its host. Text
 * that is no URL at all is not repeated.
 */
export function redactLocation(location: string): string {
  const base = 'http://relative.invalid'
  if (!URL.canParse(location, base)) return '(a Location that is not a URL)'
  const url = new URL(location, base)
  let changed = false
  if (url.username || url.password) {
    url.username = '***'
    url.password = ''
    changed = true
  }
  for (const name of new Set(url.searchParams.keys())) {
    url.searchParams.set(name, '***')
    changed = true
  }
  if (url.hash) {
    url.hash = '***'
    changed = true
  }
  if (!changed) return location
  if (URL.canParse(location)) return url.toString()
  if (/^[\\/]{2}/.test(location)) return url.toString().slice(url.protocol.length)
  return `${url.pathname}${url.search}${url.hash}`
}
