import { createServer, type Server } from 'node:http'
import type { Socket } from 'node:net'
import { z } from 'zod'
import { formatIssues, RioValidationError } from '../errors.js'
import type { ApiHandler } from './api.js'
import type { ApiOptions } from './api-options.js'

/**
 * Options of {@link Rio.listen}: where to listen, plus the {@link ApiOptions}. The server keeps
 * Node's limits (headers within 60 s, the whole request within 300 s, idle keep-alive 5 s, 16 KiB
 * of headers) and caps no connection count: put a reverse proxy in front when facing the internet,
 * and set {@link ApiOptions.trustProxy} to the number of proxies.
 */
export interface ListenOptions extends ApiOptions {
  /** TCP port; 0 picks a free one (see {@link RioServer.port}). @default 8009 */
  port?: number
  /** Interface to bind; `0.0.0.0` or `::` to accept connections from other hosts. @default '127.0.0.1' */
  host?: string
  /** How long `close()` lets requests in progress finish before their sockets are destroyed, in ms. @default 5000 */
  closeTimeoutMs?: number
}

/** A listening API server started by {@link Rio.listen}. */
export interface RioServer {
  /** The base URL, e.g. `http://127.0.0.1:8009` (with `basePath` when set). */
  readonly url: string
  /** The port actually bound (useful with `port: 0`). */
  readonly port: number
  /**
   * Stops accepting connections, closes idle keep-alive sockets at once and the others once their
   * response is sent (or after `closeTimeoutMs`). Does not stop the Rio.
   */
  close(): Promise<void>
}

const listenSchema = z.object({
  port: z.number().int().min(0).max(65535),
  host: z.string().min(1).max(255),
  closeTimeoutMs: z.number().int().nonnegative(),
})

/**
 * Splits {@link ListenOptions} into where to listen and the API options, validating the former.
 * @throws {@link RioValidationError} `invalid_options`
 */
export function parseListenOptions(options: ListenOptions): {
  listen: z.output<typeof listenSchema>
  api: ApiOptions
} {
  const { port = 8009, host = '127.0.0.1', closeTimeoutMs = 5000, ...api } = options ?? {}
  const parsed = listenSchema.safeParse({ port, host, closeTimeoutMs })
  if (!parsed.success) {
    throw new RioValidationError(
      'invalid_options',
      `invalid listen options: ${formatIssues(parsed.error.issues)}`,
      {
        issues: parsed.error.issues,
      },
    )
  }
  return { listen: parsed.data, api }
}

/**
 * Serves `handler` on a new `node:http` server.
 * @param handler - the API request listener
 * @param options - validated listen options; `basePath` is only used for the reported URL
 * @returns once listening
 * @throws the server's error (e.g. `EADDRINUSE`) when it cannot listen
 */
export async function serve(
  handler: ApiHandler,
  options: z.output<typeof listenSchema> & { basePath?: string },
): Promise<RioServer> {
  const sockets = new Set<Socket>()
  const busy = new WeakSet<Socket>()
  let closing = false
  const server: Server = createServer((req, res) => {
    const socket = req.socket
    busy.add(socket)
    // A request arriving on a kept-alive socket while closing is answered, then the socket ends.
    if (closing) res.setHeader('connection', 'close')
    res.on('close', () => {
      busy.delete(socket)
      if (closing) socket.destroySoon()
    })
    handler(req, res)
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : options.port
  const host = options.host.includes(':') ? `[${options.host}]` : options.host
  let closed: Promise<void> | undefined
  return {
    url: `http://${host}:${port}${options.basePath ?? ''}`,
    port,
    close() {
      closed ??= new Promise<void>((resolve) => {
        closing = true
        const timer = setTimeout(() => {
          for (const socket of sockets) socket.destroy()
        }, options.closeTimeoutMs)
        timer.unref()
        server.close(() => {
          clearTimeout(timer)
          resolve()
        })
        for (const socket of sockets) if (!busy.has(socket)) socket.destroy()
      })
      return closed
    },
  }
}
