import type { Agent, Dispatcher } from 'undici'
import { onAbort } from './on-abort.js'
import { ResponseBuffer } from './response-buffer.js'
import {
  isArgumentError,
  type Transport,
  TransportRefusal,
  type TransportRequest,
  type TransportResponse,
  TransportTimeout,
} from './transport.js'

type Undici = typeof import('undici')
type Headers = Record<string, string | string[] | undefined>

/**
 * The default transport on Node: undici's `dispatch` over one keep-alive `Agent`, so emits reuse
 * connections instead of paying a TCP (and TLS) handshake each, with one handler object per
 * request (no response stream, no AbortController: a timer and the caller's signal abort it).
 */
export class UndiciTransport implements Transport {
  readonly #agent: Agent
  readonly #origins = new Map<string, { origin: string; path: string }>()

  private constructor(undici: Undici) {
    // Each exchange's own timer (`timeoutMs`) bounds the whole request; undici's 300 s defaults for
    // headers and body would otherwise cut a longer `timeoutMs` short with a connection error.
    this.#agent = new undici.Agent({ headersTimeout: 0, bodyTimeout: 0 })
  }

  /**
   * Loads undici (a dynamic import, so bundles for runtimes without it still load this package).
   * @returns the transport, or undefined where undici cannot be loaded
   */
  static async load(): Promise<UndiciTransport | undefined> {
    try {
      return new UndiciTransport(await import('undici'))
    } catch {
      return undefined
    }
  }

  send(request: TransportRequest): Promise<TransportResponse> {
    if (request.signal?.aborted) return Promise.reject(request.signal.reason)
    let target = this.#origins.get(request.url)
    if (!target) {
      const url = new URL(request.url)
      target = { origin: url.origin, path: `${url.pathname}${url.search}` }
      this.#origins.set(request.url, target)
    }
    const { origin, path } = target
    return new Promise((resolve, reject) => {
      const exchange = new Exchange(request, resolve, reject)
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

  close(): Promise<void> {
    return this.#agent.close()
  }
}

/** One request and its answer, as an undici dispatch handler; settles exactly once. */
class Exchange implements Dispatcher.DispatchHandler {
  readonly #resolve: (response: TransportResponse) => void
  readonly #reject: (reason: unknown) => void
  readonly #timer: ReturnType<typeof setTimeout>
  /** Stops listening to the caller's signal. */
  readonly #unlisten: (() => void) | null
  readonly #buffer: ResponseBuffer
  #controller: Dispatcher.DispatchController | null = null
  #settled = false
  #status = 0
  #headers: Headers = {}

  constructor(
    request: TransportRequest,
    resolve: (response: TransportResponse) => void,
    reject: (reason: unknown) => void,
  ) {
    this.#resolve = resolve
    this.#reject = reject
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
    this.#resolve({
      status: this.#status,
      header: (name) => first(headers[name]),
      body: this.#buffer.bytes(),
      truncated: this.#buffer.truncated,
    })
    if (drop) this.#controller?.abort(new Error('response body over the limit'))
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
  }
}

/** A header's value; the first one when it was sent more than once. */
function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}
