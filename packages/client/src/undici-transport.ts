import type { Agent } from 'undici'
import { ResponseBuffer } from './response-buffer.js'
import type { Transport, TransportRequest, TransportResponse } from './transport.js'

type Undici = typeof import('undici')

/**
 * The default transport on Node: undici's `request` over one keep-alive `Agent`, so emits reuse
 * connections instead of paying a TCP (and TLS) handshake each.
 */
export class UndiciTransport implements Transport {
  readonly #undici: Undici
  readonly #agent: Agent

  private constructor(undici: Undici) {
    this.#undici = undici
    this.#agent = new undici.Agent()
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

  async send(request: TransportRequest): Promise<TransportResponse> {
    const { statusCode, headers, body } = await this.#undici.request(request.url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      signal: request.signal,
      dispatcher: this.#agent,
    })
    const header = (name: string): string | undefined => {
      const value = headers[name]
      return Array.isArray(value) ? value[0] : value
    }
    const buffer = new ResponseBuffer(request.maxResponseBytes)
    if (buffer.declared(header('content-length'))) {
      body.destroy()
    } else {
      for await (const chunk of body as AsyncIterable<Uint8Array>) {
        if (!buffer.push(chunk)) {
          // Stop reading: the connection is dropped rather than drained.
          body.destroy()
          break
        }
      }
    }
    return { status: statusCode, header, body: buffer.bytes(), truncated: buffer.truncated }
  }

  close(): Promise<void> {
    return this.#agent.close()
  }
}
