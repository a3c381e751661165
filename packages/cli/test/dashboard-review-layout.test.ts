import { existsSync } from 'node:fs'
import { type Browser, chromium } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { startReceiver } from '../../../test/support/receiver.js'
import { makeRio, onCleanup, waitUntil } from '../../core/test/helpers.js'
import { serveDashboard } from './dashboard/serve.js'

const CHROMIUM = '/usr/bin/chromium'
const TOKEN = 'layout-review-token-0123456789ab'
const available = existsSync(CHROMIUM)
const MISSING = `${CHROMIUM} is missing: install it with scripts/ensure-chromium.sh (Debian's chromium package)`
if (!available && !process.env.CI) console.warn(`skipping the dashboard layout test: ${MISSING}`)

async function launch(): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  })
  onCleanup(() => browser.close())
  return browser
}

describe('the dashboard layout in headless Chromium', () => {
  // CI installs Chromium (scripts/ensure-chromium.sh), so there a missing browser is a failure.
  it.runIf(!available && Boolean(process.env.CI))('has Chromium to run in', () => {
    throw new Error(MISSING)
  })

  it.skipIf(!available)(
    'fits every page in a 375 px phone with Log out in view, and shows each handler’s actions at 1280 px without scrolling the table',
    async () => {
      const receiver = await startReceiver()
      onCleanup(() => receiver.close())
      receiver.respond(() => ({ status: 500, body: 'down' }))
      const rio = makeRio({ retrySchedule: [0] })
      // No name: the default name is `<pattern> <url>`, long like real webhook URLs.
      await rio.webhook('order-created', {
        url: `${receiver.url}/hooks/${'segment-'.repeat(12)}end?api_key=s3cret&tenant=acme`,
      })
      await rio.webhook('order-created', { url: `${receiver.url}/crm`, name: 'crm' })
      await rio.start()
      const { id: eventId } = await rio.emit('order-created', { order: 'A-1042', note: 'x'.repeat(400) })
      const [dead] = await waitUntil(async () => {
        const ds = await rio.listDeliveries({ status: 'dead' })
        return ds.length === 2 ? ds : null
      }, 'two dead deliveries')
      const base = await serveDashboard(rio, { adminToken: TOKEN, refreshIntervalMs: 0 })
      const browser = await launch()

      const phone = await browser.newPage({ viewport: { width: 375, height: 700 } })
      await phone.goto(`${base}/login`)
      await phone.fill('input[name=token]', TOKEN)
      await phone.click('button:has-text("Log in")')
      await phone.waitForSelector('h1:has-text("Events")')
      const overflowing: string[] = []
      for (const path of ['/', `/events/${eventId}`, `/deliveries/${dead!.id}`, '/failed', '/handlers']) {
        await phone.goto(`${base}${path}`)
        // A string, not a function: the tests compile without the DOM library.
        const scroll = Number(
          await phone.evaluate('document.documentElement.scrollWidth - window.innerWidth'),
        )
        const box = await phone.locator('header button:has-text("Log out")').boundingBox()
        const logout = box ? box.x + box.width : Number.NaN
        if (!(scroll <= 0 && logout <= 375))
          overflowing.push(`${path}: ${scroll} px wider, Log out at ${logout}`)
      }
      expect.soft(overflowing).toEqual([])

      const desk = await browser.newPage({ viewport: { width: 1280, height: 800 } })
      await desk.context().addCookies(await phone.context().cookies())
      await desk.goto(`${base}/handlers`)
      const wrap = (await desk.locator('.table-wrap').boundingBox())!
      const hidden: string[] = []
      for (const button of await desk.locator('tr[data-handler] button').all()) {
        const box = (await button.boundingBox())!
        if (box.x + box.width > wrap.x + wrap.width) hidden.push((await button.textContent()) ?? '')
      }
      expect(hidden).toEqual([])
    },
    30_000,
  )
})
