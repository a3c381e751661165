import { existsSync, mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { startReceiver } from '../../../../test/support/receiver.js'
import { makeRio, onCleanup, waitUntil } from '../../../core/test/helpers.js'
import { serveDashboard } from './serve.js'

const CHROMIUM = '/usr/bin/chromium'
const TOKEN = 'browser-admin-token-0123456789ab'
const artifacts = fileURLToPath(new URL('../../../../test-artifacts/', import.meta.url))
// CI installs Chromium (scripts/ensure-chromium.sh), so there a missing browser is a failure.
const available = existsSync(CHROMIUM)
if (!available && process.env.CI) throw new Error(`${CHROMIUM} is missing: run scripts/ensure-chromium.sh`)

describe.skipIf(!available)('the dashboard in a real browser (headless Chromium)', () => {
  it('logs in, finds a failed delivery, retriggers it, sees it succeed, and never runs a payload script', async () => {
    const receiver = await startReceiver()
    onCleanup(() => receiver.close())
    receiver.respond(() => ({ status: 503, body: 'maintenance' }))
    const rio = makeRio({ retrySchedule: [0] })
    await rio.webhook('comment-published', { url: receiver.url, name: 'antispam' })
    await rio.start()
    await rio.emit('comment-published', {
      content: '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">',
    })
    await waitUntil(
      async () => (await rio.listDeliveries({ status: 'dead' })).length === 1,
      'a dead delivery',
    )

    const base = await serveDashboard(rio, { adminToken: TOKEN })

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    })
    onCleanup(() => browser.close())
    const page = await browser.newPage()
    const dialogs: string[] = []
    page.on('dialog', (d) => {
      dialogs.push(d.message())
      void d.dismiss()
    })
    await page.goto(`${base}/`)
    await page.fill('input[name=token]', TOKEN)
    await page.click('text=Log in')
    await page.waitForSelector('h1:has-text("Events")')
    expect(await page.evaluate(() => (globalThis as { __xss?: number }).__xss)).toBeUndefined()
    expect(await page.textContent('td.payload')).toContain('<script>window.__xss = 1</script>')

    await page.click('text=Failed')
    await page.waitForSelector('.badge.dead')
    receiver.respond(() => ({ status: 200 }))
    await page.click('button:has-text("Retrigger")')
    await page.waitForSelector('.flash:has-text("Retriggered")')
    await waitUntil(
      async () => (await rio.listDeliveries({ status: 'succeeded' })).length === 1,
      'the retriggered delivery',
    )
    await page.reload()
    await page.waitForSelector('.badge.succeeded')
    expect(await page.textContent('table')).toContain('503')
    expect(await page.textContent('table')).toContain('200')

    await page.click('text=Events')
    await page.click('td a')
    await page.waitForSelector('pre.payload')
    expect(await page.evaluate(() => (globalThis as { __xss?: number }).__xss)).toBeUndefined()
    expect(dialogs).toEqual([])
    mkdirSync(artifacts, { recursive: true })
    await page.screenshot({ path: `${artifacts}dashboard.png`, fullPage: true })
  }, 60_000)
})
