import { createServer, type RequestListener, type Server } from 'node:http'
import type { Socket } from 'node:net'
import { z } from 'zod'
import { formatIssues, RioValidationError } from '../errors.js'
import type { ApiHandler } from './api.js'
import type { ApiOptions } from './api-options.js'
import { BodyBudget, DEFAULT_MAX_BUFFERED_BODY_BYTES, useBodyBudget } from './body.js'

/** A request listener {@link Rio.listen} serves beside the API, under a path prefix. */
export interface ServerMount {
  /**
   * The path prefix, e.g. `/metrics`: a request for `/metrics` or `/metrics/…` goes to `handler`.
   * Matched against the request's path as sent (not under `basePath`); a leading slash, no
   * trailing slash.
   */
  readonly path: string
  /** Answers the requests under `path`, as a `node:http` request listener. */
  readonly handler: RequestListener
}

/**
 * Options of {@link Rio.listen}: where to listen, how much a client may hold, plus the
 * {@link ApiOptions}. The limits are sized so an honest client on a slow link (64 kbit/s) is never
 * cut off; Node's other limits stay (idle keep-alive 5 s, 16 KiB of headers). Facing the internet,
 * put a reverse proxy in front too, and set {@link ApiOptions.trustProxy} to the number of proxies.
 */
export interface ListenOptions extends ApiOptions {
  /** TCP port; 0 picks a free one (see {@link RioServer.port}). @default 8009 */
  port?: number
  /** Interface to bind; `0.0.0.0` or `::` to accept connections from other hosts. @default '127.0.0.1' */
  host?: string
  /** How long `close()` lets requests in progress finish before their sockets are destroyed, in ms. @default 5000 */
  closeTimeoutMs?: number
  /**
   * How long a client has to send a request's headers, in ms, from its first byte (from the
   * connection, for a connection's first request); after that it gets 408 and the connection is
   * closed. 0 turns it off. At most `requestTimeoutMs`.
   * @default 20000, or `requestTimeoutMs` when that is given and shorter (Node's is 60000)
   */
  headersTimeoutMs?: number
  /**
   * How long a client has to send a whole request, headers and body, in ms; after that it gets 408
   * and the connection is closed. Time the server spends answering does not count. 0 turns it off.
   * @default `headersTimeoutMs` (20 s when 0) plus 1 s per 8000 bytes of `maxBodyBytes`, so a full
   *   body at 64 kbit/s fits: 152000 with the defaults (Node's is 300000)
   */
  requestTimeoutMs?: number
  /**
   * Most connections open at once; further ones are closed as soon as they are accepted, so a
   * flood of connections cannot use up the process's file descriptors (which webhook deliveries and
   * SQLite need too) nor its memory (about 10 KB per idle connection).
   * @default 10000 (Node sets none)
   */
  maxConnections?: number
  /**
   * Most bytes of request bodies held in memory at once while they arrive, over all requests. A
   * request whose body would pass it gets 503 `server_busy` with `Retry-After: 1` (which
   * `rio-client` retries), its connection closed if more of the body was to come, unless no other
   * body is being received: a
   * body up to `maxBodyBytes` always gets through on its own. Bodies are read only once the
   * request is authenticated, so only clients with credentials take from it.
   * @default 134217728 (128 MiB)
   */
  maxBufferedBodyBytes?: number
  /**
   * Other request listeners served on the same port, ahead of the API: a request goes to the first
   * mount whose `path` prefixes its path, everything else to the API. They share the server's
   * timeouts and `maxConnections`; the bodies they read themselves count against neither
   * `maxBodyBytes` nor `maxBufferedBodyBytes` (those bound what the API reads), so a mount that
   * reads bodies bounds them itself. `rio start` serves its dashboard and `/metrics` this way.
   * @default none
   */
  mounts?: readonly ServerMount[]
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

const timeout = z
  .number()
  .int()
  .nonnegative()
  .max(24 * 3600 * 1000)

const listenSchema = z
  .object({
    port: z.number().int().min(0).max(65535),
    host: z.string().min(1).max(255),
    closeTimeoutMs: z.number().int().nonnegative(),
    headersTimeoutMs: timeout,
    requestTimeoutMs: timeout,
    maxConnections: z.number().int().positive().max(10_000_000),
    maxBufferedBodyBytes: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    mounts: z
      .array(
        z
          .object({
            path: z
              .string()
              .regex(
                /^(\/[A-Za-z0-9._~-]+)+$/,
                'a mount path is like "/metrics" (leading slash, no trailing slash, URL-safe segments)',
              ),
            handler: z.custom<RequestListener>(
              (value) => typeof value === 'function',
              'a mount handler is a request listener: (req, res) => void',
            ),
          })
          .strict(),
      )
      .max(100),
  })
  .refine(
    (o) => o.headersTimeoutMs === 0 || o.requestTimeoutMs === 0 || o.headersTimeoutMs <= o.requestTimeoutMs,
    {
      path: ['headersTimeoutMs'],
      message:
        'headersTimeoutMs must not be longer than requestTimeoutMs (the headers are part of the request)',
    },
  )

const DEFAULT_HEADERS_TIMEOUT_MS = 20_000
/** The slowest honest client a default `requestTimeoutMs` waits for: 64 kbit/s. */
const SLOW_CLIENT_BYTES_PER_SECOND = 8000
const DEFAULT_MAX_BODY_BYTES = 1024 * 1024

/** The default `requestTimeoutMs` for a `maxBodyBytes`: the headers' time plus the body's at 64 kbit/s. */
function defaultRequestTimeoutMs(maxBodyBytes: unknown, headersTimeoutMs: unknown): number {
  const body = typeof maxBodyBytes === 'number' && maxBodyBytes > 0 ? maxBodyBytes : DEFAULT_MAX_BODY_BYTES
  const headers =
    typeof headersTimeoutMs === 'number' && headersTimeoutMs > 0
      ? headersTimeoutMs
      : DEFAULT_HEADERS_TIMEOUT_MS
  return Math.min(24 * 3600 * 1000, headers + Math.ceil(body / SLOW_CLIENT_BYTES_PER_SECOND) * 1000)
}

/**
 * Splits {@link ListenOptions} into where to listen and the API options, validating the former.
 * @throws {@link RioValidationError} `invalid_options`
 */
export function parseListenOptions(options: ListenOptions): {
  listen: z.output<typeof listenSchema>
  api: ApiOptions
} {
  const {
    port = 8009,
    host = '127.0.0.1',
    closeTimeoutMs = 5000,
    // A shorter requestTimeoutMs given alone bounds the headers' default too.
    headersTimeoutMs = typeof options?.requestTimeoutMs === 'number' && options.requestTimeoutMs > 0
      ? Math.min(DEFAULT_HEADERS_TIMEOUT_MS, options.requestTimeoutMs)
      : DEFAULT_HEADERS_TIMEOUT_MS,
    requestTimeoutMs = defaultRequestTimeoutMs(options?.maxBodyBytes, headersTimeoutMs),
    maxConnections = 10_000,
    maxBufferedBodyBytes = DEFAULT_MAX_BUFFERED_BODY_BYTES,
    mounts = [],
    ...api
  } = options ?? {}
  const parsed = listenSchema.safeParse({
    port,
    host,
    closeTimeoutMs,
    headersTimeoutMs,
    requestTimeoutMs,
    maxConnections,
    maxBufferedBodyBytes,
    mounts,
  })
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
 * Node's server options for the timeouts, checking them often enough to hold them to within a
 * quarter of the shorter one, at most 5 s late (Node checks every 30 s by default, which stretched
 * its 60 s header limit to up to 90 s).
 */
function serverLimits(options: { headersTimeoutMs: number; requestTimeoutMs: number }) {
  const shortest = Math.min(
    ...[options.headersTimeoutMs, options.requestTimeoutMs].filter((ms) => ms > 0),
    20_000,
  )
  return {
    headersTimeout: options.headersTimeoutMs,
    requestTimeout: options.requestTimeoutMs,
    connectionsCheckingInterval: Math.max(100, Math.min(5000, Math.floor(shortest / 4))),
  }
}

/** Whether `path` is `prefix` or under it. */
function under(path: string, prefix: string): boolean {
  return path === prefix || (path.startsWith(prefix) && path[prefix.length] === '/')
}

/**
 * Serves `handler` (and the `mounts` ahead of it) on a new `node:http` server.
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
  const budget = new BodyBudget(options.maxBufferedBodyBytes)
  let closing = false
  const route = (path: string) => options.mounts.find((mount) => under(path, mount.path))?.handler
  const server: Server = createServer(serverLimits(options), (req, res) => {
    const socket = req.socket
    busy.add(socket)
    // A request arriving on a kept-alive socket while closing is answered, then the socket ends.
    if (closing) res.setHeader('connection', 'close')
    res.on('close', () => {
      busy.delete(socket)
      if (closing) socket.destroySoon()
    })
    const mounted = options.mounts.length > 0 ? route((req.url ?? '/').split('?', 1)[0]!) : undefined
    ;(mounted ?? handler)(req, res)
  })
  server.maxConnections = options.maxConnections
  server.on('connection', (socket) => {
    sockets.add(socket)
    useBodyBudget(socket, budget)
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
