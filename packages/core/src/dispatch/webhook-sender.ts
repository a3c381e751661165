import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { BlockList, isIP } from 'node:net'
import { Agent, request } from 'undici'
import { parseRetryAfter } from './retry-after.js'
import type { WebhookRequest } from './webhook-request.js'

/** How one request went. Network failures are results too: {@link WebhookSender.send} never throws. */
export interface SendResult {
  /** 2xx. */
  readonly ok: boolean
  readonly status: number | null
  readonly durationMs: number
  /** At most `maxResponseBytes` of the body, as UTF-8; the rest is never read. */
  readonly responseBody: string | null
  readonly error: string | null
  readonly errorCode:
    | 'timeout'
    | 'connect'
    | 'reset'
    | 'dns'
    | 'tls'
    | 'redirect'
    | 'status'
    | 'blocked_address'
    | 'aborted'
    | null
  readonly timedOut: boolean
  /** From `Retry-After` on 429/503, in ms. */
  readonly retryAfterMs: number | null
  /** `disable`: 410 Gone or `webhook-delivery: disable`; `abort`: `webhook-delivery: abort-message`. */
  readonly directive: 'disable' | 'abort' | null
}

/** Options of {@link WebhookSender}. */
export interface WebhookSenderOptions {
  /** Keep-alive connections per origin. @default 64 */
  connections?: number
  /** How long an idle connection is kept, in ms. @default 30000 */
  keepAliveTimeoutMs?: number
  /** Bytes of each response body kept. @default 4096 */
  maxResponseBytes?: number
  /**
   * Refuse loopback, private, link-local, CGNAT and unspecified addresses. Checked on the address
   * actually connected to (after DNS), so DNS rebinding cannot get around it. @default false
   */
  blockPrivateAddresses?: boolean
}

const blocked = new BlockList()
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4')
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6')
}

/** True for addresses a multi-tenant deployment should not let webhooks reach. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address)
  if (family === 0) return false
  if (family === 6 && address.toLowerCase().startsWith('::ffff:')) {
    const v4 = address.slice(7)
    if (isIP(v4) === 4) return blocked.check(v4, 'ipv4')
  }
  return blocked.check(address, family === 4 ? 'ipv4' : 'ipv6')
}

class BlockedAddressError extends Error {
  readonly code = 'ERR_RIO_BLOCKED_ADDRESS'
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void

/** A `dns.lookup` that refuses private answers, for the connector. */
function guardedLookup(hostname: string, options: object, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, [])
    const list = addresses as LookupAddress[]
    const bad = list.find((a) => isPrivateAddress(a.address))
    if (bad)
      return callback(
        new BlockedAddressError(`${hostname} resolves to ${bad.address}, a private address`),
        [],
      )
    if ((options as { all?: boolean }).all) return callback(null, list)
    callback(null, list[0]!.address, list[0]!.family)
  })
}

/**
 * Sends webhook requests over one keep-alive undici `Agent`. Bounded in every direction: the
 * timeout covers connecting, headers and the (capped) body read; redirects are not followed.
 */
export class WebhookSender {
  readonly #agent: Agent
  readonly #maxResponseBytes: number
  readonly #blockPrivate: boolean

  constructor(options: WebhookSenderOptions = {}) {
    this.#maxResponseBytes = options.maxResponseBytes ?? 4096
    this.#blockPrivate = options.blockPrivateAddresses ?? false
    this.#agent = new Agent({
      connections: options.connections ?? 64,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
      pipelining: 1,
      ...(this.#blockPrivate ? { connect: { lookup: guardedLookup } } : {}),
    })
  }

  /**
   * Sends one request.
   * @param options.timeoutMs - the whole exchange must finish within this
   * @param options.signal - aborts the request (Rio stopping)
   */
  async send(req: WebhookRequest, options: { timeoutMs: number; signal?: AbortSignal }): Promise<SendResult> {
    const started = performance.now()
    if (this.#blockPrivate) {
      const host = new URL(req.url).hostname.replace(/^\[|\]$/g, '')
      if (isPrivateAddress(host)) {
        return failure(started, 'blocked_address', `refused to connect to ${host}: a private address`, null)
      }
    }
    const controller = new AbortController()
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      controller.abort()
    }, options.timeoutMs)
    const onAbort = () => controller.abort()
    options.signal?.addEventListener('abort', onAbort, { once: true })
    try {
      const res = await request(req.url, {
        method: req.method,
        headers: req.headers,
        body: req.body,
        dispatcher: this.#agent,
        signal: controller.signal,
      })
      const responseBody = await this.#readCapped(res.body)
      const durationMs = performance.now() - started
      const status = res.statusCode
      const header = res.headers['webhook-delivery']
      const delivery = (Array.isArray(header) ? header[0] : header)?.toLowerCase()
      const directive =
        status === 410 || delivery === 'disable' ? 'disable' : delivery === 'abort-message' ? 'abort' : null
      if (status >= 200 && status < 300 && directive === null) {
        return {
          ok: true,
          status,
          durationMs,
          responseBody,
          error: null,
          errorCode: null,
          timedOut: false,
          retryAfterMs: null,
          directive: null,
        }
      }
      let error = `HTTP ${status}`
      let errorCode: SendResult['errorCode'] = 'status'
      if (status >= 300 && status < 400) {
        const location = res.headers.location
        error = `redirect ${status}${location ? ` to ${String(location)}` : ''} not followed; point the webhook at the final URL`
        errorCode = 'redirect'
      }
      if (directive === 'disable')
        error =
          status === 410
            ? 'HTTP 410 Gone: the endpoint asked to be disabled'
            : `${error}; webhook-delivery: disable`
      if (directive === 'abort') error = `${error}; webhook-delivery: abort-message`
      const retryAfterMs =
        status === 429 || status === 503 ? parseRetryAfter(res.headers['retry-after'], Date.now()) : null
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
    } catch (error) {
      if (timedOut) return failure(started, 'timeout', `timeout after ${options.timeoutMs} ms`, null, true)
      if (options.signal?.aborted) return failure(started, 'aborted', 'aborted: Rio is stopping', null)
      return describe(started, error as NodeJS.ErrnoException, req.url)
    } finally {
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', onAbort)
    }
  }

  /** Reads at most maxResponseBytes, then drops the connection's remaining body. */
  async #readCapped(body: AsyncIterable<Buffer> & { destroy(): void }): Promise<string | null> {
    const max = this.#maxResponseBytes
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of body) {
      const room = max - size
      if (chunk.length >= room) {
        chunks.push(chunk.subarray(0, room))
        size = max
        body.destroy()
        break
      }
      chunks.push(chunk)
      size += chunk.length
    }
    if (size === 0) return null
    const text = Buffer.concat(chunks, size).toString('utf8')
    // A cut in the middle of a multi-byte character leaves a replacement character; drop it.
    return size === max ? text.replace(/\uFFFD$/, '') : text
  }

  /** Closes kept-alive connections. */
  async close(): Promise<void> {
    await this.#agent.close()
  }
}

function failure(
  started: number,
  errorCode: SendResult['errorCode'],
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

function describe(started: number, error: NodeJS.ErrnoException, url: string): SendResult {
  const cause = (error.cause ?? error) as NodeJS.ErrnoException
  const code = cause.code ?? error.code ?? ''
  const { host } = new URL(url)
  if (cause instanceof BlockedAddressError || code === 'ERR_RIO_BLOCKED_ADDRESS') {
    return failure(started, 'blocked_address', `refused: ${cause.message}`, null)
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') {
    return failure(started, 'dns', `DNS: cannot resolve ${host} (${code})`, null)
  }
  if (code === 'ECONNREFUSED')
    return failure(started, 'connect', `connection refused (ECONNREFUSED) to ${host}`, null)
  if (code === 'UND_ERR_CONNECT_TIMEOUT')
    return failure(started, 'timeout', `connect timeout to ${host}`, null, true)
  if (
    /CERT|SSL|TLS|EPROTO|SELF_SIGNED|UNABLE_TO_VERIFY/i.test(code) ||
    /SSL|TLS|certificate/i.test(cause.message ?? '')
  ) {
    return failure(started, 'tls', `TLS: ${cause.message || code}`, null)
  }
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE' || code === 'UND_ERR_CLOSED') {
    return failure(started, 'reset', `connection reset by ${host} (${code})`, null)
  }
  return failure(started, 'connect', `${code ? `${code}: ` : ''}${cause.message || String(error)}`, null)
}
