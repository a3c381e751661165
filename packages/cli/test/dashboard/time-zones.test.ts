import { existsSync } from 'node:fs'
import { chromium } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { inTimeZone } from '../../../../test/support/time-zone.js'
import { ManualClock } from '../../../core/src/index.js'
import { makeRio, onCleanup } from '../../../core/test/helpers.js'
import { AdminClient, serveDashboard } from './serve.js'

const TOKEN = 'dashboard-zones-token-0123456789'
const CHROMIUM = '/usr/bin/chromium'

/** A dashboard over events emitted at 00:30, 01:30:00 and 02:30 UTC on 29 March 2026 (London's DST starts at 01:00). */
async function dashboardOfOneNight(): Promise<string> {
  const clock = new ManualClock(Date.parse('2026-03-29T00:30:00Z'))
  const rio = makeRio({ clock })
  for (const at of ['00:30', '01:30', '02:30']) {
    clock.set(Date.parse(`2026-03-29T${at}:00Z`))
    await rio.emit('tick', { at })
  }
  return serveDashboard(rio, { adminToken: TOKEN })
}

const shown = (html: string) =>
  [...html.matchAll(/<code>\{&quot;at&quot;:&quot;([\d:]+)&quot;\}<\/code>/g)].map((m) => m[1])

describe('the dashboard in any time zone', () => {
  it('reads From and To as UTC and shows UTC times when the server runs in Chatham (+13:45)', async () => {
    await inTimeZone('Pacific/Chatham', async () => {
      const admin = await AdminClient.login(await dashboardOfOneNight(), TOKEN)
      const page = await admin.page('/?from=2026-03-29T01:00&to=2026-03-29T01:30')
      expect(shown(page)).toEqual(['01:30'])
      expect(page).toContain(
        '<time datetime="2026-03-29T01:30:00.000Z" title="2026-03-29T01:30:00.000Z">2026-03-29 01:30:00</time>',
      )
      // `to` includes the whole unit it names: the minute, the second, or the millisecond.
      expect(shown(await admin.page('/?to=2026-03-29T01:29:59'))).toEqual(['00:30'])
      expect(shown(await admin.page('/?to=2026-03-29T01:30:00'))).toEqual(['01:30', '00:30'])
      expect(shown(await admin.page('/?to=2026-03-29T01:30:00.000'))).toEqual(['01:30', '00:30'])
      expect(shown(await admin.page('/?to=2026-03-29T01:29:59.500'))).toEqual(['00:30'])
      expect(shown(await admin.page('/?from=2026-03-29T01:30:00.001'))).toEqual(['02:30'])
    })
  })

  it.each([
    ['from', '2026-02-30T10:00'], // Date would read 2 March
    ['to', '2026-04-31T00:00'],
    ['from', '2025-02-29T00:00'],
    ['to', '2026-03-29T24:00'], // Date would read the next day
    ['from', '2026-03-29T01:60'],
    ['from', '2026-03-29T01:30:60'],
    ['to', '+275760-09-13T00:00'], // the latest a browser's datetime-local allows
    ['from', '-000001-01-01T00:00'],
    ['from', '2026-03-29'],
    ['from', '2026-03-29T01:30Z'],
  ])(
    'answers 400 naming %s for %s, a time that does not exist or is not a datetime-local value',
    async (field, value) => {
      const admin = await AdminClient.login(await dashboardOfOneNight(), TOKEN)
      const res = await admin.get(`/?${field}=${encodeURIComponent(value)}`)
      expect(res.status).toBe(400)
      expect(await res.text()).toContain(
        `&quot;${field}&quot; must be a date and time like 2026-01-31T09:30 (UTC)`,
      )
    },
  )

  it.skipIf(!existsSync(CHROMIUM))(
    'filters and shows times in UTC in a browser set to Chatham time and a German locale',
    async () => {
      const base = await dashboardOfOneNight()
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--no-sandbox', '--disable-gpu'],
      })
      onCleanup(() => browser.close())
      const context = await browser.newContext({ timezoneId: 'Pacific/Chatham', locale: 'de-DE' })
      const page = await context.newPage()
      expect(await page.evaluate(() => new Date(Date.UTC(2026, 2, 29, 1, 30)).getHours())).toBe(15) // 15:15 there
      await page.goto(`${base}/`)
      await page.fill('input[name=token]', TOKEN)
      await page.click('button:has-text("Log in")')
      await page.waitForSelector('h1:has-text("Events")')
      await page.fill('input[name=from]', '2026-03-29T01:00')
      await page.fill('input[name=to]', '2026-03-29T01:30')
      await page.click('button:has-text("Filter")')
      await page.waitForURL(/from=/)
      expect(new URL(page.url()).searchParams.get('from')).toBe('2026-03-29T01:00')
      expect(await page.locator('tbody time').allTextContents()).toEqual(['2026-03-29 01:30:00'])
      expect(await page.inputValue('input[name=from]')).toBe('2026-03-29T01:00')
    },
  )
})
