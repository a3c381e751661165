import type { FetchLike } from './options.js'
import { ResponseBuffer } from './response-buffer.js'
import type { Transport, TransportRequest, TransportResponse } from './transport.js'

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
    const response = await this.#fetch(request.url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      signal: request.signal,
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
