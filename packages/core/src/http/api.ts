import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Rio } from '../rio.js'
import { ApiError, errorResponse } from './api-error.js'
import { type ApiOptions, type ResolvedApiOptions, resolveApiOptions } from './api-options.js'
import { ApiAuth } from './auth.js'
import type { ApiContext, ApiReply, Route } from './route.js'
import { apiRoutes } from './route-table.js'
import { Router } from './router.js'

/**
 * A `node:http` request listener. Also usable as Express/Connect middleware: when `next` is
 * given, requests outside the API's routes are passed on instead of answered with 404.
 */
export type ApiHandler = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void

/**
 * Creates Rio's HTTP API as a plain `node:http` request listener: the emit API, the original
 * `/event/:project/emit/:event` route, health checks, the admin management API and its own OpenAPI
 * document (`GET /api/v1/openapi.json`, see {@link openApiDocument}). Mount it on any
 * Node server, Express, Fastify (`reply.hijack()`, then `reply.raw`, with Fastify's body parsers
 * off for its routes: see docs/api.md) or under a prefix (`basePath`, or the mount path Express
 * strips). Mount it before body parsers: behind one it takes the raw bytes the parser kept (a
 * `Buffer` on `req.rawBody`, or `req.body` from `express.raw()`), else answers 500
 * `body_already_read`; it never stores a body rebuilt from a parsed object. Every answer is JSON
 * (health checks excepted); errors are `{ "error": { code, message, issues? } }`. The handler
 * never throws and never leaves a rejected promise: unexpected failures become a 500 and are
 * reported on `rio.events` as `error`.
 *
 * @param rio - the engine to serve; the API only calls its public methods
 * @param options - see {@link ApiOptions}
 * @returns the request listener
 * @throws {@link RioValidationError} (`invalid_options`) for bad options, before anything is served
 * @example
 * ```ts
 * import { createServer } from 'node:http'
 * import { createApiHandler, Rio } from '@rio/core'
 *
 * const rio = new Rio({ database: './rio.db' })
 * await rio.start()
 * createServer(createApiHandler(rio, { adminToken: process.env.RIO_ADMIN_TOKEN })).listen(8009)
 * ```
 */
export function createApiHandler(rio: Rio, options: ApiOptions = {}): ApiHandler {
  const resolved = resolveApiOptions(options)
  const auth = new ApiAuth(rio, resolved)
  const router = new Router(apiRoutes)
  const report = (error: unknown) =>
    rio.events.safeEmit('error', error instanceof Error ? error : new Error(String(error)))

  return (req, res, next) => {
    handle(req, res, next).catch((error: unknown) => {
      // Only reached when writing the answer itself failed (e.g. the socket broke).
      report(error)
      if (!res.destroyed) res.destroy()
    })
  }

  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    next: ((error?: unknown) => void) | undefined,
  ): Promise<void> {
    let reply: ApiReply
    try {
      const target = requestTarget(req, resolved)
      const match = target ? router.match(req.method ?? 'GET', target.path) : ({ kind: 'not_found' } as const)
      if (match.kind === 'not_found' && next) {
        next()
        return
      }
      if (res.headersSent) {
        // An earlier middleware answered and still passed the request on. Running the route would
        // store an event (or change a handler) while the client was told something else.
        report(
          new ApiError(
            'internal_error',
            `${String(req.method).slice(0, 20)} ${String(req.url).split('?', 1)[0]!.slice(0, 200)} reached Rio's handler already answered ` +
              'by an earlier middleware, which then called next(); Rio left it alone and stored nothing. ' +
              'Call next() only for requests you do not answer',
          ),
        )
        return
      }
      switch (match.kind) {
        case 'found': {
          const ctx: ApiContext = {
            rio,
            req,
            res,
            params: match.params,
            query: target!.query,
            prefix: target!.prefix,
            options: resolved,
            auth,
            report,
          }
          reply = await match.route.handle(ctx)
          break
        }
        case 'method_not_allowed':
          reply = refusal(
            match.route,
            new ApiError(
              'method_not_allowed',
              `${String(req.method).slice(0, 20)} is not allowed here; use ${match.allow.join(', ')}`,
              { headers: { allow: match.allow.join(', ') } },
            ),
          )
          break
        case 'bad_path':
          reply = refusal(match.route, new ApiError('invalid_request', match.reason))
          break
        case 'not_found':
          throw new ApiError(
            'route_not_found',
            `no route for ${String(req.method).slice(0, 20)} ${(target?.path ?? String(req.url)).slice(0, 200)}; see docs/api.md`,
          )
      }
    } catch (error) {
      const answer = errorResponse(error)
      if (answer.status >= 500) report(error)
      reply = answer
    }
    send(res, reply, resolved.maxBodyBytes)
  }
}

/** An error raised before `route` ran, in the route's own shape (the original route's `{ message }`). */
function refusal(route: Route, error: ApiError): ApiReply {
  return route.formatError ? route.formatError(error) : errorResponse(error)
}

/**
 * The path (relative to the mount point, still percent-encoded) and query of a request, and the
 * prefix the client reached the API under; null when outside `basePath`.
 */
function requestTarget(
  req: IncomingMessage,
  options: ResolvedApiOptions,
): { path: string; query: URLSearchParams; prefix: string } | null {
  const url = req.url ?? '/'
  let path: string
  let search: string
  if (url.startsWith('/')) {
    const q = url.indexOf('?')
    path = q < 0 ? url : url.slice(0, q)
    search = q < 0 ? '' : url.slice(q + 1)
  } else {
    // Absolute form (`GET http://host/path`), as sent to proxies.
    try {
      const parsed = new URL(url)
      path = parsed.pathname
      search = parsed.search.slice(1)
    } catch {
      return null
    }
  }
  const query = new URLSearchParams(search)
  const stripped = strippedPrefix(req, path)
  const base = options.basePath
  if (base && (path === base || path.startsWith(`${base}/`))) {
    return { path: path.slice(base.length) || '/', query, prefix: stripped + base }
  }
  // Outside basePath, unless a framework routed the request here and stripped its mount path
  // (Express `app.use('/rio', …)`, nested in sub-apps or not): then the rest is the API's path.
  if (base && !stripped) return null
  return { path, query, prefix: stripped }
}

/**
 * The mount path a framework stripped from `req.url`, as the client sent it: Express and Connect
 * keep the whole URL in `originalUrl` (`/v2/rio/api/v1/…` for `/api/v1/…`). `''` when nothing was
 * stripped, or `req.url` is not what is left of `originalUrl` (rewritten).
 */
function strippedPrefix(req: IncomingMessage, path: string): string {
  const original = (req as { originalUrl?: unknown }).originalUrl
  if (typeof original !== 'string' || original === req.url || !original.startsWith('/')) return ''
  const q = original.indexOf('?')
  const full = q < 0 ? original : original.slice(0, q)
  // The mount path itself (`/rio`) is handed over as `/`.
  if (path === '/' && !full.endsWith('/')) return full
  return full.endsWith(path) ? full.slice(0, full.length - path.length) : ''
}

function send(res: ServerResponse, reply: ApiReply, maxBodyBytes: number): void {
  if (res.headersSent || res.destroyed) return
  let body: string | undefined
  const headers: Record<string, string> = {
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  }
  if (reply.text !== undefined) {
    body = reply.text
    headers['content-type'] = 'text/plain; charset=utf-8'
  } else if (reply.body !== undefined) {
    body = JSON.stringify(reply.body)
    headers['content-type'] = 'application/json; charset=utf-8'
  }
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body))
  // Answered before the request body was read to its end (a 401 before the emit's body, say). A
  // body Rio would have read anyway (announced, at most maxBodyBytes) is read and thrown away, as
  // Node does once the answer is sent, and the connection kept: closing while it still arrives
  // makes the kernel reset the connection, and the client may see the reset, not the answer. A
  // longer or unannounced body, or one already cut off (413), closes the connection instead.
  const req = res.req
  if (req && !req.complete && !(req.readableFlowing === null && announced(req) <= maxBodyBytes)) {
    headers.connection = 'close'
  }
  Object.assign(headers, reply.headers)
  res.writeHead(reply.status, headers)
  res.end(body)
}

/**
 * The request body's announced length, or Infinity when it has none or a bad one, or is chunked
 * (a server with `insecureHTTPParser` accepts both headers).
 */
function announced(req: IncomingMessage): number {
  const length = req.headers['content-length']
  if (length === undefined || req.headers['transfer-encoding'] !== undefined) return Number.POSITIVE_INFINITY
  return /^\d{1,15}$/.test(length) ? Number(length) : Number.POSITIVE_INFINITY
}
