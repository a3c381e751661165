import { mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { startReceiver } from '../../../../test/support/receiver.js'
import { makeRio, onCleanup, waitUntil } from '../../../core/test/helpers.js'
import { available, launchChromium, MISSING } from './a11y-browser.js'
import { serveDashboard } from './serve.js'

const TOKEN = 'browser-admin-token-0123456789ab'
const artifacts = fileURLToPath(new URL('../../../../test-artifacts/', import.meta.url))
if (!available && !process.env.CI) console.warn(`skipping the dashboard browser test: ${MISSING}`)

async function launch(): Promise<Browser> {
  const browser = await launchChromium()
  onCleanup(() => browser.close())
  return browser
}

/** Everything the page says went wrong: console errors (CSP violations among them), uncaught errors, dialogs. */
function watch(page: Page): string[] {
  const problems: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`)
  })
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`)
    void d.dismiss()
  })
  return problems
}

const xss = (page: Page) => page.evaluate(() => (globalThis as { __xss?: number }).__xss)

describe('the dashboard in headless Chromium', () => {
  // CI installs Chromium (scripts/ensure-chromium.sh), so there a missing browser is a failure.
  it.runIf(!available && Boolean(process.env.CI))('has Chromium to run in', () => {
    throw new Error(MISSING)
  })

  it.skipIf(!available)(
    'logs in, retriggers a dead delivery, sees it succeed by live refresh, and never runs a payload script',
    async () => {
      const receiver = await startReceiver()
      onCleanup(() => receiver.close())
      receiver.respond(() => ({ status: 503, body: 'maintenance until 10:00' }))
      const rio = makeRio({ retrySchedule: [0] })
      const antispam = await rio.webhook('comment-published', {
        url: `${receiver.url}/antispam`,
        name: 'antispam',
      })
      rio.on('*', 'audit-log', async () => {})
      const crm = await rio.webhook('user-signed-up', {
        url: `${receiver.url}/crm?api_key=s3cret`,
        name: 'crm',
      })
      await rio.disableHandler(crm.id, 'endpoint_disabled')
      await rio.start()
      await rio.emit('user-signed-up', { user: 'ada@example.com', plan: 'team' })
      await rio.emit('invoice-paid', { invoice: 'INV-1042', amount: 4900, currency: 'EUR' })
      const { id: eventId } = await rio.emit('comment-published', {
        content: '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">',
        author: 'mallory',
      })
      await waitUntil(
        async () => (await rio.listDeliveries({ status: 'dead' })).length === 1,
        'a dead delivery',
      )
      await waitUntil(
        async () => (await rio.listDeliveries({ status: 'succeeded' })).length === 3,
        'the audit log',
      )
      const [dead] = await rio.listDeliveries({ status: 'dead' })

      const base = await serveDashboard(rio, { adminToken: TOKEN, refreshIntervalMs: 1000 })
      const browser = await launch()
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
      const problems = watch(page)
      mkdirSync(artifacts, { recursive: true })

      await page.goto(`${base}/`)
      await page.waitForSelector('input[name=token]')
      await page.screenshot({ path: `${artifacts}dashboard-login.png` })
      await page.fill('input[name=token]', TOKEN)
      await page.click('button:has-text("Log in")')
      await page.waitForSelector('h1:has-text("Events")')
      expect(await page.textContent(`tr[data-event="${eventId}"] td.payload`)).toContain(
        '<script>window.__xss = 1</script>',
      )
      expect(await xss(page)).toBeUndefined()
      await page.screenshot({ path: `${artifacts}dashboard.png`, fullPage: true })

      await page.click('header nav >> text=Failed')
      await page.waitForSelector(`tr[data-delivery="${dead!.id}"] .badge.dead`)
      await page.screenshot({ path: `${artifacts}dashboard-failed.png`, fullPage: true })
      await page.click(`tr[data-delivery="${dead!.id}"] a:has-text("#${dead!.id}")`)
      await page.waitForSelector(`h1:has-text("Delivery #${dead!.id}")`)

      // The retried request takes 1.5 s: the page shows it unfinished, then live refresh shows it succeed.
      receiver.respond(() => ({ status: 200, body: 'thanks', delayMs: 1500 }))
      await page.click('button:has-text("Retrigger")')
      await page.waitForSelector('.flash.ok:has-text("Retriggered")')
      expect(await page.textContent('dl.facts .badge')).not.toBe('succeeded')
      await page.waitForSelector('#live .badge.succeeded:has-text("succeeded")', { timeout: 10_000 })
      expect(await page.textContent('#live-note')).toMatch(/^live · \d\d:\d\d:\d\d UTC$/)
      const attempts = await page.textContent('#live table')
      expect(attempts).toContain('503')
      expect(attempts).toContain('maintenance until 10:00')
      expect(attempts).toContain('200')
      await page.screenshot({ path: `${artifacts}dashboard-delivery.png`, fullPage: true })

      await page.click('header nav >> text=Handlers')
      await page.click(`tr[data-handler="${antispam.id}"] button:has-text("Disable")`)
      await page.waitForSelector('.flash.ok:has-text("antispam is disabled")')
      await page.waitForSelector(`tr[data-handler="${antispam.id}"] .badge.disabled`)
      expect((await rio.getHandler(antispam.id)).enabled).toBe(false)
      await page.click(`tr[data-handler="${antispam.id}"] button:has-text("Enable")`)
      await page.waitForSelector('.flash.ok:has-text("antispam is enabled")')
      expect(await page.textContent('main')).not.toContain('s3cret')
      await page.screenshot({ path: `${artifacts}dashboard-handlers.png`, fullPage: true })

      await page.click('header nav >> text=Events')
      await page.click(`tr[data-event="${eventId}"] a:has-text("comment-published")`)
      await page.waitForSelector('pre.json')
      expect(await page.textContent('pre.json')).toContain('"content": "<script>window.__xss = 1</script>')
      await page.waitForTimeout(1500) // a live refresh swaps #live in: still nothing runs
      expect(await xss(page)).toBeUndefined()
      await page.screenshot({ path: `${artifacts}dashboard-event.png`, fullPage: true })
      expect(problems).toEqual([])
    },
    60_000,
  )
})
