import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { BlockList, isIP } from 'node:net'
import { Agent, type Dispatcher, request } from 'undici'
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
  /** What went wrong, for people: `HTTP 500`, `timeout after 15000 ms`, `DNS: … not found (ENOTFOUND)`… */
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
  /** Connections kept per origin (one request each at a time: no pipelining). @default 64 */
  connections?: number
  /**
   * How long an idle connection is kept when the server gives no `Keep-Alive: timeout` hint, in ms.
   * Short, as servers often close idle connections after 5 s and a request racing that close fails.
   * @default 4000
   */
  keepAliveTimeoutMs?: number
  /** Bytes of each response body kept; reading stops there. @default 4096 */
  maxResponseBytes?: number
  /**
   * Refuse loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16,
   * fe80::/10), CGNAT (100.64/10), unspecified, multicast and reserved addresses. Checked on each
   * address DNS returns, as the connection is made, so DNS rebinding cannot get around it; literal
   * IPs in the URL too. For multi-tenant deployments where users register webhook URLs. @default false
   */
  blockPrivateAddresses?: boolean
}

const blocked = new BlockList()
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network", unspecified
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata endpoints
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4')
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6')
}
// IPv6 forms that carry an IPv4 address: IPv4-mapped (::ffff:a.b.c.d), NAT64 (64:ff9b::a.b.c.d).
const EMBEDDED_V4 = /^(?:::ffff:|64:ff9b::)(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/i

/**
 * Whether an IP address is one a multi-tenant deployment should not let webhooks reach; see
 * {@link WebhookSenderOptions.blockPrivateAddresses}.
 * @param address - an IPv4 or IPv6 address (no brackets)
 * @returns true for blocked addresses; false for public ones and for anything that is not an IP
 */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address)
  if (family === 4) return blocked.check(address, 'ipv4')
  if (family === 0) return false
  const embedded = EMBEDDED_V4.exec(address)
  if (embedded) {
    const v4 =
      embedded[1] ??
      [embedded[2]!, embedded[3]!]
        .map((hex) => {
          const n = Number.parseInt(hex, 16)
          return `${n >> 8}.${n & 255}`
        })
        .join('.')
    return blocked.check(v4, 'ipv4')
  }
  return blocked.check(address, 'ipv6')
}

/** Raised inside the connector; recognised by its code when undici hands it back. */
class BlockedAddressError extends Error {
  readonly code = 'ERR_RIO_BLOCKED_ADDRESS'
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void

/**
 * A `dns.lookup` for the connector that refuses the whole answer when any address is private: the
 * socket connects only to addresses that passed, so a name cannot resolve "public" for a check and
 * "private" for the connection (DNS rebinding).
 */
function guardedLookup(hostname: string, options: { all?: boolean }, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, [])
    const bad = addresses.find((a) => isPrivateAddress(a.address))
    if (bad) {
      return callback(
        new BlockedAddressError(`${hostname} resolves to ${bad.address}, a private address`),
        [],
      )
    }
    if (options.all) return callback(null, addresses)
    const first = addresses[0]!
    callback(null, first.address, first.family)
  })
}

const TIMEOUT = Symbol('timeout')
const MAX_TIMER_MS = 2_147_483_647

/**
 * Sends webhook requests over one keep-alive undici `Agent`. Bounded in every direction: one
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
  readonly #agent: Agent
  readonly #maxResponseBytes: number
  readonly #blockPrivate: boolean

  /** @param options - see {@link WebhookSenderOptions}; every field has a default */
  constructor(options: WebhookSenderOptions = {}) {
    this.#maxResponseBytes = options.maxResponseBytes ?? 4096
    this.#blockPrivate = options.blockPrivateAddresses ?? false
    this.#agent = new Agent({
      connections: options.connections ?? 64,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 4_000,
      pipelining: 1,
      // Our own deadline governs; undici's inactivity timeouts (300 s by default) must never fire first.
      headersTimeout: 0,
      bodyTimeout: 0,
      ...(this.#blockPrivate ? { connect: { lookup: guardedLookup } } : {}),
    })
  }

  /**
   * Sends one request and reads at most `maxResponseBytes` of the answer.
   * @param req - from `buildWebhookRequest`
   * @param options.timeoutMs - the whole exchange (connect, headers, body read) must finish within this;
   *   at most 2^31 - 1 (about 24.8 days), and a non-positive or NaN value means that maximum
   * @param options.signal - aborts the request, e.g. when Rio stops; the result then has errorCode `aborted`
   * @returns how it went; never rejects for network or HTTP failures
   */
  async send(req: WebhookRequest, options: { timeoutMs: number; signal?: AbortSignal }): Promise<SendResult> {
    const started = performance.now()
    const outer = options.signal
    if (outer?.aborted) return failure(started, 'aborted', 'aborted before sending', null)
    if (this.#blockPrivate) {
      const host = new URL(req.url).hostname.replace(/^\[|\]$/g, '')
      // The connector's lookup never sees literal IPs (nothing to resolve), so check them here.
      if (isPrivateAddress(host)) {
        return failure(started, 'blocked_address', `refused to connect to ${host}: a private address`, null)
      }
    }
    const controller = new AbortController()
    // setTimeout fires at once for NaN or anything over 2^31 - 1 ms; neither may mean "no time at all".
    const timeoutMs = options.timeoutMs > 0 ? Math.min(options.timeoutMs, MAX_TIMER_MS) : MAX_TIMER_MS
    const timer = setTimeout(() => controller.abort(TIMEOUT), timeoutMs)
    const onAbort = outer ? () => controller.abort(outer.reason) : null
    if (onAbort) outer!.addEventListener('abort', onAbort, { once: true })
    let status: number | null = null
    try {
      const res = await request(req.url, {
        method: req.method,
        headers: req.headers,
        body: req.body,
        dispatcher: this.#agent,
        signal: controller.signal,
      })
      status = res.statusCode
      const responseBody = await this.#readCapped(res.body)
      return answered(started, status, res.headers, responseBody)
    } catch (error) {
      if (controller.signal.reason === TIMEOUT) {
        const what = status === null ? '' : ` (HTTP ${status} arrived, its body did not finish)`
        return failure(started, 'timeout', `timeout after ${options.timeoutMs} ms${what}`, status, true)
      }
      if (outer?.aborted) return failure(started, 'aborted', 'aborted: Rio is stopping', status)
      return describe(started, error as NodeJS.ErrnoException, req.url, status)
    } finally {
      clearTimeout(timer)
      if (onAbort) outer!.removeEventListener('abort', onAbort)
    }
  }

  /** Reads at most maxResponseBytes, then destroys the body (and so its connection): never more. */
  async #readCapped(body: Dispatcher.ResponseData['body']): Promise<string | null> {
    const max = this.#maxResponseBytes
    let first: Buffer | null = null
    let rest: Buffer[] | null = null
    let size = 0
    for await (const chunk of body as AsyncIterable<Buffer>) {
      const room = max - size
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk
      // Most answers are one small chunk ("ok"): no array, no concat.
      if (first === null) first = part
      else if (rest === null) rest = [first, part]
      else rest.push(part)
      size += part.length
      if (size >= max) {
        body.destroy()
        break
      }
    }
    if (size === 0) return null
    const bytes = rest === null ? first! : Buffer.concat(rest, size)
    const text = bytes.toString('utf8')
    // A cut inside a multi-byte character leaves a replacement character; drop it.
    return size >= max && text.endsWith('\uFFFD') ? text.slice(0, -1) : text
  }

  /** Closes the kept-alive connections, after requests in flight have finished. */
  async close(): Promise<void> {
    await this.#agent.close()
  }
}

/** The result for a response that arrived. */
function answered(
  started: number,
  status: number,
  headers: Record<string, string | string[] | undefined>,
  responseBody: string | null,
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
    error = `redirect ${status}${location ? ` to ${String(location)}` : ''} not followed; point the webhook at the final URL`
    errorCode = 'redirect'
  } else if (status === 410) {
    error = 'HTTP 410 Gone: the endpoint asked to be disabled'
  } else {
    error = `HTTP ${status}`
  }
  if (delivery === 'disable' || delivery === 'abort-message') error += `; webhook-delivery: ${delivery}`
  const retryAfterMs =
    status === 429 || status === 503 ? parseRetryAfter(headers['retry-after'], Date.now()) : null
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

/** Turns undici's and Node's network errors into a result with a message a person can act on. */
function describe(
  started: number,
  error: NodeJS.ErrnoException,
  url: string,
  status: number | null,
): SendResult {
  // undici wraps socket errors at times (`cause`); connect-phase errors come through as is.
  const cause = (error.cause instanceof Error ? error.cause : error) as NodeJS.ErrnoException
  const code = cause.code ?? error.code ?? ''
  const message = cause.message || error.message || String(error)
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
