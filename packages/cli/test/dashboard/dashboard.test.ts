import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { type AddressInfo, connect } from 'node:net'
import express, { type RequestHandler } from 'express'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { type Receiver, startReceiver } from '../../../../test/support/receiver.js'
import { ManualClock, type Rio, RioValidationError } from '../../../core/src/index.js'
import { makeRio, onCleanup, waitUntil } from '../../../core/test/helpers.js'
import * as entry from '../../src/dashboard/index.js'
import { createDashboardHandler, type DashboardHandler } from '../../src/dashboard/index.js'
import { AdminClient, cookieOf, postLogin, serveDashboard } from './serve.js'

const TOKEN = 'dashboard-admin-token-0123456789'
const CSP =
  "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

async function receiver(): Promise<Receiver> {
  const r = await startReceiver()
  onCleanup(() => r.close())
  return r
}

/** A started Rio whose `antispam` webhook answers 500 once and is out of attempts (dead). */
async function withDeadDelivery(payload: unknown = { content: 'hi' }) {
  const r = await receiver()
  r.respond(() => ({ status: 500, body: '<b>down</b>' }))
  const rio = makeRio({ retrySchedule: [0] })
  const handler = await rio.webhook('comment-published', { url: r.url, name: 'antispam' })
  await rio.start()
  const { id: eventId } = await rio.emit('comment-published', payload)
  const [delivery] = await waitUntil(async () => {
    const dead = await rio.listDeliveries({ status: 'dead' })
    return dead.length === 1 ? dead : null
  }, 'a dead delivery')
  return { rio, receiver: r, handler, eventId, delivery: delivery! }
}

function expectSecurityHeaders(res: Response, what: string): void {
  expect(res.headers.get('content-security-policy'), what).toBe(CSP)
  expect(res.headers.get('x-content-type-options'), what).toBe('nosniff')
  expect(res.headers.get('referrer-policy'), what).toBe('no-referrer')
  expect(res.headers.get('x-frame-options'), what).toBe('DENY')
  expect(res.headers.get('cache-control'), what).toBe('no-store')
}

describe('dashboard login', () => {
  it('redirects to the login page when there is no session, keeping the page asked for', async () => {
    const base = await serveDashboard(makeRio(), { adminToken: TOKEN })
    const root = await fetch(`${base}/`, { redirect: 'manual' })
    expect(root.status).toBe(303)
    expect(root.headers.get('location')).toBe('/dashboard/login')
    const failed = await fetch(`${base}/failed?dead_before=9`, { redirect: 'manual' })
    expect(failed.headers.get('location')).toBe(
      `/dashboard/login?next=${encodeURIComponent('/failed?dead_before=9')}`,
    )
    const form = await fetch(`${base}/login?next=%2Ffailed`)
    expect(form.status).toBe(200)
    const html = await form.text()
    expect(html).toContain('<input id="token" type="password" name="token"')
    expect(html).toContain('name="next" value="/failed"')
  })

  it('answers a wrong token with 401 and the login page, and no session', async () => {
    const base = await serveDashboard(makeRio(), { adminToken: TOKEN })
    const wrong = await postLogin(base, `${TOKEN}x`)
    expect(wrong.status).toBe(401)
    expect(
      wrong.headers.getSetCookie().filter((c) => c.startsWith('rio_session=') && !c.includes('Max-Age=0')),
    ).toEqual([])
    expect(await wrong.text()).toContain('That is not the admin token.')
    expect((await postLogin(base, '')).status).toBe(401)
  })

  it('logs in with any of the admin tokens: HttpOnly, SameSite=Strict, path-scoped cookie with an expiry', async () => {
    const other = 'second-admin-token-abcdefghijk'
    const base = await serveDashboard(makeRio(), { adminToken: [TOKEN, other] })
    for (const token of [TOKEN, other]) {
      const res = await postLogin(base, token)
      expect(res.status).toBe(303)
      expect(res.headers.get('location')).toBe('/dashboard/')
      const cookie = res.headers.getSetCookie().find((c) => c.startsWith('rio_session='))!
      expect(cookie).toMatch(/; HttpOnly/)
      expect(cookie).toMatch(/; SameSite=Strict/)
      expect(cookie).toMatch(/; Path=\/dashboard;/)
      expect(cookie).toMatch(/; Max-Age=28800;/)
      expect(cookie).not.toMatch(/Secure/)
      const page = await fetch(`${base}/`, { headers: { cookie: cookie.split(';')[0]! }, redirect: 'manual' })
      expect(page.status).toBe(200)
    }
    const secure = await serveDashboard(makeRio(), {
      adminToken: TOKEN,
      basePath: '/ops/rio',
      secureCookies: true,
    })
    const cookie = (await postLogin(secure, TOKEN)).headers
      .getSetCookie()
      .find((c) => c.startsWith('rio_session='))
    expect(cookie).toMatch(/; Path=\/ops\/rio; .*; Secure$/)
  })

  it('returns to the page asked for after logging in, never to another site', async () => {
    const base = await serveDashboard(makeRio(), { adminToken: TOKEN })
    const login = (next: string) =>
      fetch(`${base}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: TOKEN, next }).toString(),
        redirect: 'manual',
      })
    expect((await login('/failed')).headers.get('location')).toBe('/dashboard/failed')
    for (const evil of [
      '//evil.example',
      '/\\evil.example',
      'https://evil.example',
      '/x\r\nset-cookie: a=b',
    ]) {
      expect((await login(evil)).headers.get('location'), evil).toBe('/dashboard/')
    }
  })

  it('refuses forged, altered, expired and logged-out sessions', async () => {
    const clock = new ManualClock()
    const rio = makeRio({ clock })
    const base = await serveDashboard(rio, { adminToken: TOKEN, sessionTtlMs: 3_600_000 })
    const admin = await AdminClient.login(base, TOKEN)
    const [expiry, id, mac] = admin.cookie.slice('rio_session='.length).split('.')
    const rejected = async (cookie: string, what: string) => {
      const res = await fetch(`${base}/`, { headers: { cookie }, redirect: 'manual' })
      expect(res.status, what).toBe(303)
      expect(res.headers.get('location'), what).toBe('/dashboard/login')
    }
    await rejected(`rio_session=9999999999999.${id}.${mac}`, 'a later expiry with the old signature')
    await rejected(`rio_session=${expiry}.${'A'.repeat(22)}.${mac}`, 'another session id')
    await rejected(`rio_session=${expiry}.${id}.${'A'.repeat(43)}`, 'a forged signature')
    await rejected('rio_session=admin', 'garbage')

    // Another process (or a restart) signs with another key: its cookies are refused.
    const elsewhere = await serveDashboard(rio, { adminToken: TOKEN })
    await rejected((await AdminClient.login(elsewhere, TOKEN)).cookie, 'a cookie from another process')

    expect((await admin.get('/')).status).toBe(200)
    await clock.advance(3_600_000)
    await rejected(admin.cookie, 'an expired session')

    const again = await AdminClient.login(base, TOKEN)
    const copy = again.cookie
    const out = await again.post('/logout', { csrf: await again.csrf() })
    expect(out.status).toBe(303)
    expect(out.headers.get('location')).toBe('/dashboard/login')
    expect(out.headers.getSetCookie().find((c) => c.startsWith('rio_session='))).toMatch(
      /^rio_session=; .*Max-Age=0/,
    )
    await rejected(copy, 'a session after logging out')
  })

  it('says "You are logged out." once on the login page after logging out, then never again', async () => {
    const base = await serveDashboard(makeRio(), { adminToken: TOKEN })
    const admin = await AdminClient.login(base, TOKEN)
    // A browser's cookie jar: Set-Cookie replaces a cookie, Max-Age=0 deletes it.
    const jar = new Map([admin.cookie.split('=') as [string, string]])
    const keep = (res: Response) => {
      for (const set of res.headers.getSetCookie()) {
        const [pair] = set.split(';')
        const at = pair!.indexOf('=')
        if (/; Max-Age=0(;|$)/.test(set)) jar.delete(pair!.slice(0, at))
        else jar.set(pair!.slice(0, at), pair!.slice(at + 1))
      }
    }
    const visit = async (path: string) => {
      const res = await fetch(`${new URL(base).origin}${path}`, {
        headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') },
        redirect: 'manual',
      })
      keep(res)
      return { status: res.status, html: await res.text() }
    }
    const out = await admin.post('/logout', { csrf: await admin.csrf() })
    expect(out.status).toBe(303)
    keep(out)
    expect([...jar.keys()]).toEqual(['rio_flash'])

    const shown = await visit(out.headers.get('location')!)
    expect(shown.status).toBe(200)
    expect(shown.html.split('You are logged out.')).toHaveLength(2)
    expect(shown.html).toContain('<p class="flash ok" role="status">You are logged out.</p>')
    expect(shown.html).toContain('<input id="token" type="password" name="token"')
    expect(jar.size).toBe(0)

    const reloaded = await visit('/dashboard/login')
    expect(reloaded.status).toBe(200)
    expect(reloaded.html).not.toContain('You are logged out.')
    expect(reloaded.html).not.toContain('class="flash')
  })

  it('escapes a flash message shown on the login page', async () => {
    const base = await serveDashboard(makeRio(), { adminToken: TOKEN })
    const admin = await AdminClient.login(base, TOKEN)
    // A refused retrigger's flash echoes the id asked for: markup, as far as the dashboard knows.
    const res = await admin.post(`/deliveries/${encodeURIComponent('<img src=x>')}/redeliver`, {
      csrf: await admin.csrf(),
    })
    const flash = cookieOf(res, 'rio_flash')!
    const html = await (await fetch(`${base}/login`, { headers: { cookie: flash } })).text()
    expect(html).toContain('delivery &quot;&lt;img src=x&gt;&quot; does not exist')
    expect(html).not.toContain('<img src=x>')
  })

  it('answers 429 with Retry-After after too many failed logins from one address, until the window ends', async () => {
    const clock = new ManualClock()
    const base = await serveDashboard(makeRio({ clock }), { adminToken: TOKEN, maxFailedLogins: 3 })
    for (let i = 0; i < 3; i++) expect((await postLogin(base, 'wrong-token-000000')).status).toBe(401)
    const limited = await postLogin(base, 'wrong-token-000000')
    expect(limited.status).toBe(429)
    expect(limited.headers.get('retry-after')).toBe('60')
    expect(await limited.text()).toContain('Too many failed logins')
    // Even the right token waits: otherwise guessing could go on.
    expect((await postLogin(base, TOKEN)).status).toBe(429)
    await clock.advance(60_000)
    expect((await postLogin(base, TOKEN)).status).toBe(303)
  })

  it('counts failed logins per forwarded client with trustProxy, ignoring entries the client wrote further left', async () => {
    const base = await serveDashboard(makeRio(), { adminToken: TOKEN, maxFailedLogins: 3, trustProxy: 1 })
    const from = (forwardedFor: string) => ({ 'x-forwarded-for': forwardedFor })
    expect((await postLogin(base, 'wrong-token-000000', from('203.0.113.7'))).status).toBe(401)
    // A new spoofed leftmost entry for every guess is still the same client.
    expect((await postLogin(base, 'wrong-token-000000', from('1.1.1.1, 203.0.113.7'))).status).toBe(401)
    expect((await postLogin(base, 'wrong-token-000000', from('1.1.1.2,203.0.113.7'))).status).toBe(401)
    const limited = await postLogin(base, TOKEN, from('1.1.1.3, 203.0.113.7'))
    expect(limited.status).toBe(429)
    expect(await limited.text()).toContain('Too many failed logins')
    // Another client behind the same proxy (the same TCP peer) still logs in.
    expect((await postLogin(base, TOKEN, from('203.0.113.8'))).status).toBe(303)
    // An entry that is not an address is not trusted: the peer address counts.
    for (let i = 0; i < 3; i++)
      expect((await postLogin(base, 'wrong-token-000000', from('unknown'))).status).toBe(401)
    expect((await postLogin(base, TOKEN)).status).toBe(429)
    expect((await postLogin(base, TOKEN, from('203.0.113.9'))).status).toBe(303)
  })

  it('counts an IPv6 client by its /64, as the API does, so rotating addresses does not reset the count', async () => {
    const base = await serveDashboard(makeRio(), { adminToken: TOKEN, maxFailedLogins: 3, trustProxy: 1 })
    const from = (address: string) => ({ 'x-forwarded-for': address })
    for (const address of ['2001:db8:1:2::1', '2001:db8:1:2::2', '2001:0DB8:0001:0002:ffff::3'])
      expect((await postLogin(base, 'wrong-token-000000', from(address))).status).toBe(401)
    expect((await postLogin(base, TOKEN, from('2001:db8:1:2::4'))).status).toBe(429)
    // Another /64 is another client.
    expect((await postLogin(base, TOKEN, from('2001:db8:1:3::1'))).status).toBe(303)
  })

  it('ignores X-Forwarded-For without trustProxy (the default): every client counts as the peer address', async () => {
    for (const options of [{}, { trustProxy: 0 }]) {
      const base = await serveDashboard(makeRio(), { adminToken: TOKEN, maxFailedLogins: 2, ...options })
      expect((await postLogin(base, 'wrong-token-000000', { 'x-forwarded-for': '203.0.113.1' })).status).toBe(
        401,
      )
      expect((await postLogin(base, 'wrong-token-000000', { 'x-forwarded-for': '203.0.113.2' })).status).toBe(
        401,
      )
      expect((await postLogin(base, TOKEN, { 'x-forwarded-for': '203.0.113.3' })).status).toBe(429)
    }
  })

  it('checks at most the allowed number of guesses sent at once, their bodies still arriving (the rest get 429)', async () => {
    const handler = createDashboardHandler(makeRio(), { adminToken: TOKEN, maxFailedLogins: 3 })
    let seen = 0
    const server = createServer((req, res) => {
      seen++
      handler(req, res)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    onCleanup(() => {
      server.closeAllConnections()
      return new Promise<void>((resolve) => server.close(() => resolve()))
    })
    const { port } = server.address() as AddressInfo
    const body = 'token=wrong-token-0000000000'
    // Every request's headers arrive first; the bodies only once the server has seen them all.
    const sockets = Array.from({ length: 20 }, () => {
      const socket = connect(port, '127.0.0.1')
      socket.on('error', () => {}) // a refused guess's socket may close before its body is written
      socket.write(
        `POST /dashboard/login HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n`,
      )
      let answer = ''
      socket.on('data', (chunk) => (answer += chunk))
      const status = new Promise<string>((resolve) =>
        socket.on('close', () => resolve(answer.split(' ')[1]!)),
      )
      return { socket, status }
    })
    await waitUntil(() => seen === 20, 'every request started')
    for (const { socket } of sockets) if (socket.writable) socket.write(body)
    const statuses = await Promise.all(sockets.map((s) => s.status))
    expect(statuses.filter((s) => s === '401')).toHaveLength(3)
    expect(statuses.filter((s) => s === '429')).toHaveLength(17)
    // A right token after a wrong one does not count against the address.
    const clock = new ManualClock()
    const base = await serveDashboard(makeRio({ clock }), { adminToken: TOKEN, maxFailedLogins: 2 })
    expect((await postLogin(base, 'wrong-token-000000')).status).toBe(401)
    for (let i = 0; i < 3; i++) expect((await postLogin(base, TOKEN)).status).toBe(303)
    expect((await postLogin(base, 'wrong-token-000000')).status).toBe(401)
    expect((await postLogin(base, 'wrong-token-000000')).status).toBe(429)
  })

  it('refuses a login posted from another site', async () => {
    const base = await serveDashboard(makeRio(), { adminToken: TOKEN })
    const res = await postLogin(base, TOKEN, { 'sec-fetch-site': 'cross-site' })
    expect(res.status).toBe(403)
    expect(cookieOf(res, 'rio_session')).toBeUndefined()
  })

  it('refuses options that would let anyone in', () => {
    const rio = makeRio()
    for (const adminToken of ['', 'short', [], ['has a space in it.....']]) {
      expect(() => createDashboardHandler(rio, { adminToken })).toThrow(RioValidationError)
    }
    expect(() => createDashboardHandler(rio, { adminToken: TOKEN, basePath: 'dashboard/' })).toThrow(
      /basePath/,
    )
    for (const trustProxy of [-1, 1.5, 11, Number.NaN]) {
      expect(
        () => createDashboardHandler(rio, { adminToken: TOKEN, trustProxy }),
        String(trustProxy),
      ).toThrow(/invalid dashboard options: trustProxy: trustProxy is a whole number from 0 to 10/)
    }
  })
})

describe('dashboard security', () => {
  it('sends the security headers on every response: pages, assets, redirects, errors', async () => {
    const { rio, delivery, eventId } = await withDeadDelivery()
    const base = await serveDashboard(rio, { adminToken: TOKEN })
    const admin = await AdminClient.login(base, TOKEN)
    const csrf = await admin.csrf()
    const responses: Array<[string, Response]> = [
      ['login page', await fetch(`${base}/login`)],
      ['redirect to login', await fetch(`${base}/`, { redirect: 'manual' })],
      ['wrong token', await postLogin(base, 'wrong-token-000000')],
      ['login', await postLogin(base, TOKEN)],
      ['stylesheet', await fetch(`${base}/assets/style.css`)],
      ['script', await fetch(`${base}/assets/live.js`)],
      ['icon', await fetch(`${base}/assets/favicon.svg`)],
      ['not found', await admin.get('/nope')],
      ['unknown event', await admin.get('/events/nope')],
      ['405', await fetch(`${base}/`, { method: 'PUT', headers: { cookie: admin.cookie } })],
      ['403', await admin.post(`/deliveries/${delivery.id}/redeliver`, {})],
      ['action', await admin.post(`/handlers/${delivery.handlerId}/disable`, { csrf })],
      ['outside the base', await fetch(`${base.replace('/dashboard', '')}/elsewhere`)],
    ]
    for (const path of ['/', `/events/${eventId}`, `/deliveries/${delivery.id}`, '/failed', '/handlers']) {
      responses.push([path, await admin.get(path)])
    }
    for (const [what, res] of responses) expectSecurityHeaders(res, what)
    expect((await fetch(`${base}/assets/live.js`)).headers.get('content-type')).toBe(
      'text/javascript; charset=utf-8',
    )
    expect((await fetch(`${base}/assets/style.css`)).headers.get('content-type')).toBe(
      'text/css; charset=utf-8',
    )
  })

  it('renders payloads, response bodies and echoed input as inert text', async () => {
    const xss = '<script>alert(1)</script>'
    const { rio, delivery, eventId } = await withDeadDelivery({
      content: xss,
      "a'b": '"><img src=x onerror=alert(2)>',
    })
    const base = await serveDashboard(rio, { adminToken: TOKEN })
    const admin = await AdminClient.login(base, TOKEN)
    const pages = [
      '/',
      `/events/${eventId}`,
      `/deliveries/${delivery.id}`,
      '/failed',
      `/?name=${encodeURIComponent(`"><script>alert(3)</script>`)}`,
      `/events/${encodeURIComponent(xss)}`,
    ]
    for (const path of pages) {
      const html = await (await admin.get(path)).text()
      expect(html, path).not.toMatch(/<script>alert|<img src=x|<b>down/)
      // The only script is the dashboard's own file.
      expect(html.match(/<script/g) ?? [], path).toHaveLength(path.startsWith('/events/%3C') ? 0 : 1)
    }
    expect(await admin.page(`/events/${eventId}`)).toContain(
      '&quot;content&quot;: &quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;',
    )
    expect(await admin.page(`/deliveries/${delivery.id}`)).toContain('&lt;b&gt;down&lt;/b&gt;')
    expect(await admin.page(`/?name=${encodeURIComponent('"><script>')}`)).toContain(
      'value="&quot;&gt;&lt;script&gt;"',
    )
  })

  it('refuses every POST without the session’s CSRF token (403) and changes nothing', async () => {
    const { rio, delivery, handler } = await withDeadDelivery()
    const base = await serveDashboard(rio, { adminToken: TOKEN })
    const admin = await AdminClient.login(base, TOKEN)
    const other = await AdminClient.login(base, TOKEN)
    const csrf = await admin.csrf()
    const foreign = await other.csrf()
    expect(foreign).not.toBe(csrf)
    const actions = [
      `/deliveries/${delivery.id}/redeliver`,
      `/handlers/${handler.id}/disable`,
      `/handlers/${handler.id}/recover`,
      '/logout',
    ]
    for (const action of actions) {
      for (const [what, fields] of [
        ['no token', { since: '7d' }],
        ['a wrong token', { csrf: 'forged', since: '7d' }],
        ['another session’s token', { csrf: foreign, since: '7d' }],
        ['an empty token', { csrf: '', since: '7d' }],
      ] as const) {
        const res = await admin.post(action, fields)
        expect(res.status, `${action} with ${what}`).toBe(403)
        expect(await res.text()).toContain('Refused')
      }
      // The right token from a page of another site is refused too (the browser says so).
      expect(
        (await admin.post(action, { csrf, since: '7d' }, { 'sec-fetch-site': 'cross-site' })).status,
      ).toBe(403)
    }
    expect((await rio.getDelivery(delivery.id)).status).toBe('dead')
    expect((await rio.getHandler(handler.id)).enabled).toBe(true)
    expect((await admin.get('/')).status).toBe(200)
  })
})

describe('dashboard pages', () => {
  it('lists events newest first, filtered by name, project and time range, a page at a time', async () => {
    const clock = new ManualClock(Date.parse('2026-03-01T10:00:00Z'))
    const rio = makeRio({ clock })
    await rio.createProject('billing')
    for (let i = 0; i < 53; i++) {
      await rio.emit(i % 2 ? 'comment-published' : 'user-signed-up', { i })
      await clock.advance(60_000)
    }
    await rio.emit('invoice-paid', { amount: 3 }, { project: 'billing' })
    const base = await serveDashboard(rio, { adminToken: TOKEN })
    const admin = await AdminClient.login(base, TOKEN)
    const order = (html: string) =>
      [...html.matchAll(/<code>\{&quot;i&quot;:(\d+)\}<\/code>/g)].map((m) => Number(m[1]))

    const first = await admin.page('/')
    expect(first).toContain('invoice-paid')
    expect(order(first)).toEqual(Array.from({ length: 49 }, (_, k) => 52 - k))
    const older = /href="\/dashboard\/\?before=([^"]+)">Older/.exec(first)
    expect(older).not.toBeNull()
    const second = await admin.page(`/?before=${older![1]}`)
    expect(order(second)).toEqual([3, 2, 1, 0])
    expect(second).not.toContain('Older')
    expect(second).toContain('← Newest')

    const named = await admin.page('/?name=comment-published')
    expect(order(named)).toEqual(Array.from({ length: 26 }, (_, k) => 51 - 2 * k))
    expect(await admin.page('/?project=billing')).toContain('invoice-paid')
    expect(order(await admin.page('/?project=billing'))).toEqual([])
    // From 10:10 to 10:12 (UTC, inclusive): the events emitted at minutes 10, 11 and 12.
    expect(order(await admin.page('/?from=2026-03-01T10:10&to=2026-03-01T10:12'))).toEqual([12, 11, 10])
    const bad = await admin.get('/?from=yesterday')
    expect(bad.status).toBe(400)
    expect(await bad.text()).toContain('&quot;from&quot; must be a date and time')
  })

  it('shows an event’s payload as indented JSON and its deliveries with their handlers', async () => {
    const { rio, eventId, delivery } = await withDeadDelivery({ content: 'hello', tags: ['a'] })
    const base = await serveDashboard(rio, { adminToken: TOKEN })
    const admin = await AdminClient.login(base, TOKEN)
    const html = await admin.page(`/events/${eventId}`)
    expect(html).toContain(
      '<pre class="json" role="region" aria-labelledby="payload-heading" tabindex="0">{\n  &quot;content&quot;: &quot;hello&quot;,\n  &quot;tags&quot;: [\n    &quot;a&quot;\n  ]\n}</pre>',
    )
    expect(html).toMatch(new RegExp(`data-delivery="${delivery.id}">[\\s\\S]*antispam[\\s\\S]*badge dead`))
    const list = await admin.page('/')
    expect(list).toContain('<span class="badge dead">1 dead</span>')
  })

  it('shows every attempt of a delivery: time, HTTP status, duration, response excerpt, error', async () => {
    const r = await receiver()
    r.respond((_req, n) =>
      n === 1 ? { status: 503, body: 'maintenance until 10:00' } : { status: 200, body: 'thanks' },
    )
    const rio = makeRio({ retrySchedule: [0, 0] })
    await rio.webhook('x', { url: r.url, name: 'flaky' })
    // Nothing listens on port 9 of 127.0.0.1: every attempt fails before a response.
    await rio.webhook('x', { url: 'http://user:hunter2@127.0.0.1:9/hook?token=s3cret', name: 'nowhere' })
    await rio.start()
    const { id } = await rio.emit('x', {})
    await waitUntil(
      async () => (await rio.listDeliveries({ eventId: id, status: ['succeeded', 'dead'] })).length === 2,
      'both deliveries finished',
    )
    const base = await serveDashboard(rio, { adminToken: TOKEN })
    const admin = await AdminClient.login(base, TOKEN)
    const [nowhere, flaky] = await rio.listDeliveries({ eventId: id })
    const ok = await admin.page(`/deliveries/${flaky!.id}`)
    expect(ok).toContain('<span class="badge succeeded">succeeded</span>')
    expect(ok).toContain('<span class="badge dead">503</span>')
    expect(ok).toContain('maintenance until 10:00')
    expect(ok).toContain('<span class="badge succeeded">200</span>')
    expect(ok).toMatch(/<td class="num">\d+ ms<\/td>/)
    expect(ok).toMatch(/<time datetime="\d{4}-\d\d-\d\dT/)
    const failed = await admin.page(`/deliveries/${nowhere!.id}`)
    expect(failed).toMatch(/class="error-text">[^<]*(ECONNREFUSED|refused)/i)
    expect(failed).not.toContain('hunter2')
    expect(failed).not.toContain('s3cret')
    expect(failed).toContain('>Retrigger</button>')
  })

  it('shows dead and retrying deliveries on the failed view, not the ones that succeeded', async () => {
    const r = await receiver()
    r.respond((req) => ({ status: req.path.startsWith('/ok') ? 200 : 500 }))
    const rio = makeRio()
    await rio.webhook('x', { url: `${r.url}/dead`, name: 'gives-up', retrySchedule: [0] })
    await rio.webhook('x', { url: `${r.url}/later`, name: 'tries-again', retrySchedule: [0, 3_600_000] })
    await rio.webhook('x', { url: `${r.url}/ok`, name: 'fine' })
    await rio.start()
    const { id } = await rio.emit('x', {})
    await waitUntil(async () => {
      const ds = await rio.listDeliveries({ eventId: id })
      return ds.every((d) => d.attempts > 0 && d.status !== 'in_flight')
    }, 'one attempt each')
    const byName = new Map<string, string>()
    for (const h of await rio.listHandlers()) byName.set(h.name, h.id)
    const deliveries = await rio.listDeliveries({ eventId: id })
    const of = (name: string) => deliveries.find((d) => d.handlerId === byName.get(name))!
    const base = await serveDashboard(rio, { adminToken: TOKEN })
    const html = await (await AdminClient.login(base, TOKEN)).page('/failed')
    const [dead, retrying] = html.split('<h2>Retrying')
    expect(dead).toContain(`data-delivery="${of('gives-up').id}"`)
    expect(dead).toContain('<span class="badge dead">dead</span>')
    expect(retrying).toContain(`data-delivery="${of('tries-again').id}"`)
    expect(retrying).toContain('<span class="badge retrying">retrying</span>')
    expect(html).not.toContain(`data-delivery="${of('fine').id}"`)
    expect(html.match(/>Retrigger<\/button>/g)).toHaveLength(2)
  })

  it('offers no Retrigger for a delivery whose handler was removed, on the delivery, event and failed pages', async () => {
    const { rio, handler, delivery, eventId } = await withDeadDelivery()
    await rio.removeHandler(handler.id)
    expect((await rio.getDelivery(delivery.id)).status).toBe('dead') // finished work is not cancelled
    const admin = await AdminClient.login(await serveDashboard(rio, { adminToken: TOKEN }), TOKEN)
    const page = await admin.page(`/deliveries/${delivery.id}`)
    expect(page).toContain('<span class="muted">(removed)</span>')
    for (const html of [page, await admin.page(`/events/${eventId}`), await admin.page('/failed')]) {
      expect(html).toContain('<span class="badge dead">dead</span>')
      expect(html).not.toContain('>Retrigger</button>')
      expect(html).not.toContain('/redeliver"')
    }
  })

  it('lists handlers with kind, pattern, redacted URL, state, disabled reason and failing since', async () => {
    const { rio, handler } = await withDeadDelivery()
    rio.on('comment.*', 'audit-log', async () => {})
    const crm = await rio.webhook('user-*', {
      url: 'https://bot:pa55word@hooks.example/in?api_key=k3y',
      name: 'crm',
    })
    await rio.disableHandler(crm.id, 'endpoint_disabled')
    await waitUntil(async () => (await rio.listHandlers()).length === 3, 'three handlers')
    const base = await serveDashboard(rio, { adminToken: TOKEN })
    const html = await (await AdminClient.login(base, TOKEN)).page('/handlers')
    const row = (id: string) => new RegExp(`data-handler="${id}">([\\s\\S]*?)</tr>`).exec(html)![1]!
    const antispam = row(handler.id)
    expect(antispam).toContain('<strong>antispam</strong>')
    expect(antispam).toContain('<td>webhook</td>')
    expect(antispam).toContain('<code>comment-published</code>')
    expect(antispam).toContain('<span class="badge succeeded">enabled</span>')
    expect(antispam).toMatch(/class="error-text"><time datetime=/)
    expect(antispam).toContain('>Disable</button>')
    expect(antispam).toContain('<option value="1h" >last hour</option>')
    const handlers = await rio.listHandlers()
    const audit = row(handlers.find((h) => h.name === 'audit-log')!.id)
    expect(audit).toContain('<td>function</td>')
    expect(audit).toContain('in-process function')
    const crmRow = row(crm.id)
    expect(crmRow).toContain(
      '<span class="badge disabled">disabled</span> <span class="muted">endpoint disabled</span>',
    )
    expect(crmRow).toContain('>Enable</button>')
    expect(html).not.toContain('pa55word')
    expect(html).not.toContain('k3y')
  })

  it('shows a handler name that holds its URL redacted: handlers, event, delivery and failed pages, and the messages', async () => {
    const r = await receiver()
    r.respond(() => ({ status: 500 }))
    const rio = makeRio({ retrySchedule: [0] })
    const token = 'tok-1b2c3d4e5f'
    // The default name, `<pattern> <url>`, holds the token.
    const handler = await rio.webhook('comment-published', {
      url: `http://${token}@127.0.0.1:${r.port}/hook?api_key=k3y-v4lue`,
    })
    await rio.start()
    const { id: eventId } = await rio.emit('comment-published', { content: 'hi' })
    const [delivery] = await waitUntil(async () => {
      const dead = await rio.listDeliveries({ status: 'dead' })
      return dead.length === 1 ? dead : null
    }, 'a dead delivery')
    const base = await serveDashboard(rio, { adminToken: TOKEN })
    const admin = await AdminClient.login(base, TOKEN)
    const shown = `comment-published http://***@127.0.0.1:${r.port}/hook?api_key=***`
    const secrets = [token, 'k3y-v4lue']
    for (const path of ['/handlers', `/events/${eventId}`, `/deliveries/${delivery!.id}`, '/failed']) {
      const html = await admin.page(path)
      expect(html, path).toContain(shown)
      for (const secret of secrets) expect(html, path).not.toContain(secret)
    }
    const csrf = await admin.csrf('/handlers')
    for (const [action, fields, message] of [
      ['disable', {}, `${shown} is disabled`],
      ['enable', {}, `${shown} is enabled`],
      ['recover', { since: '1h' }, `Re-queued 1 dead delivery of ${shown} from the last hour.`],
    ] as const) {
      const res = await admin.post(`/handlers/${handler.id}/${action}`, {
        csrf,
        back: '/handlers',
        ...fields,
      })
      expect(res.status, action).toBe(303)
      // The message travels in the signed cookie (base64url JSON), then on the page.
      const flash = cookieOf(res, 'rio_flash')!
      const carried = Buffer.from(flash.split('=')[1]!.split('.')[0]!, 'base64url').toString('utf8')
      const html = await (await admin.get('/handlers', flash)).text()
      expect(carried, action).toContain(message)
      expect(html, action).toContain(message)
      for (const secret of secrets) {
        expect(carried, action).not.toContain(secret)
        expect(html, action).not.toContain(secret)
      }
    }
  })

  it('answers 404 inside the layout for unknown pages and ids, 405 for other methods', async () => {
    const base = await serveDashboard(makeRio(), { adminToken: TOKEN })
    const admin = await AdminClient.login(base, TOKEN)
    for (const path of ['/nope', '/events/123', '/deliveries/999', '/events/%E0%A4%A']) {
      const res = await admin.get(path)
      expect(res.status, path).toBe(404)
      expect(await res.text()).toContain('<h1>Not found</h1>')
    }
    const put = await fetch(`${base}/handlers`, { method: 'PUT', headers: { cookie: admin.cookie } })
    expect(put.status).toBe(405)
    expect(put.headers.get('allow')).toBe('GET, HEAD, POST')
  })

  it('marks list pages live (the script refetches #live), unless refresh is off', async () => {
    const rio = makeRio()
    const base = await serveDashboard(rio, { adminToken: TOKEN, refreshIntervalMs: 2000 })
    const admin = await AdminClient.login(base, TOKEN)
    for (const path of ['/', '/failed', '/handlers']) {
      const html = await admin.page(path)
      expect(html, path).toContain('<script src="/dashboard/assets/live.js" defer></script>')
      expect(html, path).toContain('<div id="live" data-refresh-ms="2000">')
    }
    expect(await (await fetch(`${base}/assets/live.js`)).text()).toContain("getElementById('live')")
    const still = await serveDashboard(rio, { adminToken: TOKEN, refreshIntervalMs: 0 })
    expect(await (await AdminClient.login(still, TOKEN)).page('/')).not.toContain('<script')
  })
})

describe('dashboard actions', () => {
  it('retriggers a dead delivery, then says so once on the page it came from', async () => {
    const { rio, receiver: r, delivery } = await withDeadDelivery()
    const base = await serveDashboard(rio, { adminToken: TOKEN })
    const admin = await AdminClient.login(base, TOKEN)
    r.respond(() => ({ status: 200 }))
    const res = await admin.post(`/deliveries/${delivery.id}/redeliver`, {
      csrf: await admin.csrf(),
      back: '/failed',
    })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/dashboard/failed')
    const flash = cookieOf(res, 'rio_flash')!
    await waitUntil(async () => (await rio.getDelivery(delivery.id)).status === 'succeeded', 'the redelivery')
    expect(await rio.listAttempts(delivery.id)).toHaveLength(2)
    const shown = await admin.get('/failed', flash)
    const html = await shown.text()
    expect(html).toContain(
      `<p class="flash ok" role="status" tabindex="-1" autofocus>Retriggered delivery #${delivery.id}`,
    )
    expect(html).not.toContain(`data-delivery="${delivery.id}"`)
    expect(cookieOf(shown, 'rio_flash')).toBe('rio_flash=')
    // A flash cookie this process did not sign is ignored.
    expect(
      await (
        await admin.get(
          '/failed',
          `rio_flash=${Buffer.from('{"kind":"ok","message":"pwned"}').toString('base64url')}.x`,
        )
      ).text(),
    ).not.toContain('pwned')
  })

  it('says why a retrigger was refused, without an error page', async () => {
    const { rio } = await withDeadDelivery()
    const base = await serveDashboard(rio, { adminToken: TOKEN })
    const admin = await AdminClient.login(base, TOKEN)
    const res = await admin.post('/deliveries/424242/redeliver', { csrf: await admin.csrf() })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/dashboard/deliveries/424242')
    const html = await (await admin.get('/', cookieOf(res, 'rio_flash'))).text()
    expect(html).toContain(
      '<p class="flash error" role="alert" tabindex="-1" autofocus>delivery &quot;424242&quot; does not exist</p>',
    )
  })

  it('disables and enables a handler', async () => {
    const { rio, handler } = await withDeadDelivery()
    const base = await serveDashboard(rio, { adminToken: TOKEN })
    const admin = await AdminClient.login(base, TOKEN)
    const csrf = await admin.csrf()
    const off = await admin.post(`/handlers/${handler.id}/disable`, { csrf, back: '/handlers' })
    expect(off.status).toBe(303)
    expect(await rio.getHandler(handler.id)).toMatchObject({ enabled: false, disabledReason: 'manual' })
    expect(await (await admin.get('/handlers', cookieOf(off, 'rio_flash'))).text()).toContain(
      'antispam is disabled',
    )
    const on = await admin.post(`/handlers/${handler.id}/enable`, { csrf })
    expect(on.headers.get('location')).toBe('/dashboard/handlers')
    expect(await rio.getHandler(handler.id)).toMatchObject({ enabled: true, disabledReason: null })
  })

  it('recovers a handler’s dead deliveries from the chosen span, and refuses other spans', async () => {
    const { rio, receiver: r, handler, delivery } = await withDeadDelivery()
    await rio.emit('comment-published', { n: 2 })
    await waitUntil(
      async () => (await rio.listDeliveries({ status: 'dead' })).length === 2,
      'two dead deliveries',
    )
    const base = await serveDashboard(rio, { adminToken: TOKEN })
    const admin = await AdminClient.login(base, TOKEN)
    const csrf = await admin.csrf()

    const bad = await admin.post(`/handlers/${handler.id}/recover`, { csrf, since: '10y' })
    expect(await (await admin.get('/handlers', cookieOf(bad, 'rio_flash'))).text()).toContain('Recover needs')
    expect(await rio.listDeliveries({ status: 'dead' })).toHaveLength(2)

    r.respond(() => ({ status: 200 }))
    const res = await admin.post(`/handlers/${handler.id}/recover`, { csrf, since: '1h' })
    expect(res.status).toBe(303)
    const html = await (await admin.get('/handlers', cookieOf(res, 'rio_flash'))).text()
    expect(html).toContain('Re-queued 2 dead deliveries of antispam from the last hour.')
    await waitUntil(
      async () => (await rio.listDeliveries({ status: 'succeeded' })).length === 2,
      'both recovered',
    )
    expect((await rio.getDelivery(delivery.id)).attempts).toBe(2)
  })
})

describe('mounting the dashboard', () => {
  it('exposes exactly createDashboardHandler, a handler for node:http and Express alike', () => {
    expect(Object.keys(entry)).toEqual(['createDashboardHandler'])
    expectTypeOf<DashboardHandler>().toExtend<(req: IncomingMessage, res: ServerResponse) => void>()
    expectTypeOf<DashboardHandler>().toExtend<RequestHandler>()
  })

  it('calls next() outside its base path, and works under Express with the mount path stripped', async () => {
    const rio: Rio = makeRio()
    const dashboard = createDashboardHandler(rio, { adminToken: TOKEN, basePath: '/admin/rio' })
    const app = express()
    app.use('/admin/rio', dashboard)
    app.get('/hello', (_req, res) => void res.send('app'))
    const raw = createServer((req, res) => dashboard(req, res, () => res.writeHead(418).end()))
    const urls: string[] = []
    for (const server of [createServer(app), raw]) {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      onCleanup(() => new Promise<void>((resolve) => server.close(() => resolve()).closeAllConnections()))
      const address = server.address()
      urls.push(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`)
    }
    const [viaExpress, viaNode] = urls as [string, string]
    expect(await (await fetch(`${viaExpress}/hello`)).text()).toBe('app')
    expect((await fetch(`${viaNode}/elsewhere`)).status).toBe(418)
    for (const url of [viaExpress, viaNode]) {
      const anonymous = await fetch(`${url}/admin/rio/handlers`, { redirect: 'manual' })
      expect(anonymous.headers.get('location')).toBe('/admin/rio/login?next=%2Fhandlers')
      const admin = await AdminClient.login(`${url}/admin/rio`, TOKEN)
      expect(await admin.page('/handlers')).toContain('href="/admin/rio/assets/style.css"')
    }
  })
})
