import type { FetchLike } from './options.js'
import { ResponseBuffer } from './response-buffer.js'
import {
  type Transport,
  type TransportRequest,
  type TransportResponse,
  TransportTimeout,
} from './transport.js'

/**
 * Sends requests with a `fetch`: the caller's (`options.fetch`), or the runtime's where undici
 * is unavailable (Deno, Bun, Cloudflare Workers, browsers).
 */
export class FetchTransport implements Transport {
  readonly #fetch: FetchLike

  /** @param fetch - the function to send requests with */
  constructor(fetch: FetchLike) {
    this.#fetch = fetch
  }

  async send(request: TransportRequest): Promise<TransportResponse> {
    const controller = new AbortController()
    const timedOut = new TransportTimeout(request.timeoutMs)
    const timer = setTimeout(() => controller.abort(timedOut), request.timeoutMs)
    const outer = request.signal
    const onAbort = () => controller.abort(outer!.reason)
    outer?.addEventListener('abort', onAbort, { once: true })
    try {
      if (outer?.aborted) throw outer.reason
      return await this.#exchange(request, controller.signal)
    } catch (error) {
      // Whatever the fetch threw (an AbortError), say why the request was aborted.
      if (controller.signal.aborted) throw controller.signal.reason
      throw error
    } finally {
      clearTimeout(timer)
      outer?.removeEventListener('abort', onAbort)
    }
  }

  async #exchange(request: TransportRequest, signal: AbortSignal): Promise<TransportResponse> {
    const response = await this.#fetch(request.url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      signal,
    })
    const header = (name: string): string | undefined => response.headers.get(name) ?? undefined
    const buffer = new ResponseBuffer(request.maxResponseBytes)
    const reader = response.body?.getReader()
    if (reader !== undefined) {
      if (buffer.declared(header('content-length'))) {
        await reader.cancel().catch(() => {})
      } else {
        for (;;) {
          const { done, value } = await reader.read()
          if (done) break
          if (value !== undefined && !buffer.push(value)) {
            await reader.cancel().catch(() => {})
            break
          }
        }
      }
    }
    return { status: response.status, header, body: buffer.bytes(), truncated: buffer.truncated }
  }

  async close(): Promise<void> {}
}
