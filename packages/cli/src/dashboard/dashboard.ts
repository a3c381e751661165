import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Rio } from '@rio/core'
import { clientKey, RIO_ERROR_STATUS, RioError, RioValidationError } from '@rio/core'
import { findAction } from './actions.js'
import { FAVICON_SVG } from './assets/favicon.js'
import { LIVE_JS } from './assets/live.js'
import { STYLE_CSS } from './assets/style.js'
import { CSRF_FIELD, CsrfTokens, isCrossSite } from './csrf.js'
import { type Flash, FlashCookie } from './flash.js'
import { readForm } from './form.js'
import { SafeHtml } from './html.js'
import { LoginLimiter } from './login-limiter.js'
import { type DashboardOptions, resolveDashboardOptions } from './options.js'
import { findPage } from './pages.js'
import { secureCookiePolicy } from './secure-cookies.js'
import { SECURITY_HEADERS } from './security-headers.js'
import { SESSION_COOKIE, type Session, SessionManager } from './session.js'
import { errorPage, loginPage } from './views/layout.js'
import type { PageContext } from './views/page-context.js'

/**
 * A `node:http` request handler. `next`, when given (Express, Connect), is called for requests
 * outside the dashboard's base path; without it they get 404.
 */
export type DashboardHandler = (req: IncomingMessage, res: ServerResponse, next?: () => void) => void

const ASSETS: Readonly<Record<string, { type: string; body: string }>> = {
  '/assets/style.css': { type: 'text/css; charset=utf-8', body: STYLE_CSS },
  '/assets/live.js': { type: 'text/javascript; charset=utf-8', body: LIVE_JS },
  '/assets/favicon.svg': { type: 'image/svg+xml', body: FAVICON_SVG },
}
const HTML = 'text/html; charset=utf-8'
const LOGIN_WINDOW_MS = 60_000
/** A path below the base to return to: no scheme, no host (`//`, `/\`), printable ASCII only. */
const LOCAL_PATH = /^\/(?![/\\])[\x21-\x5b\x5d-\x7e]{0,1000}$/

/**
 * The request's path below `base` (still percent-encoded) and its query; null when outside it;
 * `mismatch` with the full path the dashboard is really under when a framework routed a request
 * for it from a sub-app, so that basePath misses the sub-app's mount path.
 */
function requestTarget(
  req: IncomingMessage,
  base: string,
): { path: string; search: string } | { mismatch: string } | null {
  let url = req.url ?? '/'
  // Express and Connect strip the mount path from `req.url` and keep the whole URL in `originalUrl`.
  const original = (req as { originalUrl?: unknown }).originalUrl
  const stripped = typeof original === 'string' && original.startsWith('/') && original !== url
  if (stripped) url = original
  if (!url.startsWith('/')) return null
  const q = url.indexOf('?')
  const path = q < 0 ? url : url.slice(0, q)
  const search = q < 0 ? '' : url.slice(q)
  if (!base) return { path, search }
  if (path === base || path.startsWith(`${base}/`)) return { path: path.slice(base.length) || '/', search }
  if (!stripped) return null
  // In a sub-app (`app.use('/ops', sub)`, then `sub.use('/dashboard', dashboard)` or
  // `sub.use(dashboard)`) the client's path is `/ops/dashboard/…`: meant for the dashboard, but
  // every link, redirect and cookie path built from basePath would miss the `/ops`.
  const rest = (req.url ?? '/').split('?', 1)[0]!
  const mount =
    rest === '/' ? path.replace(/\/$/, '') : path.endsWith(rest) ? path.slice(0, -rest.length) : ''
  if (mount.endsWith(base)) return { mismatch: mount }
  if (rest === base || rest.startsWith(`${base}/`)) return { mismatch: `${mount}${base}` }
  return null
}

/** `value` when it is a path below the base to return to, else null (never another site). */
function localPath(value: unknown): string | null {
  return typeof value === 'string' && LOCAL_PATH.test(value) ? value : null
}

/**
 * Creates the dashboard as a plain `node:http` handler; see the module documentation.
 * @param rio - the Rio whose events, deliveries and handlers it shows
 * @param options - see {@link DashboardOptions}
 * @returns the handler; mount it where `basePath` says
 * @throws {@link RioValidationError} (`invalid_options`) for a missing or short admin token or a bad base path
 */
export function createDashboardHandler(rio: Rio, options: DashboardOptions): DashboardHandler {
  const opts = resolveDashboardOptions(options)
  const base = opts.basePath
  const now = () => rio.options.clock.now()
  // Named `rio_session`/`rio_flash`, never `__Host-…`: that prefix needs `Path=/`, and the
  // dashboard is mounted under a base path (`/dashboard` by default).
  const path = base || '/'
  const secure = secureCookiePolicy(opts.secureCookies, opts.publicUrl, opts.trustProxy)
  const sessions = new SessionManager({ adminTokens: opts.adminTokens, ttlMs: opts.sessionTtlMs, now, path })
  const csrf = new CsrfTokens()
  const flashes = new FlashCookie(path)
  const limiter = new LoginLimiter(opts.maxFailedLogins, LOGIN_WINDOW_MS, now)

  function send(
    res: ServerResponse,
    status: number,
    body: string | SafeHtml,
    type = HTML,
    headers: Record<string, string | string[]> = {},
  ): void {
    const text = String(body)
    res.writeHead(status, {
      ...SECURITY_HEADERS,
      'content-type': type,
      'content-length': String(Buffer.byteLength(text)),
      ...headers,
    })
    res.end(text)
  }

  function redirect(res: ServerResponse, to: string, cookies: string[] = []): void {
    res.writeHead(303, {
      ...SECURITY_HEADERS,
      location: `${base}${to}`,
      'content-length': '0',
      ...(cookies.length ? { 'set-cookie': cookies } : {}),
    })
    res.end()
  }

  async function login(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
    if (req.method === 'GET' || req.method === 'HEAD') {
      if (sessions.read(req.headers.cookie)) return redirect(res, localPath(query.get('next')) ?? '/')
      const next = localPath(query.get('next')) ?? undefined
      // The flash a redirect here carried (`You are logged out.`) is shown once, like on any page.
      const flash = req.headers['x-rio-live'] === '1' ? null : flashes.read(req.headers.cookie)
      const page = loginPage(base, { ...(next ? { next } : {}), ...(flash ? { flash } : {}) })
      return send(res, 200, page, HTML, flash ? { 'set-cookie': flashes.clear(secure(req)) } : {})
    }
    if (req.method !== 'POST')
      return send(res, 405, 'method not allowed', 'text/plain', { allow: 'GET, POST' })
    if (isCrossSite(req))
      return send(res, 403, errorPage(null, base, 403, 'Log in from the dashboard itself.'))
    // The same client key as the API's failed-authentication limit (an IPv6 /64 counts as one),
    // behind proxies too.
    const address = clientKey(req, opts.trustProxy)
    // Counted as a failure before the body is read, so concurrent guesses cannot all be checked.
    const attempt = limiter.attempt(address)
    if ('retryAfter' in attempt) {
      const wait = attempt.retryAfter
      const error = `Too many failed logins from your address; try again in ${wait} s.`
      return send(res, 429, loginPage(base, { error }), HTML, { 'retry-after': String(wait) })
    }
    const form = await readForm(req)
    const next = localPath(form.get('next')) ?? undefined
    if (!sessions.checkToken(form.get('token') ?? '')) {
      const error = 'That is not the admin token.'
      return send(res, 401, loginPage(base, { error, ...(next ? { next } : {}) }))
    }
    attempt.succeeded()
    return redirect(res, next ?? '/', [sessions.create(secure(req)).setCookie, flashes.clear(secure(req))])
  }

  async function act(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    session: Session,
  ): Promise<void> {
    const forbidden = (message: string) => send(res, 403, errorPage(null, base, 403, message))
    if (isCrossSite(req)) return forbidden('Refused: the form was sent from another site.')
    const form = await readForm(req)
    if (!csrf.verify(session, form.get(CSRF_FIELD))) {
      return forbidden(
        'Refused: the form is stale or not from this dashboard. Reload the page and try again.',
      )
    }
    if (path === '/logout') {
      return redirect(res, '/login', [
        sessions.end(session, secure(req)),
        flashes.set({ kind: 'ok', message: 'You are logged out.' }, secure(req)),
      ])
    }
    const found = findAction(path)
    if (!found) throw new RioError('not_found', `no such action: ${path}`)
    const back = localPath(form.get('back')) ?? found.action.fallback(found.params)
    let flash: Flash
    try {
      flash = { kind: 'ok', message: await found.action.run(rio, found.params, form, now()) }
    } catch (error) {
      // An expected refusal (gone, in flight, bad input) is told on the page the admin came from.
      if (!(error instanceof RioError) || RIO_ERROR_STATUS[error.code] >= 500) throw error
      flash = { kind: 'error', message: error.message }
    }
    return redirect(res, back, [flashes.set(flash, secure(req))])
  }

  async function show(
    req: IncomingMessage,
    res: ServerResponse,
    target: { path: string; search: string },
    ctx: PageContext,
  ): Promise<void> {
    const found = findPage(target.path)
    if (!found) throw new RioError('not_found', `no such page: ${target.path}`)
    const page = await found.page.render(rio, found.params, new URLSearchParams(target.search), ctx)
    const { status, body } = page instanceof SafeHtml ? { status: 200, body: page } : page
    send(res, status, body, HTML, ctx.flash ? { 'set-cookie': flashes.clear(secure(req)) } : {})
  }

  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    target: { path: string; search: string },
  ): Promise<void> {
    const { path, search } = target
    const method = req.method ?? 'GET'
    const asset = ASSETS[path]
    if (asset) {
      if (method !== 'GET' && method !== 'HEAD')
        return send(res, 405, 'method not allowed', 'text/plain', { allow: 'GET' })
      return send(res, 200, asset.body, asset.type)
    }
    if (path === '/login') return login(req, res, new URLSearchParams(search))

    const session = sessions.read(req.headers.cookie)
    if (!session) {
      // Back to the page asked for after logging in; an action is not repeated, its form is reloaded.
      const here = method === 'GET' && path !== '/' ? `${path}${search}` : null
      const stale = req.headers.cookie?.includes(`${SESSION_COOKIE}=`) ? [sessions.clear(secure(req))] : []
      return redirect(res, here ? `/login?next=${encodeURIComponent(here)}` : '/login', stale)
    }
    if (method === 'POST') return act(req, res, path, session)
    if (method !== 'GET' && method !== 'HEAD') {
      return send(res, 405, 'method not allowed', 'text/plain', { allow: 'GET, HEAD, POST' })
    }
    // The live refresh's fetches leave the flash for the page the admin actually looks at.
    const live = req.headers['x-rio-live'] === '1'
    const ctx: PageContext = {
      base,
      here: `${path}${search}`,
      csrf: csrf.tokenFor(session),
      flash: live ? null : flashes.read(req.headers.cookie),
      refreshMs: opts.refreshIntervalMs,
    }
    try {
      await show(req, res, target, ctx)
    } catch (error) {
      if (!(error instanceof RioError) || res.headersSent) throw error
      const status = RIO_ERROR_STATUS[error.code]
      if (status >= 500) throw error
      send(res, status, errorPage({ ...ctx, flash: null }, base, status, error.message))
    }
  }

  /** Reports a host set-up the dashboard cannot serve; nothing is done for the request. */
  function misplaced(message: string): void {
    rio.events.safeEmit('error', new RioValidationError('invalid_options', message))
  }

  return (req, res, next) => {
    const target = requestTarget(req, base)
    if (!target) {
      if (next) return next()
      return send(res, 404, 'not found', 'text/plain; charset=utf-8')
    }
    if (res.headersSent) {
      // An earlier middleware answered and still passed the request on: acting on it (a retrigger,
      // a disable) would change things while the admin was shown something else.
      return misplaced(
        `${String(req.method).slice(0, 20)} ${String(req.url).split('?', 1)[0]!.slice(0, 200)} reached the dashboard already answered by an earlier middleware, which then called next(); the dashboard left it alone. Call next() only for requests you do not answer`,
      )
    }
    if ('mismatch' in target) {
      // Mounted in a sub-app (`/ops` + `/dashboard`) or at another path than basePath: every link,
      // redirect and cookie would point at the wrong place, so say how to fix it instead.
      misplaced(
        `the dashboard is mounted at ${target.mismatch.slice(0, 200)} but its basePath is ${base}, so its links, redirects and cookies would miss: set basePath to "${target.mismatch.slice(0, 200)}" (the full path the browser uses, sub-app mount paths included)`,
      )
      return send(
        res,
        500,
        errorPage(null, base, 500, 'Something went wrong; the server log has the details.'),
      )
    }
    handle(req, res, target).catch((error: unknown) => {
      if (res.headersSent) return void res.destroy()
      if (error instanceof RioError && RIO_ERROR_STATUS[error.code] < 500) {
        const status = RIO_ERROR_STATUS[error.code]
        return send(res, status, errorPage(null, base, status, error.message))
      }
      rio.events.safeEmit('error', error instanceof Error ? error : new Error(String(error)))
      send(res, 500, errorPage(null, base, 500, 'Something went wrong; the server log has the details.'))
    })
  }
}
