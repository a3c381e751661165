import { describe, expect, it } from 'vitest'
import { makeRio } from '../../core/test/helpers.js'
import { escapeHtml } from '../src/dashboard/html.js'
import { jsonExcerpt, PAYLOAD_SHOWN_CHARS } from '../src/dashboard/views/event.js'
import { AdminClient, serveDashboard } from './dashboard/serve.js'

const TOKEN = 'dashboard-admin-token-0123456789'
const MiB = 1024 * 1024

describe('jsonExcerpt', () => {
  const deep: unknown[] = []
  let at = deep
  for (let i = 0; i < 3000; i++) {
    const inner: unknown[] = []
    at.push(i, inner)
    at = inner
  }
  const values: Array<[string, unknown]> = [
    ['a number', 42],
    ['null', null],
    ['an empty object', {}],
    ['an empty array', []],
    ['a long string with escapes', `"quoted" \\ ${'é'.repeat(300)} \u2028 😀`.repeat(10)],
    [
      'nested objects and arrays',
      { a: [1, 2, { b: 'c', d: [], e: {} }], 'key "q"': null, f: true, g: [[[]]], h: 'x'.repeat(90) },
    ],
    ['an array of many small objects', Array.from({ length: 2000 }, (_, i) => ({ i, s: `v${i}` }))],
    ['a surrogate pair across the cut', `${'x'.repeat(118)}😀😀😀`],
    ['nesting 3000 deep', deep],
  ]
  for (const [what, value] of values) {
    it(`gives the first characters JSON.stringify gives, for ${what}`, () => {
      for (const indent of [0, 2]) {
        const full = JSON.stringify(value, null, indent)
        for (const max of [1, 5, 120, 121, 1000, full.length - 1, full.length, full.length + 1]) {
          if (max < 1) continue
          const { text, cut } = jsonExcerpt(value, max, indent)
          expect(cut, `${what}, indent ${indent}, max ${max}`).toBe(full.length > max)
          expect(text.slice(0, max), `${what}, indent ${indent}, max ${max}`).toBe(full.slice(0, max))
          if (!cut) expect(text).toBe(full)
        }
      }
    })
  }

  it('writes the start of a payload nested far deeper than the stack allows', () => {
    let nested: unknown = []
    for (let i = 0; i < 200_000; i++) nested = [nested]
    expect(jsonExcerpt(nested, 10)).toEqual({ text: '[[[[[[[[[[[', cut: true })
  })

  it('writes no more than it needs of a big payload', () => {
    const payload = { items: Array.from({ length: 50_000 }, (_, i) => ({ i, text: 'x'.repeat(40) })) }
    const { text, cut } = jsonExcerpt(payload, 120)
    expect(cut).toBe(true)
    expect(text.length).toBeLessThan(200)
  })
})

describe('the dashboard with big payloads', () => {
  it('shows the first MiB of a bigger payload on the event page, and says where the rest is', async () => {
    const rio = makeRio({ maxPayloadBytes: 4 * MiB })
    const payload = {
      items: Array.from({ length: 40_000 }, (_, i) => ({ i, text: `<item ${i}> ${'x'.repeat(40)}` })),
    }
    const { id } = await rio.emit('big', payload)
    const base = await serveDashboard(rio, { adminToken: TOKEN })
    const admin = await AdminClient.login(base, TOKEN)
    const page = await admin.page(`/events/${id}`)
    const pretty = JSON.stringify(payload, null, 2)
    expect(pretty.length).toBeGreaterThan(3 * MiB)
    // Before, the page held all of it, indented: 3.7 MB of JSON, more once escaped.
    expect(page.length).toBeLessThan(1.5 * MiB)
    const pre = /<pre class="json"[^>]*>([\s\S]*?)<\/pre>/.exec(page)![1]!
    expect(pre).toBe(`${escapeHtml(pretty.slice(0, PAYLOAD_SHOWN_CHARS))}…`)
    expect(page).toContain(`The whole payload: <code>GET /api/v1/events/${id}</code>`)
  })

  it('shows a payload that fits whole, without a note', async () => {
    const rio = makeRio()
    const payload = { content: 'hello', tags: ['a'] }
    const { id } = await rio.emit('small', payload)
    const base = await serveDashboard(rio, { adminToken: TOKEN })
    const admin = await AdminClient.login(base, TOKEN)
    const page = await admin.page(`/events/${id}`)
    expect(page).toContain(`tabindex="0">${escapeHtml(JSON.stringify(payload, null, 2))}</pre>`)
    expect(page).not.toContain('The whole payload')
  })

  it('lists big events with the start of each payload, as before', async () => {
    const rio = makeRio({ maxPayloadBytes: 2 * MiB })
    const { id } = await rio.emit('big', { data: `<b>${'y'.repeat(MiB)}` })
    const base = await serveDashboard(rio, { adminToken: TOKEN })
    const admin = await AdminClient.login(base, TOKEN)
    const list = await admin.page('/')
    const row = new RegExp(`<tr data-event="${id}">[\\s\\S]*?<td class="payload"><code>([^<]*)</code>`).exec(
      list,
    )
    expect(row![1]).toBe(`${escapeHtml(`{"data":"<b>${'y'.repeat(120 - 12)}`)}…`)
  })
})
