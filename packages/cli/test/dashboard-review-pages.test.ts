import { describe, expect, it } from 'vitest'
import { startReceiver } from '../../../test/support/receiver.js'
import { makeRio, onCleanup, waitUntil } from '../../core/test/helpers.js'
import { AdminClient, serveDashboard } from './dashboard/serve.js'

const TOKEN = 'dashboard-review-token-0123456789'

/** The WCAG contrast ratio of two `#rgb` or `#rrggbb` colors. */
function contrast(a: string, b: string): number {
  const luminance = (color: string) => {
    const hex = color.length === 4 ? color.replace(/[0-9a-f]/g, '$&$&') : color
    const [r, g, b] = [1, 3, 5].map((i) => {
      const v = Number.parseInt(hex.slice(i, i + 2), 16) / 255
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4
    })
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!
  }
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x)
  return (hi! + 0.05) / (lo! + 0.05)
}

describe('dashboard review: what an operator reads', () => {
  it('labels every time on the event and delivery pages as UTC, as the tables do', async () => {
    const r = await startReceiver()
    onCleanup(() => r.close())
    r.respond(() => ({ status: 500 }))
    const rio = makeRio()
    await rio.webhook('x', { url: `${r.url}/dead`, name: 'gives-up', retrySchedule: [0] })
    await rio.webhook('x', { url: `${r.url}/later`, name: 'tries-again', retrySchedule: [0, 3_600_000] })
    await rio.start()
    const { id } = await rio.emit('x', { n: 1 })
    const deliveries = await waitUntil(async () => {
      const ds = await rio.listDeliveries({ eventId: id })
      return ds.every((d) => d.attempts > 0 && d.status !== 'in_flight') ? ds : null
    }, 'one attempt each')
    expect(deliveries.map((d) => d.status).sort()).toEqual(['dead', 'pending'])
    const admin = await AdminClient.login(await serveDashboard(rio, { adminToken: TOKEN }), TOKEN)
    const labels: string[] = []
    for (const path of [`/events/${id}`, ...deliveries.map((d) => `/deliveries/${d.id}`)]) {
      const page = await admin.page(path)
      for (const [, label] of page.matchAll(/<dt>([^<]*)<\/dt><dd><time /g)) labels.push(label!)
    }
    // Created (event), Created + Finished (dead), Created + Next attempt (retrying).
    expect(labels).toHaveLength(5)
    for (const label of labels) expect(label).toMatch(/\(UTC\)$/)
  })

  it('says "200+" retrying when more deliveries are retrying than the failed view lists', async () => {
    const rio = makeRio({ retrySchedule: [0, 3_600_000] })
    rio.on('x', 'always-fails', async () => {
      throw new Error('database is unreachable')
    })
    await rio.start()
    await rio.emitMany(Array.from({ length: 201 }, (_, i) => ({ name: 'x', payload: { i } })))
    await waitUntil(
      async () =>
        (await rio.listDeliveries({ status: 'pending', limit: 1000 })).filter((d) => d.attempts > 0)
          .length === 201,
      '201 retrying deliveries',
    )
    const admin = await AdminClient.login(await serveDashboard(rio, { adminToken: TOKEN }), TOKEN)
    const retrying = (await admin.page('/failed')).split('<h2>Retrying')[1]!
    expect(retrying).toMatch(/^ <span class="count">200\+<\/span><\/h2>/)
    expect(retrying.match(/data-delivery="/g)).toHaveLength(200)
  }, 20_000)

  it('cuts a long payload in the events list without splitting an emoji in half', async () => {
    const rio = makeRio()
    // `{"t":"` is 6 characters: the emoji's two UTF-16 halves sit at 119 and 120, across the 120 cut.
    await rio.emit('x', { t: `${'a'.repeat(113)}🎉 and more text after the cut` })
    const admin = await AdminClient.login(await serveDashboard(rio, { adminToken: TOKEN }), TOKEN)
    const page = await admin.page('/')
    expect(page).toContain(`<code>{&quot;t&quot;:&quot;${'a'.repeat(113)}…</code>`)
    expect(page).not.toContain('\uFFFD')
  })

  it('gives muted text and every status badge at least 4.5:1 contrast (WCAG AA)', async () => {
    const admin = await AdminClient.login(await serveDashboard(makeRio(), { adminToken: TOKEN }), TOKEN)
    const css = await (await admin.get('/assets/style.css')).text()
    const vars = new Map(
      [...css.matchAll(/--([\w-]+): (#[0-9a-f]{6}|#[0-9a-f]{3});/g)].map((m) => [m[1]!, m[2]!]),
    )
    const pairs: [string, string][] = [
      ['muted', 'bg'], // hints, counts and the footer on the page background
      ['muted', 'head'], // table headings
      ['muted', 'card'],
      ['ok', 'ok-bg'],
      ['bad', 'bad-bg'],
      ['warn', 'warn-bg'],
      ['info', 'info-bg'],
    ]
    const low = pairs
      .map(([fg, bg]) => ({ pair: `${fg} on ${bg}`, ratio: contrast(vars.get(fg)!, vars.get(bg)!) }))
      .filter(({ ratio }) => !(ratio >= 4.5))
    expect(low).toEqual([])
  })
})
