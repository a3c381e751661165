import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'

/** A request listener. */
export type Listener = (req: IncomingMessage, res: ServerResponse) => void

/** A handler served under a path prefix (`/metrics`, `/dashboard`), ahead of the API. */
export interface Mount {
  readonly path: string
  readonly handle: Listener
}

/** A listening {@link serve} server. */
export interface Served {
  /** `http://host:port`, with the port actually bound. */
  readonly url: string
  readonly port: number
  /** Stops accepting, ends idle keep-alive sockets now and busy ones after `graceMs`. */
  close(): Promise<void>
}

/**
 * How long a client may take and how many connections it may hold: the defaults of `rio.listen()`
 * (see `ListenOptions` in `@rio/core`), sized so an honest client on a 64 kbit/s link sending a full
 * 1 MiB body is never cut off. Bodies the API buffers at once are capped by `@rio/core` itself.
 */
export interface ServerLimits {
  /** Time to send a request's headers, in ms (408 after); 0 turns it off. @default 20000 */
  readonly headersTimeoutMs?: number
  /** Time to send a whole request, in ms (408 after); 0 turns it off. @default 152000 */
  readonly requestTimeoutMs?: number
  /** Connections open at once; more are closed when accepted. @default 10000 */
  readonly maxConnections?: number
}

const DEFAULT_LIMITS = {
  headersTimeoutMs: 20_000,
  requestTimeoutMs: 152_000,
  maxConnections: 10_000,
} as const

function matches(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`)
}

/**
 * Serves the API with other handlers mounted beside it on one `node:http` server: a request goes
 * to the first mount whose path prefixes it, everything else to `api`.
 * @throws the listen error (e.g. `EADDRINUSE`) when the port cannot be bound
 */
export async function serve(options: {
  api: Listener
  mounts?: readonly Mount[]
  port: number
  host: string
  graceMs?: number
  limits?: ServerLimits
}): Promise<Served> {
  const mounts = options.mounts ?? []
  const limits = { ...DEFAULT_LIMITS, ...options.limits }
  const shortest = Math.min(
    ...[limits.headersTimeoutMs, limits.requestTimeoutMs].filter((ms) => ms > 0),
    20_000,
  )
  const server: Server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      // Node checks the timeouts every 30 s by default, which stretches 20 s to up to 50 s.
      connectionsCheckingInterval: Math.max(100, Math.min(5000, Math.floor(shortest / 4))),
    },
    (req, res) => {
      const path = (req.url ?? '/').split('?')[0]!
      const mount = mounts.find((m) => matches(path, m.path))
      ;(mount ? mount.handle : options.api)(req, res)
    },
  )
  server.maxConnections = limits.maxConnections
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
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeIdleConnections()
        setTimeout(() => server.closeAllConnections(), options.graceMs ?? 2000).unref()
      }),
  }
}
