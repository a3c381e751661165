/**
 * Rio's dashboard: a server-rendered admin UI for people on call. Log in with the admin token, then
 * see events (filter by name, project and time range), an event's payload and deliveries, a
 * delivery's every attempt with a Retrigger button, the failed deliveries (dead and retrying), and
 * the handlers with Enable/Disable and Recover (re-queue dead deliveries of the last hour, day or
 * week). Lists refresh themselves every few seconds.
 *
 * It is a plain `node:http` handler: `rio start` mounts it at `/dashboard`; a host app mounts it in
 * its own server, Express or Fastify. Security: the session is an HttpOnly, SameSite=Strict cookie
 * signed per process, with an expiry, and `Secure` when served over https (`secureCookies`); every
 * POST needs the session's CSRF token; failed logins are rate-limited per address (behind reverse
 * proxies, the forwarded one: `trustProxy`); every value is
 * HTML-escaped; every response carries a strict CSP (no inline script or style), `nosniff`,
 * `no-referrer`, `DENY` framing and `no-store`.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http'
 * import { createDashboardHandler } from '@rio/cli/dashboard'
 *
 * const dashboard = createDashboardHandler(rio, { adminToken: process.env.RIO_ADMIN_TOKEN! })
 * const api = rio.handler({ adminToken: process.env.RIO_ADMIN_TOKEN })
 * createServer((req, res) => dashboard(req, res, () => api(req, res))).listen(8009)
 *
 * // Express behind an https proxy: the public URL's scheme marks the cookies Secure
 * app.use('/dashboard', createDashboardHandler(rio, { adminToken, publicUrl: 'https://ops.example.com' }))
 * ```
 * @module
 */

export type { DashboardHandler } from './dashboard.js'
export { createDashboardHandler } from './dashboard.js'
export type { DashboardOptions } from './options.js'
