import { request as httpRequest } from 'node:http'
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https'
import { describe, expect, it } from 'vitest'
import { hasOpenssl, selfSignedCertificate } from '../../../../test/support/self-signed.js'
import { makeRio, onCleanup } from '../../../core/test/helpers.js'
import { createDashboardHandler, type DashboardOptions } from '../../src/dashboard/index.js'
import { serveDashboard, startDashboard } from './serve.js'

const TOKEN = 'dashboard-admin-token-0123456789'
const FORM = { 'content-type': 'application/x-www-form-urlencoded' }

interface Answer {
  status: number
  cookies: string[]
  body: string
}

/** One request over http or https (trusting `ca`); no redirect is followed. */
function request(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string; ca?: Buffer } = {},
): Promise<Answer> {
  const send = url.startsWith('https:') ? httpsRequest : httpRequest
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      { method: init.method ?? 'GET', headers: init.headers ?? {}, ...(init.ca ? { ca: init.ca } : {}) },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (body += chunk))
        res.on('end', () =>
          resolve({ status: res.statusCode!, cookies: res.headers['set-cookie'] ?? [], body }),
        )
      },
    )
    req.on('error', reject)
    req.end(init.body)
  })
}

/**
 * Every cookie the dashboard at `base` sets through a login and a logout: the session (set, then
 * deleted) and the flash (deleted, then set with `You are logged out.`).
 */
async function dashboardCookies(
  base: string,
  extra: { headers?: Record<string, string>; ca?: Buffer } = {},
): Promise<string[]> {
  const { headers = {}, ca } = extra
  const login = await request(`${base}/login`, {
    method: 'POST',
    headers: { ...FORM, ...headers },
    body: new URLSearchParams({ token: TOKEN }).toString(),
    ...(ca ? { ca } : {}),
  })
  expect(login.status, login.body).toBe(303)
  const session = login.cookies.find((c) => c.startsWith('rio_session='))!.split(';')[0]!
  const page = await request(`${base}/`, { headers: { ...headers, cookie: session }, ...(ca ? { ca } : {}) })
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!
  const logout = await request(`${base}/logout`, {
    method: 'POST',
    headers: { ...FORM, ...headers, cookie: session },
    body: new URLSearchParams({ csrf }).toString(),
    ...(ca ? { ca } : {}),
  })
  expect(logout.status).toBe(303)
  const cookies = [...login.cookies, ...logout.cookies]
  expect(cookies.map((c) => c.split('=')[0])).toEqual([
    'rio_session',
    'rio_flash',
    'rio_session',
    'rio_flash',
  ])
  return cookies
}

/** Which of `cookies` carry the `Secure` attribute. */
const secureFlags = (cookies: string[]) => cookies.map((c) => /; Secure(;|$)/.test(c))
const ALL = [true, true, true, true]
const NONE = [false, false, false, false]

/** Serves the dashboard over https with a fresh self-signed certificate; returns its base URL and the cert. */
async function serveDashboardTls(options: DashboardOptions): Promise<{ base: string; ca: Buffer }> {
  const { key, cert: ca } = selfSignedCertificate()
  const server = createHttpsServer({ key, cert: ca }, createDashboardHandler(makeRio(), options))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onCleanup(() => new Promise<void>((resolve) => server.close(() => resolve()).closeAllConnections()))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return { base: `https://localhost:${port}/dashboard`, ca }
}

describe('dashboard cookies: Secure (createDashboardHandler)', () => {
  it("by default ('auto') over plain http: neither cookie is Secure, and X-Forwarded-Proto: https alone does not change that", async () => {
    for (const options of [{}, { secureCookies: 'auto' as const }]) {
      const base = await serveDashboard(makeRio(), { adminToken: TOKEN, ...options })
      expect(secureFlags(await dashboardCookies(base))).toEqual(NONE)
      const forwarded = { 'x-forwarded-proto': 'https', forwarded: 'proto=https' }
      expect(secureFlags(await dashboardCookies(base, { headers: forwarded }))).toEqual(NONE)
    }
  })

  it("'auto' marks both cookies Secure when publicUrl is https, not when it is http", async () => {
    const https = await serveDashboard(makeRio(), {
      adminToken: TOKEN,
      publicUrl: 'https://ops.example.com/',
    })
    expect(secureFlags(await dashboardCookies(https))).toEqual(ALL)
    const http = await serveDashboard(makeRio(), { adminToken: TOKEN, publicUrl: 'http://ops.example.com' })
    expect(secureFlags(await dashboardCookies(http))).toEqual(NONE)
  })

  it("'auto' behind trusted proxies (trustProxy >= 1): Secure when a proxy says https, in either header", async () => {
    const base = await serveDashboard(makeRio(), { adminToken: TOKEN, trustProxy: 1 })
    for (const headers of <Record<string, string>[]>[
      { 'x-forwarded-proto': 'https' },
      { 'x-forwarded-proto': 'HTTPS' },
      // A proxy that appends keeps what the client wrote; a forged `http` cannot take Secure away.
      { 'x-forwarded-proto': 'http, https' },
      { forwarded: 'for=192.0.2.60;proto=https;by=203.0.113.43' },
      { forwarded: 'for=192.0.2.43, for="[2001:db8:cafe::17]";proto="https"' },
    ]) {
      expect(secureFlags(await dashboardCookies(base, { headers })), JSON.stringify(headers)).toEqual(ALL)
    }
    for (const headers of <Record<string, string>[]>[
      {},
      { 'x-forwarded-proto': 'http' },
      { 'x-forwarded-proto': 'https-ish' },
      { forwarded: 'for=192.0.2.60;proto=http' },
      { forwarded: 'for=192.0.2.60;proto=httpsx' },
      { forwarded: 'for=192.0.2.60;host=proto=https.example' },
    ]) {
      expect(secureFlags(await dashboardCookies(base, { headers })), JSON.stringify(headers)).toEqual(NONE)
    }
  })

  it('behind trusted proxies, the explicit settings still win: false is never Secure, an https publicUrl always is', async () => {
    const never = await serveDashboard(makeRio(), { adminToken: TOKEN, trustProxy: 2, secureCookies: false })
    expect(secureFlags(await dashboardCookies(never, { headers: { 'x-forwarded-proto': 'https' } }))).toEqual(
      NONE,
    )
    const always = await serveDashboard(makeRio(), {
      adminToken: TOKEN,
      trustProxy: 1,
      publicUrl: 'https://ops.example.com',
    })
    expect(secureFlags(await dashboardCookies(always, { headers: { 'x-forwarded-proto': 'http' } }))).toEqual(
      ALL,
    )
  })

  it('refuses a secureCookies or publicUrl it does not understand', () => {
    const rio = makeRio()
    for (const bad of [
      { secureCookies: 'yes' },
      { publicUrl: 'ftp://ops.example.com' },
      { publicUrl: 'ops' },
    ]) {
      expect(() =>
        createDashboardHandler(rio, { adminToken: TOKEN, ...(bad as Partial<DashboardOptions>) }),
      ).toThrow(/invalid dashboard options: (secureCookies|publicUrl)/)
    }
  })

  it.skipIf(!hasOpenssl())(
    "over TLS (a self-signed cert): Secure with 'auto' and true, never with false",
    async () => {
      for (const [secureCookies, expected] of [
        [undefined, ALL],
        ['auto', ALL],
        [true, ALL],
        [false, NONE],
      ] as const) {
        const options = { adminToken: TOKEN, ...(secureCookies === undefined ? {} : { secureCookies }) }
        const { base, ca } = await serveDashboardTls(options)
        expect(secureFlags(await dashboardCookies(base, { ca })), String(secureCookies)).toEqual(expected)
      }
    },
  )
})

describe('dashboard cookies: Secure (rio start)', () => {
  it('without https anywhere (the default, or --secure-cookies auto): not Secure, X-Forwarded-Proto: https notwithstanding', async () => {
    const [byDefault, auto] = await Promise.all([
      startDashboard(TOKEN, []),
      startDashboard(TOKEN, ['--secure-cookies', 'auto']),
    ])
    for (const base of [byDefault, auto]) {
      expect(secureFlags(await dashboardCookies(base))).toEqual(NONE)
      expect(
        secureFlags(await dashboardCookies(base, { headers: { 'x-forwarded-proto': 'https' } })),
      ).toEqual(NONE)
    }
  })

  it('with --trust-proxy or RIO_TRUST_PROXY set, marks both cookies Secure when the proxy sends X-Forwarded-Proto: https', async () => {
    const bases = await Promise.all([
      startDashboard(TOKEN, ['--trust-proxy', '1']),
      startDashboard(TOKEN, [], { RIO_TRUST_PROXY: '1' }),
    ])
    for (const base of bases) {
      expect(
        secureFlags(await dashboardCookies(base, { headers: { 'x-forwarded-proto': 'https' } })),
      ).toEqual(ALL)
      expect(secureFlags(await dashboardCookies(base))).toEqual(NONE)
    }
  })

  it('marks both cookies Secure when the public URL is https (RIO_PUBLIC_URL or --public-url)', async () => {
    const bases = await Promise.all([
      startDashboard(TOKEN, [], { RIO_PUBLIC_URL: 'https://rio.example.com' }),
      startDashboard(TOKEN, ['--public-url', 'https://rio.example.com/']),
    ])
    for (const base of bases) expect(secureFlags(await dashboardCookies(base))).toEqual(ALL)
  })

  it('marks both cookies Secure over plain http when the setting is true (RIO_SECURE_COOKIES, --secure-cookies)', async () => {
    const bases = await Promise.all([
      startDashboard(TOKEN, [], { RIO_SECURE_COOKIES: 'true' }),
      startDashboard(TOKEN, ['--secure-cookies', 'true']),
    ])
    for (const base of bases) expect(secureFlags(await dashboardCookies(base))).toEqual(ALL)
  })

  it('never marks them Secure when the setting is false, even with an https public URL', async () => {
    const bases = await Promise.all([
      startDashboard(TOKEN, ['--secure-cookies', 'false', '--public-url', 'https://rio.example.com']),
      startDashboard(TOKEN, [], { RIO_SECURE_COOKIES: 'false', RIO_PUBLIC_URL: 'https://rio.example.com' }),
    ])
    for (const base of bases) expect(secureFlags(await dashboardCookies(base))).toEqual(NONE)
  })
})
