import { onAbort } from './on-abort.js'
import type { FetchLike } from './options.js'
import { ResponseBuffer } from './response-buffer.js'
import {
  isArgumentError,
  type Transport,
  TransportRefusal,
  type TransportRequest,
  type TransportResponse,
  TransportTimeout,
} from './transport.js'

/**
 * Sends requests with a `fetch`: the caller's (`options.fetch`), or the runtime's where undici
 * is unavailable (Deno, Bun, Cloudflare Workers, browsers). Like the undici transport, it never
 * follows a redirect, `close()` waits for the requests in flight, and a request ends at its
 * timeout or when the caller's signal aborts even if the `fetch` ignores `init.signal` (its body
 * is then cancelled, which closes the connection). The `fetch` decodes compressed answers; the
 * cap holds for what it hands over, read as it streams.
 */
export class FetchTransport implements Transport {
  readonly #fetch: FetchLike
  /** Requests sent and not yet answered in full, for `close()` to wait on. */
  readonly #inFlight = new Set<Promise<TransportResponse>>()
  #closed = false

  /** @param fetch - the function to send requests with */
  constructor(fetch: FetchLike) {
    this.#fetch = fetch
  }

  send(request: TransportRequest): Promise<TransportResponse> {
    // As undici's agent does once closed: the client then ends the call as closed.
    if (this.#closed) return Promise.reject(new Error('the transport is closed'))
    const sending = this.#send(request)
    this.#inFlight.add(sending)
    const settle = () => this.#inFlight.delete(sending)
    sending.then(settle, settle)
    return sending
  }

  async close(): Promise<void> {
    this.#closed = true
    await Promise.allSettled(this.#inFlight)
  }

  async #send(request: TransportRequest): Promise<TransportResponse> {
    const controller = new AbortController()
    const timedOut = new TransportTimeout(request.timeoutMs)
    const timer = setTimeout(() => controller.abort(timedOut), request.timeoutMs)
    const outer = request.signal
    const unlisten =
      outer?.aborted === false ? onAbort(outer, () => controller.abort(outer.reason)) : undefined
    try {
      if (outer?.aborted) throw outer.reason
      return await settledByAbort(this.#exchange(request, controller.signal), controller.signal)
    } catch (error) {
      // Whatever the fetch threw (an AbortError), say why the request was aborted.
      if (controller.signal.aborted) throw controller.signal.reason
      if (isArgumentError(error) && !(error instanceof TransportRefusal)) throw new TransportRefusal(error)
      throw error
    } finally {
      clearTimeout(timer)
      unlisten?.()
    }
  }

  async #exchange(request: TransportRequest, signal: AbortSignal): Promise<TransportResponse> {
    const response = await this.#start(request, signal)
    const header = (name: string): string | undefined => response.headers.get(name) ?? undefined
    const buffer = new ResponseBuffer(request.maxResponseBytes)
    const reader = response.body?.getReader()
    if (reader !== undefined) {
      // Cancelling the reader is what closes the connection of a fetch that ignores the signal
      // (a wrapper dropped `init.signal`): the call has ended, its body must not be read on.
      const cancel = () => reader.cancel(signal.reason).catch(() => {})
      if (signal.aborted || buffer.declared(header('content-length'))) {
        await cancel()
      } else {
        signal.addEventListener('abort', cancel, { once: true })
        try {
          for (;;) {
            const { done, value } = await reader.read()
            if (done || signal.aborted) break
            if (value !== undefined && !buffer.push(value)) {
              await cancel()
              break
            }
          }
        } finally {
          signal.removeEventListener('abort', cancel)
        }
      }
    }
    return { status: response.status, header, body: buffer.bytes(), truncated: buffer.truncated }
  }

  /** Calls the fetch; a `TypeError` it throws at once (a `Request` it could not build) sent nothing. */
  #start(request: TransportRequest, signal: AbortSignal): ReturnType<FetchLike> {
    try {
      // `manual`: a 3xx is answered as it came, as undici does, never followed to another URL.
      return this.#fetch(request.url, {
        method: 'POST',
        headers: request.headers,
        body: request.body,
        signal,
        redirect: 'manual',
      })
    } catch (error) {
      if (error instanceof TypeError) throw new TransportRefusal(error)
      throw error
    }
  }
}

/**
 * Settles with `work`, or rejects with the signal's reason as soon as it aborts — whether or not
 * the fetch heeds the signal. A wrapper that drops `init.signal`, or a runtime whose fetch ignores
 * it, must not turn `timeoutMs` and the caller's signal into waits without end.
 */
function settledByAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}
