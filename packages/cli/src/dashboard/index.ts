/**
 * Rio's dashboard: a server-rendered, script-free admin UI behind the admin token. Mount it on the
 * standalone server (`rio start` does, at `/dashboard`) or in a host app.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Handler, Rio } from '@rio/core'
import { RioError } from '@rio/core'
import { html, type SafeHtml } from './html.js'
import { Sessions } from './session.js'
import {
  deliveryPage,
  eventPage,
  eventsPage,
  failedPage,
  handlersPage,
  loginPage,
  type PageContext,
  STYLE,
} from './views.js'

/** Options of {@link createDashboardHandler}. */
export interface DashboardOptions {
  /** The admin token(s) that may log in. */
  adminToken: string | readonly string[]
  /** Where it is mounted. @default '/dashboard' */
  basePath?: string
  /** Mark the session cookie `Secure` (serve over https). @default false */
  secureCookies?: boolean
  /** Failed logins per remote address per minute before 429. @default 10 */
  maxFailedLogins?: number
}

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
}
const SPANS: Record<string, number> = { '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000 }

/**
 * Creates the dashboard as a `node:http` handler: events (filter by name and time), an event with
 * its deliveries, a delivery with every attempt and a Retrigger button, failed deliveries, and
 * handlers with enable/disable/recover. Log in with the admin token; state changes are POSTs that
 * need the session's CSRF token; every response carries a strict CSP.
 * @example
 * ```ts
 * const dashboard = createDashboardHandler(rio, { adminToken: process.env.RIO_ADMIN_TOKEN! })
 * createServer((req, res) => (req.url?.startsWith('/dashboard') ? dashboard(req, res) : api(req, res)))
 * ```
 */
export function createDashboardHandler(
  rio: Rio,
  options: DashboardOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const base = (options.basePath ?? '/dashboard').replace(/\/$/, '')
  const sessions = new Sessions(options.adminToken, {
    secure: options.secureCookies ?? false,
    path: base || '/',
  })
  const failures = new Map<string, number[]>()
  const maxFailures = options.maxFailedLogins ?? 10

  const send = (
    res: ServerResponse,
    status: number,
    body: string | SafeHtml,
    type = 'text/html; charset=utf-8',
    extra: Record<string, string> = {},
  ) => {
    res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, ...extra })
    res.end(String(body))
  }
  const redirect = (res: ServerResponse, to: string, extra: Record<string, string> = {}) => {
    res.writeHead(303, { ...SECURITY_HEADERS, location: to, ...extra })
    res.end()
  }
  const readForm = async (req: IncomingMessage): Promise<URLSearchParams> => {
    let size = 0
    const chunks: Buffer[] = []
    for await (const chunk of req) {
      size += (chunk as Buffer).length
      if (size > 16 * 1024) throw new RioError('invalid_argument', 'form too large')
      chunks.push(chunk as Buffer)
    }
    return new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
  }
  const tooManyFailures = (ip: string, now: number) => {
    const recent = (failures.get(ip) ?? []).filter((t) => t > now - 60_000)
    failures.set(ip, recent)
    return recent.length >= maxFailures
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://dashboard')
    if (!url.pathname.startsWith(base)) return send(res, 404, 'not found', 'text/plain')
    const path = url.pathname.slice(base.length) || '/'
    const method = req.method ?? 'GET'
    if (path === '/assets/style.css') return send(res, 200, STYLE, 'text/css; charset=utf-8')
    if (path === '/login') {
      if (method === 'GET') return send(res, 200, loginPage(base))
      if (method !== 'POST') return send(res, 405, 'method not allowed', 'text/plain', { allow: 'GET, POST' })
      const ip = req.socket.remoteAddress ?? '?'
      const now = Date.now()
      if (tooManyFailures(ip, now))
        return send(res, 429, loginPage(base, 'Too many failed attempts; wait a minute.'), undefined, {
          'retry-after': '60',
        })
      const form = await readForm(req)
      if (!sessions.checkToken(form.get('token') ?? '')) {
        failures.get(ip)!.push(now)
        return send(res, 401, loginPage(base, 'That is not the admin token.'))
      }
      return redirect(res, `${base}/`, { 'set-cookie': sessions.create(now) })
    }
    const session = sessions.read(req.headers.cookie)
    if (!session) return redirect(res, `${base}/login`)
    const ctx: PageContext = {
      base,
      csrf: sessions.csrf(session),
      flash: url.searchParams.get('flash') ?? undefined,
    }

    if (method === 'POST') {
      const form = await readForm(req)
      if (!sessions.checkCsrf(session, form.get('csrf')))
        return send(
          res,
          403,
          'forbidden: the form is stale or not from this dashboard; reload the page',
          'text/plain',
        )
      return post(path, form, res)
    }
    if (method !== 'GET') return send(res, 405, 'method not allowed', 'text/plain', { allow: 'GET, POST' })
    return send(res, 200, await page(path, url.searchParams, ctx))
  }

  async function handlerMap(): Promise<Map<string, Handler>> {
    return new Map((await rio.listHandlers()).map((h) => [h.id, h]))
  }

  async function page(path: string, query: URLSearchParams, ctx: PageContext): Promise<SafeHtml> {
    if (path === '/') {
      const name = query.get('name') || undefined
      const since = query.get('since') || undefined
      const before = query.get('before') || undefined
      const events = await rio.listEvents({
        ...(name ? { name } : {}),
        ...(since && SPANS[since] ? { since: new Date(Date.now() - SPANS[since]) } : {}),
        ...(before ? { before } : {}),
        limit: 50,
      })
      return eventsPage(
        { ...ctx, live: !before },
        events,
        { name, since },
        events.length === 50 ? events.at(-1)!.id : null,
      )
    }
    let match = /^\/events\/([^/]+)$/.exec(path)
    if (match) {
      const event = await rio.getEvent(match[1]!)
      return eventPage(
        ctx,
        event,
        await rio.listDeliveries({ eventId: event.id, limit: 1000 }),
        await handlerMap(),
      )
    }
    match = /^\/deliveries\/(\d+)$/.exec(path)
    if (match) {
      const delivery = await rio.getDelivery(match[1]!)
      return deliveryPage(
        ctx,
        delivery,
        await rio.listAttempts(delivery.id),
        (await handlerMap()).get(delivery.handlerId),
      )
    }
    if (path === '/failed') {
      const pending = await rio.listDeliveries({ status: 'pending', limit: 500 })
      return failedPage(
        { ...ctx, live: true },
        await rio.listDeliveries({ status: 'dead', limit: 200 }),
        pending.filter((d) => d.attempts > 0),
        await handlerMap(),
      )
    }
    if (path === '/handlers') return handlersPage({ ...ctx, live: true }, await rio.listHandlers())
    throw new RioError('not_found', `no page ${path}`)
  }

  async function post(path: string, form: URLSearchParams, res: ServerResponse): Promise<void> {
    if (path === '/logout') return redirect(res, `${base}/login`, { 'set-cookie': sessions.clear() })
    let match = /^\/deliveries\/(\d+)\/redeliver$/.exec(path)
    if (match) {
      await rio.redeliver(match[1]!)
      return redirect(
        res,
        `${base}/deliveries/${match[1]}?flash=${encodeURIComponent('Retriggered: the delivery is queued, due now.')}`,
      )
    }
    match = /^\/handlers\/([^/]+)\/(enable|disable|recover)$/.exec(path)
    if (match) {
      const [, id, action] = match as unknown as [string, string, 'enable' | 'disable' | 'recover']
      let flash: string
      if (action === 'recover') {
        const span = SPANS[form.get('since') ?? '7d'] ?? SPANS['7d']!
        const { requeued } = await rio.recover({ handler: id, since: new Date(Date.now() - span) })
        flash = `Re-queued ${requeued} dead deliveries.`
      } else {
        const handler = action === 'enable' ? await rio.enableHandler(id) : await rio.disableHandler(id)
        flash = `${handler.name} is ${handler.enabled ? 'enabled' : 'disabled'}.`
      }
      return redirect(res, `${base}/handlers?flash=${encodeURIComponent(flash)}`)
    }
    throw new RioError('not_found', `no action ${path}`)
  }

  return (req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) return void res.destroy()
      const status =
        error instanceof RioError
          ? error.code === 'not_found'
            ? 404
            : error.code === 'conflict'
              ? 409
              : 400
          : 500
      const message = error instanceof RioError ? error.message : 'something went wrong; see the server log'
      if (!(error instanceof RioError))
        rio.events.safeEmit('error', error instanceof Error ? error : new Error(String(error)))
      send(
        res,
        status,
        html`<!doctype html><title>Rio</title><p>${message}</p><p><a href="${base}/">Back</a></p>`,
      )
    })
  }
}
