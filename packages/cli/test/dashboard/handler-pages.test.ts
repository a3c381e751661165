import { describe, expect, it, vi } from 'vitest'
import { startReceiver } from '../../../../test/support/receiver.js'
import { makeRio, onCleanup, waitUntil } from '../../../core/test/helpers.js'
import { AdminClient, serveDashboard } from './serve.js'

const TOKEN = 'dashboard-admin-token-0123456789'

/** The handler ids of a page's rows, in order. */
function rowIds(html: string): string[] {
  return [...html.matchAll(/<tr data-handler="([^"]+)">/g)].map((m) => m[1]!)
}

/** The `after` of the page's Next link, or null when it has none. */
function nextCursor(html: string): string | null {
  const link = /<a class="button plain" href="\/dashboard\/handlers\?after=([^"]+)">Next →<\/a>/.exec(html)
  return link ? decodeURIComponent(link[1]!) : null
}

describe('dashboard handlers list, a page at a time', () => {
  it('shows 50 handlers a page by project and name, with Next and First links; later pages do not refresh', async () => {
    const rio = makeRio()
    for (const [project, count] of [
      ['shop', 70],
      ['blog', 50],
    ] as const) {
      await rio.createProject(project)
      for (let i = 0; i < count; i++) {
        rio.on('tick', `fn-${String((i * 31) % count).padStart(2, '0')}`, () => undefined, { project })
      }
    }
    await waitUntil(async () => (await rio.listHandlers()).length === 120, '120 handlers stored')
    const all = (await rio.listHandlers()).map((h) => h.id)
    const base = await serveDashboard(rio, { adminToken: TOKEN })
    const admin = await AdminClient.login(base, TOKEN)

    const first = await admin.page('/handlers')
    expect(rowIds(first)).toEqual(all.slice(0, 50))
    expect(first).toContain('<caption class="visually-hidden" id="handlers-caption">Handlers</caption>')
    expect(first).toContain('<th scope="col">Project</th>')
    expect(first).toContain('data-refresh-ms=')
    expect(first).not.toContain('← First')
    expect(nextCursor(first)).toBe(all[49])

    const second = await admin.page(`/handlers?after=${encodeURIComponent(nextCursor(first)!)}`)
    expect(rowIds(second)).toEqual(all.slice(50, 100))
    expect(second).toContain('<a class="button plain" href="/dashboard/handlers">← First</a>')
    expect(second).not.toContain('data-refresh-ms=')
    // Every page has the Project column, though this one shows one project's handlers only.
    expect(second).toContain('<th scope="col">Project</th>')
    const third = await admin.page(`/handlers?after=${encodeURIComponent(nextCursor(second)!)}`)
    expect(rowIds(third)).toEqual(all.slice(100))
    expect(nextCursor(third)).toBeNull()

    const bad = await admin.get('/handlers?after=01890000-0000-7000-8000-000000000000')
    expect(bad.status).toBe(400)
    expect(await bad.text()).toContain('names no handler')
  })

  it('names the handlers of the event, delivery and failed pages by looking up their ids, not every handler', async () => {
    const receiver = await startReceiver()
    onCleanup(() => receiver.close())
    receiver.respond(() => ({ status: 500, body: 'down' }))
    const rio = makeRio({ retrySchedule: [0] })
    const antispam = await rio.webhook('comment-published', { url: receiver.url, name: 'antispam' })
    // Handlers the pages do not show: reading them all was 0.4 s a page at 10 000.
    for (let i = 0; i < 30; i++) rio.on('other', `idle-${i}`, () => undefined)
    await rio.start()
    const { id: eventId } = await rio.emit('comment-published', { content: 'hi' })
    const [dead] = await waitUntil(async () => {
      const found = await rio.listDeliveries({ status: 'dead' })
      return found.length === 1 ? found : null
    }, 'a dead delivery')
    const base = await serveDashboard(rio, { adminToken: TOKEN })
    const admin = await AdminClient.login(base, TOKEN)
    const listed = vi.spyOn(rio, 'listHandlers')
    const lookedUp = vi.spyOn(rio, 'getHandlers')
    for (const path of [`/events/${eventId}`, `/deliveries/${dead!.id}`, '/failed']) {
      lookedUp.mockClear()
      const html = await admin.page(path)
      expect(html, path).toContain('antispam')
      expect(lookedUp, path).toHaveBeenCalledTimes(1)
      expect([...lookedUp.mock.calls[0]![0]], path).toEqual([antispam.id])
    }
    expect(listed).not.toHaveBeenCalled()
  })
})
