import { describe, expect, it } from 'vitest'
import { startReceiver } from '../../../../test/support/receiver.js'
import type { Rio } from '../../../core/src/index.js'
import { makeRio, onCleanup, waitUntil } from '../../../core/test/helpers.js'
import { serveDashboard } from './serve.js'

const TOKEN = 'dashboard-admin-token-0123456789'

const serve = (rio: Rio) => serveDashboard(rio, { adminToken: TOKEN, maxFailedLogins: 3 })

async function login(base: string): Promise<string> {
  const res = await fetch(`${base}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `token=${TOKEN}`,
    redirect: 'manual',
  })
  expect(res.status).toBe(303)
  const cookie = res.headers.get('set-cookie')!
  expect(cookie).toMatch(/HttpOnly/)
  expect(cookie).toMatch(/SameSite=Strict/)
  return cookie.split(';')[0]!
}

const csrfOf = (page: string) => /name="csrf" value="([^"]+)"/.exec(page)![1]!

describe('the dashboard', () => {
  it('asks for the admin token, refuses a wrong one, and rate-limits failures', async () => {
    const base = await serve(makeRio())
    const anonymous = await fetch(`${base}/`, { redirect: 'manual' })
    expect(anonymous.status).toBe(303)
    expect(anonymous.headers.get('location')).toBe('/dashboard/login')
    const wrong = () =>
      fetch(`${base}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'token=nope',
        redirect: 'manual',
      })
    const first = await wrong()
    expect(first.status).toBe(401)
    expect(first.headers.get('set-cookie')).toBeNull()
    await wrong()
    await wrong()
    expect((await wrong()).status).toBe(429)
    const forged = await fetch(`${base}/`, {
      headers: { cookie: 'rio_session=9999999999999.x.forged' },
      redirect: 'manual',
    })
    expect(forged.status).toBe(303)
  })

  it('shows events, deliveries and attempts, with payloads escaped and strict security headers', async () => {
    const receiver = await startReceiver()
    onCleanup(() => receiver.close())
    receiver.respond(() => ({ status: 500, body: '<b>down</b>' }))
    const rio = makeRio({ retrySchedule: [0] })
    await rio.webhook('comment-published', { url: receiver.url, name: 'antispam' })
    await rio.start()
    const { id } = await rio.emit('comment-published', { content: '<script>alert(1)</script>' })
    await waitUntil(
      async () => (await rio.listDeliveries({ status: 'dead' })).length === 1,
      'a dead delivery',
    )
    const base = await serve(rio)
    const cookie = await login(base)
    const get = (path: string) => fetch(`${base}${path}`, { headers: { cookie } })

    const events = await get('/')
    expect(events.headers.get('content-security-policy')).toMatch(
      /default-src 'none'.*frame-ancestors 'none'/,
    )
    expect(events.headers.get('x-content-type-options')).toBe('nosniff')
    const eventsHtml = await events.text()
    expect(eventsHtml).toContain(id)
    expect(eventsHtml).not.toContain('<script>alert(1)</script>')
    expect(eventsHtml).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    const eventHtml = await (await get(`/events/${id}`)).text()
    expect(eventHtml).toMatch(/badge dead/)
    const [delivery] = await rio.listDeliveries({ eventId: id })
    const deliveryHtml = await (await get(`/deliveries/${delivery!.id}`)).text()
    expect(deliveryHtml).toContain('&lt;b&gt;down&lt;/b&gt;')
    expect(await (await get('/failed')).text()).toContain(`#${delivery!.id}`)
    expect(await (await get('/handlers')).text()).toContain('antispam')
    expect((await get('/events/does-not-exist')).status).toBe(404)
  })

  it('retriggers, disables and recovers only with the session’s CSRF token', async () => {
    const receiver = await startReceiver()
    onCleanup(() => receiver.close())
    receiver.respond(() => ({ status: 500 }))
    const rio = makeRio({ retrySchedule: [0] })
    const handler = await rio.webhook('x', { url: receiver.url, name: 'flaky' })
    await rio.start()
    const { id } = await rio.emit('x', {})
    await waitUntil(
      async () => (await rio.listDeliveries({ status: 'dead' })).length === 1,
      'a dead delivery',
    )
    const [delivery] = await rio.listDeliveries({ eventId: id })
    const base = await serve(rio)
    const cookie = await login(base)
    const csrf = csrfOf(
      await (await fetch(`${base}/deliveries/${delivery!.id}`, { headers: { cookie } })).text(),
    )
    const post = (path: string, body: string) =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body,
        redirect: 'manual',
      })

    expect((await post(`/deliveries/${delivery!.id}/redeliver`, '')).status).toBe(403)
    expect((await post(`/deliveries/${delivery!.id}/redeliver`, 'csrf=forged')).status).toBe(403)
    expect((await rio.getDelivery(delivery!.id)).status).toBe('dead')

    receiver.respond(() => ({ status: 200 }))
    const retriggered = await post(`/deliveries/${delivery!.id}/redeliver`, `csrf=${csrf}`)
    expect(retriggered.status).toBe(303)
    await waitUntil(
      async () => (await rio.getDelivery(delivery!.id)).status === 'succeeded',
      'the retriggered delivery',
    )

    expect((await post(`/handlers/${handler.id}/disable`, `csrf=${csrf}`)).status).toBe(303)
    expect((await rio.getHandler(handler.id)).enabled).toBe(false)
    expect((await post(`/handlers/${handler.id}/enable`, `csrf=${csrf}`)).status).toBe(303)
    expect((await rio.getHandler(handler.id)).enabled).toBe(true)
    const recovered = await post(`/handlers/${handler.id}/recover`, `csrf=${csrf}&since=1h`)
    expect(decodeURIComponent(recovered.headers.get('location')!)).toMatch(/Re-queued 0 dead deliveries/)
    const loggedOut = await post('/logout', `csrf=${csrf}`)
    expect(loggedOut.headers.get('set-cookie')).toMatch(/Max-Age=0/)
  })
})
