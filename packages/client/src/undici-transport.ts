import type { Agent, Dispatcher } from 'undici'
import { ContentDecoder } from './content-decoder.js'
import { onAbort } from './on-abort.js'
import { ResponseBuffer } from './response-buffer.js'
import { type AgentLease, leaseAgent } from './shared-agent.js'
import {
  isArgumentError,
  type Transport,
  TransportRefusal,
  type TransportRequest,
  type TransportResponse,
  TransportTimeout,
} from './transport.js'

type Undici = typeof import('undici')
type Zlib = typeof import('node:zlib')
type Headers = Record<string, string | string[] | undefined>

/**
 * The default transport on Node: undici's `dispatch` over a keep-alive `Agent` that every client
 * in the process shares, so emits reuse connections instead of paying a TCP (and TLS) handshake
 * each, with one handler object per request (no response stream, no AbortController: a timer and
 * the caller's signal abort it).
 */
export class UndiciTransport implements Transport {
  readonly #agent: Agent
  readonly #lease: AgentLease
  readonly #origins = new Map<string, { origin: string; path: string }>()
  readonly #shared: Shared
  /** Exchanges sent and not yet settled, for `close()` to wait on. */
  #inFlight = 0
  #drained: (() => void) | undefined
  #closed: Promise<void> | undefined

  private constructor(undici: Undici, zlib: Zlib, connectTimeoutMs: number) {
    this.#lease = leaseAgent(undici, connectTimeoutMs)
    this.#agent = this.#lease.agent
    this.#shared = {
      decoder: new ContentDecoder(zlib),
      settled: () => {
        if (--this.#inFlight === 0) this.#drained?.()
      },
    }
  }

  /**
   * Loads undici and `node:zlib` (dynamic imports, so bundles for runtimes without them still load
   * this package).
   * @param connectTimeoutMs - longest wait for a connection (TCP and TLS): the client's `timeoutMs`
   * @returns the transport, or undefined where undici cannot be loaded
   */
  static async load(connectTimeoutMs = 10_000): Promise<UndiciTransport | undefined> {
    try {
      const [undici, zlib] = await Promise.all([import('undici'), import('node:zlib')])
      return new UndiciTransport(undici, zlib, connectTimeoutMs)
    } catch {
      return undefined
    }
  }

  send(request: TransportRequest): Promise<TransportResponse> {
    // As undici's agent does once closed: the client then ends the call as closed.
    if (this.#closed !== undefined) return Promise.reject(new Error('the transport is closed'))
    if (request.signal?.aborted) return Promise.reject(request.signal.reason)
    let target = this.#origins.get(request.url)
    if (!target) {
      const url = new URL(request.url)
      target = { origin: url.origin, path: `${url.pathname}${url.search}` }
      this.#origins.set(request.url, target)
    }
    const { origin, path } = target
    this.#inFlight++
    return new Promise((resolve, reject) => {
      const exchange = new Exchange(request, this.#shared, resolve, reject)
      try {
        this.#agent.dispatch(
          { origin, path, method: 'POST', headers: request.headers, body: request.body },
          exchange,
        )
      } catch (error) {
        exchange.onResponseError(null, error as Error)
      }
    })
  }

  /**
   * Waits for the exchanges in flight to settle (each within its `timeoutMs`, or sooner at its
   * signal), then gives the shared agent back: the last transport to do so closes its connections.
   */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      if (this.#inFlight > 0) await new Promise<void>((resolve) => (this.#drained = resolve))
      await this.#lease.release()
    })()
    return this.#closed
  }
}

/** What every exchange of one transport shares. */
interface Shared {
  readonly decoder: ContentDecoder
  /** Called once per exchange, when it settles. */
  readonly settled: () => void
}

/** One request and its answer, as an undici dispatch handler; settles exactly once. */
class Exchange implements Dispatcher.DispatchHandler {
  readonly #resolve: (response: TransportResponse) => void
  readonly #reject: (reason: unknown) => void
  readonly #timer: ReturnType<typeof setTimeout>
  /** Stops listening to the caller's signal. */
  readonly #unlisten: (() => void) | null
  readonly #buffer: ResponseBuffer
  readonly #shared: Shared
  #controller: Dispatcher.DispatchController | null = null
  #settled = false
  #status = 0
  #headers: Headers = {}

  constructor(
    request: TransportRequest,
    shared: Shared,
    resolve: (response: TransportResponse) => void,
    reject: (reason: unknown) => void,
  ) {
    this.#resolve = resolve
    this.#reject = reject
    this.#shared = shared
    this.#buffer = new ResponseBuffer(request.maxResponseBytes)
    this.#timer = setTimeout(() => this.#abort(new TransportTimeout(request.timeoutMs)), request.timeoutMs)
    const signal = request.signal
    this.#unlisten = signal ? onAbort(signal, () => this.#abort(signal.reason)) : null
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller
    // Timed out or aborted while waiting for a connection: do not send it now.
    if (this.#settled) controller.abort(new Error('the request is over'))
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: Headers): void {
    if (this.#settled) return
    this.#status = statusCode
    this.#headers = headers
    if (this.#buffer.declared(first(headers['content-length']))) this.#answer(true)
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#settled) return
    if (!this.#buffer.push(chunk)) this.#answer(true)
  }

  onResponseEnd(): void {
    if (!this.#settled) this.#answer(false)
  }

  onResponseError(_controller: Dispatcher.DispatchController | null, error: Error): void {
    if (this.#settled) return
    this.#finish()
    this.#reject(isArgumentError(error) ? new TransportRefusal(error) : error)
  }

  /** Resolves with what was read; `drop` closes the connection instead of reading the rest. */
  #answer(drop: boolean): void {
    this.#finish()
    const headers = this.#headers
    const coding = headers['content-encoding']
    if (coding === undefined) {
      this.#resolve({
        status: this.#status,
        header: (name) => first(headers[name]),
        body: this.#buffer.bytes(),
        truncated: this.#buffer.truncated,
      })
    } else {
      this.#answerDecoded(Array.isArray(coding) ? coding.join(',') : coding)
    }
    if (drop) this.#controller?.abort(new Error('response body over the limit'))
  }

  /**
   * Resolves with the body decoded, as `fetch` decodes it. The cap holds for the bytes received
   * (a body over it was cut there) and for the decoded ones: an answer that inflates past it is
   * truncated, however small it came.
   */
  #answerDecoded(coding: string): void {
    const headers = this.#headers
    let body = this.#buffer.bytes()
    let truncated = this.#buffer.truncated
    try {
      const decoded = this.#shared.decoder.decode(coding, body, this.#buffer.maxBytes)
      if (decoded !== undefined) {
        body = decoded.body
        truncated ||= decoded.over
      }
    } catch (error) {
      // A body cut at the cap is over it anyway; a whole one that does not decode is a broken
      // answer, a failure as over fetch (retried: the idempotency key makes that safe).
      if (!truncated) {
        const reason = error instanceof Error ? error.message : String(error)
        this.#reject(
          new Error(`the answer's body does not decode as "${coding}": ${reason}`, { cause: error }),
        )
        return
      }
      body = new Uint8Array(0)
    }
    this.#resolve({ status: this.#status, header: (name) => first(headers[name]), body, truncated })
  }

  #abort(reason: unknown): void {
    if (this.#settled) return
    this.#finish()
    this.#reject(reason)
    this.#controller?.abort(reason instanceof Error ? reason : new Error('aborted'))
  }

  #finish(): void {
    this.#settled = true
    clearTimeout(this.#timer)
    this.#unlisten?.()
    this.#shared.settled()
  }
}

/** A header's value; the first one when it was sent more than once. */
function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}
