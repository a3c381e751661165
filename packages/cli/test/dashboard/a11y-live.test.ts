import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startReceiver } from '../../../../test/support/receiver.js'
import { UnrecoverableError } from '../../../core/src/index.js'
import { makeRio, onCleanup, sleep, waitUntil } from '../../../core/test/helpers.js'
import {
  available,
  expectNoProblems,
  focused,
  launchChromium,
  logIn,
  MISSING,
  probe,
  refreshes,
  TOKEN,
  until,
} from './a11y-browser.js'
import { serveDashboard } from './serve.js'

if (!available && !process.env.CI)
  console.warn(`skipping the dashboard live-refresh accessibility test: ${MISSING}`)

/** The shortest refresh the options allow; a wait of `QUIET` spans one refresh at least. */
const EVERY = 1000
const QUIET = EVERY + 600

/** A dashboard refreshing every second over a Rio holding `events` events named `event-<i>`. */
async function dashboardOf(events: number): Promise<{ rio: ReturnType<typeof makeRio>; base: string }> {
  const rio = makeRio()
  await rio.emitMany(Array.from({ length: events }, (_, i) => ({ name: `event-${i}`, payload: { i } })))
  return { rio, base: await serveDashboard(rio, { adminToken: TOKEN, refreshIntervalMs: EVERY }) }
}

const rowCount = (page: Page) => page.locator('#live tr[data-event]').count()

describe('the dashboard’s live refresh, for keyboard and screen reader users', () => {
  // CI installs Chromium (scripts/ensure-chromium.sh), so there a missing browser is a failure.
  it.runIf(!available && Boolean(process.env.CI))('has Chromium to run in', () => {
    throw new Error(MISSING)
  })

  let browser: Browser
  beforeAll(async () => {
    if (available) browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
  })

  it.skipIf(!available)(
    'keeps the focus on the link a keyboard user is on when a new row arrives, and a half-typed filter',
    async () => {
      const { rio, base } = await dashboardOf(3)
      const { context, page, problems } = await logIn(browser, base)
      // The list is not a live region: a change is not read out, the page is not re-read.
      expect(
        await probe(
          page,
          `[...document.querySelectorAll('#live, #live *')].filter((e) => e.matches('[aria-live], [role=status], [role=alert], [role=log]')).length`,
        ),
      ).toBe(0)
      await page.getByLabel('Event name').fill('event-')
      await page.getByRole('link', { name: 'event-1' }).focus()
      const { id } = await rio.emit('event-3', { i: 3 })
      await page.waitForSelector(`#live tr[data-event="${id}"]`, { timeout: 5000 })
      expect(await focused(page)).toBe('a "event-1"')
      expect(await probe(page, `document.activeElement.isConnected`)).toBe(true)
      expect(await page.getByLabel('Event name').inputValue()).toBe('event-')
      expect(await rowCount(page)).toBe(4)
      // Tab goes on from where the focus is, into the next row.
      await page.keyboard.press('Tab')
      expect(await focused(page)).toBe('a "event-0"')
      expectNoProblems(problems)
      await context.close()
    },
  )

  it.skipIf(!available)(
    'moves the focus to the control now in its place when the focused row goes away, not to the page top',
    async () => {
      let failing = true
      const rio = makeRio({ retrySchedule: [0] })
      rio.on('order-created', 'billing', async () => {
        if (failing) throw new UnrecoverableError('the ledger is read-only')
      })
      await rio.start()
      await rio.emit('order-created', { n: 1 })
      await rio.emit('order-created', { n: 2 })
      const dead = await waitUntil(async () => {
        const ds = await rio.listDeliveries({ status: 'dead' })
        return ds.length === 2 ? ds : null
      }, 'two dead deliveries')
      const [newer, older] = dead // newest first, as the failed view lists them
      const base = await serveDashboard(rio, { adminToken: TOKEN, refreshIntervalMs: EVERY })
      const { context, page, problems } = await logIn(browser, base)
      await page.goto(`${base}/failed`)
      await page.locator(`tr[data-delivery="${newer!.id}"] button`).focus()
      failing = false
      await rio.redeliver(newer!.id)
      await page.waitForSelector(`tr[data-delivery="${newer!.id}"]`, { state: 'detached', timeout: 5000 })
      expect(await focused(page)).toBe(`button "Retrigger delivery #${older!.id}"`)
      expectNoProblems(problems)
      await context.close()
    },
  )

  it.skipIf(!available)(
    'leaves an unfolded response open and the focus on it while the page refreshes',
    async () => {
      const receiver = await startReceiver()
      onCleanup(() => receiver.close())
      receiver.respond(() => ({
        status: 503,
        body: `maintenance\n${'the database is migrating\n'.repeat(30)}`,
      }))
      const rio = makeRio({ retrySchedule: [0] })
      await rio.webhook('order-created', { url: `${receiver.url}/hook`, name: 'ledger' })
      await rio.start()
      await rio.emit('order-created', { n: 1 })
      const [dead] = await waitUntil(async () => {
        const ds = await rio.listDeliveries({ status: 'dead' })
        return ds.length === 1 ? ds : null
      }, 'a dead delivery')
      const base = await serveDashboard(rio, { adminToken: TOKEN, refreshIntervalMs: EVERY })
      const { context, page, problems } = await logIn(browser, base)
      await page.goto(`${base}/deliveries/${dead!.id}`)
      await page.locator('#live details summary').focus()
      await page.keyboard.press('Enter')
      expect(await probe(page, `document.querySelector('#live details').open`)).toBe(true)
      await refreshes(page, 2)
      expect(await probe(page, `document.querySelector('#live details').open`)).toBe(true)
      expect(await focused(page)).toMatch(/^summary "maintenance/)
      expectNoProblems(problems)
      await context.close()
    },
  )

  it.skipIf(!available)(
    'keeps text selected in the list selected (for copying an id) until the admin lets go of it',
    async () => {
      const { rio, base } = await dashboardOf(3)
      const { context, page, problems } = await logIn(browser, base)
      const [first] = await rio.listEvents({ name: 'event-1' })
      await probe(
        page,
        `(() => { const range = document.createRange(); range.selectNodeContents(document.querySelector('tr[data-event="${first!.id}"] td.payload code')); getSelection().removeAllRanges(); getSelection().addRange(range) })()`,
      )
      const { id } = await rio.emit('event-3', { i: 3 })
      await sleep(QUIET)
      expect(await probe(page, 'getSelection().toString()')).toBe('{"i":1}')
      await probe(page, 'getSelection().removeAllRanges()')
      await page.waitForSelector(`#live tr[data-event="${id}"]`, { timeout: 5000 })
      expectNoProblems(problems)
      await context.close()
    },
  )

  it.skipIf(!available)('keeps the rows on screen in place when new ones arrive above them', async () => {
    const { rio, base } = await dashboardOf(45)
    const { context, page, problems } = await logIn(browser, base, { height: 600 })
    const [middle] = await rio.listEvents({ name: 'event-20' })
    const row = page.locator(`tr[data-event="${middle!.id}"]`)
    await probe(
      page,
      `document.querySelector('tr[data-event="${middle!.id}"]').scrollIntoView({ block: 'start' })`,
    )
    const top = async () => (await row.boundingBox())!.y
    const before = await top()
    expect(await probe(page, 'scrollY')).toBeGreaterThan(500)
    const { id } = await rio.emit('event-45', { i: 45 })
    await page.waitForSelector(`#live tr[data-event="${id}"]`, { state: 'attached', timeout: 5000 })
    expect(Math.abs((await top()) - before)).toBeLessThan(2)
    expectNoProblems(problems)
    await context.close()
  })

  it.skipIf(!available)(
    'has a Pause button (WCAG 2.2.2) that stops the updates on every page until Resume, and says so politely',
    async () => {
      const { rio, base } = await dashboardOf(2)
      const { context, page, problems } = await logIn(browser, base)
      const state = () => page.textContent('#live-state')
      expect(await page.getAttribute('#live-state', 'role')).toBe('status')
      await refreshes(page)
      expect(await state()).toBe('live') // the time changes each refresh, the status does not
      const pause = page.getByRole('button', { name: 'Pause updates' })
      await pause.focus()
      await page.keyboard.press('Enter')
      expect(await state()).toBe('paused')
      expect(await focused(page)).toBe('button#live-toggle "Resume updates"')
      await page.goto(`${base}/failed`) // still paused on another page
      expect(await state()).toBe('paused')
      await page.goto(`${base}/`)
      expect(await state()).toBe('paused')
      await rio.emit('event-2', { i: 2 })
      await sleep(QUIET)
      expect(await rowCount(page)).toBe(2)
      await page.getByRole('button', { name: 'Resume updates' }).click()
      expect(await state()).toBe('live')
      await waitUntil(async () => (await rowCount(page)) === 3, 'the row that came while paused')
      // Nothing animates, with or without reduced motion: the rows appear, nothing slides.
      await page.emulateMedia({ reducedMotion: 'reduce' })
      expect(await probe(page, 'document.getAnimations().length')).toBe(0)
      expectNoProblems(problems)
      await context.close()
    },
  )

  it.skipIf(!available)(
    'says politely when the server cannot be reached, and keeps a half-typed filter when the session ends',
    async () => {
      const { base } = await dashboardOf(2)
      const { context, page } = await logIn(browser, base)
      await context.setOffline(true)
      const state = (text: string) => `document.getElementById('live-state').textContent === '${text}'`
      await until(page, state('offline, retrying'), 'the offline state')
      await context.setOffline(false)
      await until(page, state('live'), 'the live state')

      await page.getByLabel('Event name').fill('order-')
      const csrf = await page.getAttribute('input[name=csrf]', 'value')
      const out = await page.request.post(`${base}/logout`, { form: { csrf: csrf! }, maxRedirects: 0 })
      expect(out.status()).toBe(303)
      await until(page, state('logged out: reload the page to log in'), 'the logged-out state')
      await sleep(QUIET)
      expect(new URL(page.url()).pathname).toBe('/dashboard/')
      expect(await page.getByLabel('Event name').inputValue()).toBe('order-')
      expect(await page.getByRole('button', { name: /updates$/ }).count()).toBe(0)
      await context.close()
    },
  )
})
