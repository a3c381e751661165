import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startReceiver } from '../../../../test/support/receiver.js'
import type { Rio } from '../../../core/src/index.js'
import { makeRio, onCleanup, waitUntil } from '../../../core/test/helpers.js'
import {
  available,
  axeViolations,
  description,
  expectNoProblems,
  focused,
  launchChromium,
  logIn,
  MISSING,
  probe,
  TOKEN,
} from './a11y-browser.js'
import { serveDashboard } from './serve.js'

if (!available && !process.env.CI) console.warn(`skipping the dashboard accessibility test: ${MISSING}`)

/**
 * A Rio with something on every view: a dead delivery whose response is long, a retrying one, a
 * function handler, a disabled handler, two projects, an event no handler wanted and a payload
 * too long for its box.
 */
async function seeded(): Promise<{ rio: Rio; base: string; eventId: string; deadId: string }> {
  const receiver = await startReceiver()
  onCleanup(() => receiver.close())
  const body = `maintenance until 10:00\n${'Retry later, the database is being migrated.\n'.repeat(20)}`
  receiver.respond(() => ({ status: 503, body }))
  const rio = makeRio({ retrySchedule: [0] })
  await rio.webhook('comment-published', { url: `${receiver.url}/antispam`, name: 'antispam' })
  await rio.webhook('comment-published', {
    url: `${receiver.url}/later`,
    name: 'tries-again',
    retrySchedule: [0, 3_600_000],
  })
  rio.on('*', 'audit-log', async () => {})
  const crm = await rio.webhook('user-signed-up', { url: `${receiver.url}/crm`, name: 'crm' })
  await rio.disableHandler(crm.id, 'endpoint_disabled')
  await rio.start()
  await rio.emit('user-signed-up', { user: 'ada@example.com' })
  await rio.emit('invoice-paid', { amount: 3 }, { project: 'billing' })
  const lines = Array.from({ length: 60 }, (_, i) => ({ line: i, text: 'lorem ipsum '.repeat(i % 7) }))
  const { id: eventId } = await rio.emit('comment-published', { content: 'hello', lines })
  const settled = await waitUntil(async () => {
    const ds = await rio.listDeliveries({ eventId })
    const done = ds.filter((d) => d.status === 'dead' || (d.status === 'pending' && d.attempts > 0))
    return done.length === 2 && (await rio.listDeliveries({ status: 'succeeded' })).length === 2 ? ds : null
  }, 'a dead, a retrying and two delivered deliveries')
  const dead = settled.find((d) => d.status === 'dead')!
  const base = await serveDashboard(rio, { adminToken: TOKEN, refreshIntervalMs: 60_000 })
  return { rio, base, eventId, deadId: dead.id }
}

/** The page's accessibility tree as Playwright prints it (`- button "Disable antispam"`). */
const tree = (page: Page) => page.locator('body').ariaSnapshot()

/**
 * The accessible names of every `role` node in `snapshot` (`null` for an unnamed one). A line that
 * YAML would misread (a name with ` #`) comes single-quoted: `- 'button "Retrigger delivery #2"'`.
 */
function names(snapshot: string, role: string): (string | null)[] {
  const line = new RegExp(`^\\s*- '?${role}(?: "((?:[^"\\\\]|\\\\.)*)")?(?=[\\s:\\['"]|$)`, 'gm')
  return [...snapshot.matchAll(line)].map((m) => m[1]?.replaceAll("''", "'") ?? null)
}

describe('the dashboard’s accessibility in headless Chromium (WCAG 2.2 AA)', () => {
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
    'has no axe violation, a lang, a title of its own and named tables on every view, at 1280 px and 320 px',
    async () => {
      const { rio, base, eventId, deadId } = await seeded()
      const empty = await serveDashboard(makeRio(), { adminToken: TOKEN, refreshIntervalMs: 60_000 })
      const found: Record<string, string[]> = {}
      const check = async (page: Page, view: string, title: string, tables: string[] = []) => {
        const problems = await axeViolations(page)
        if ((await probe(page, 'document.documentElement.lang')) !== 'en') problems.push('lang is not "en"')
        if ((await page.title()) !== title) problems.push(`title is "${await page.title()}", not "${title}"`)
        const snapshot = await tree(page)
        const named = names(snapshot, 'table')
        if (JSON.stringify(named) !== JSON.stringify(tables))
          problems.push(`tables named ${JSON.stringify(named)}, not ${JSON.stringify(tables)}`)
        if (snapshot.includes('●')) problems.push('the decorative ● is read out')
        for (const role of ['button', 'combobox', 'link']) {
          const all = names(snapshot, role)
          if (all.includes(null) || all.includes('')) problems.push(`an unnamed ${role}`)
          // A list of a page's controls (a screen reader's, speech control's) must tell the rows apart.
          const twice = all.filter((name, i) => role !== 'link' && all.indexOf(name) !== i)
          if (twice.length > 0) problems.push(`${role}s named alike: ${JSON.stringify(twice)}`)
        }
        found[view] = problems
        return snapshot
      }

      const anonymous = await browser.newContext()
      const login = await anonymous.newPage()
      await login.goto(`${base}/login`)
      await check(login, 'login', 'Log in · Rio')
      await login.getByLabel('Admin token').fill('not the token')
      await login.getByRole('button', { name: 'Log in' }).click()
      await login.waitForSelector('.flash.error')
      await check(login, 'login, wrong token', 'Error: Log in · Rio')
      await anonymous.close()

      const { context, page, problems } = await logIn(browser, base)
      const views: [string, string, string, string[]][] = [
        ['events', '/', 'Events · Rio', ['Events']],
        ['events, a date that does not exist', '/?from=2026-02-30T10:00', 'Error: Events · Rio', []],
        ['event', `/events/${eventId}`, 'Event comment-published · Rio', ['Deliveries']],
        ['delivery', `/deliveries/${deadId}`, `Delivery #${deadId} · Rio`, ['Attempts']],
        ['failed', '/failed', 'Failed deliveries · Rio', ['Dead deliveries', 'Retrying deliveries']],
        ['handlers', '/handlers', 'Handlers · Rio', ['Handlers']],
        ['not found', '/deliveries/424242', 'Not found · Rio', []],
      ]
      const trees: Record<string, string> = {}
      for (const [view, path, title, tables] of views) {
        await page.goto(`${base}${path}`)
        trees[view] = await check(page, view, title, tables)
      }
      expect(names(trees.handlers!, 'button')).toEqual(
        expect.arrayContaining(['Disable antispam', 'Recover antispam', 'Enable crm', 'Recover crm']),
      )
      expect(names(trees.failed!, 'button')).toContain(`Retrigger delivery #${deadId}`)
      const noHandler = (await rio.listEvents({ name: 'invoice-paid', project: 'billing' }))[0]!
      await page.goto(`${base}/events/${noHandler.id}`)
      await check(page, 'event no handler wanted', 'Event invoice-paid · Rio')
      await page.goto(`${base}/deliveries/${deadId}`)
      await page.locator('details summary').first().click()
      await check(page, 'delivery, a long response unfolded', `Delivery #${deadId} · Rio`, ['Attempts'])

      await page.goto(`${base}/handlers`)
      await page.locator('tr:has-text("antispam") button:has-text("Disable")').click()
      await page.waitForSelector('.flash.ok')
      await check(page, 'handlers, after an action', 'Handlers · Rio', ['Handlers'])
      // A refused action: a span Recover does not offer (as a stale form could send).
      const antispam = (await rio.listHandlers()).find((h) => h.name === 'antispam')!
      const row = `tr[data-handler="${antispam.id}"]`
      await probe(page, `document.querySelector('${row} select').options[0].value = '2y'`)
      await page.locator(`${row} select`).selectOption({ index: 0 })
      await page.locator(`${row} button:has-text("Recover")`).click()
      await page.waitForSelector('.flash.error')
      await check(page, 'handlers, a refused action', 'Handlers · Rio', ['Handlers'])

      await page.goto(`${empty}/login`)
      await page.getByLabel('Admin token').fill(TOKEN)
      await page.getByRole('button', { name: 'Log in' }).click()
      await page.waitForSelector('h1:has-text("Events")')
      await check(page, 'events, none yet', 'Events · Rio')
      for (const [view, path, title] of [
        ['failed, none', '/failed', 'Failed deliveries · Rio'],
        ['handlers, none', '/handlers', 'Handlers · Rio'],
      ] as const) {
        await page.goto(`${empty}${path}`)
        await check(page, view, title)
      }
      await page.getByRole('button', { name: 'Log out' }).click()
      await page.waitForSelector('.flash.ok')
      await check(page, 'login, logged out', 'Log in · Rio')
      await context.close()

      // Reflow (WCAG 1.4.10): a 320 px window (1280 px at 400 %) scrolls only inside wide tables,
      // which a keyboard can scroll too (axe's scrollable-region-focusable, on the pages they scroll).
      const phone = await logIn(browser, base, { width: 320, height: 640 })
      for (const [view, path, axe] of [
        ['events', '/', false],
        ['event', `/events/${eventId}`, true],
        ['delivery', `/deliveries/${deadId}`, true],
        ['failed', '/failed', true],
        ['handlers', '/handlers', false],
      ] as const) {
        await phone.page.goto(`${base}${path}`)
        const wider = await probe<number>(phone.page, 'document.documentElement.scrollWidth - innerWidth')
        found[`${view} at 320 px`] = [
          ...(axe ? await axeViolations(phone.page) : []),
          ...(wider > 0 ? [`${wider} px wider than the window`] : []),
        ]
      }
      await phone.context.close()

      expect(Object.fromEntries(Object.entries(found).filter(([, list]) => list.length > 0))).toEqual({})
      expect(Object.keys(found)).toHaveLength(22)
      expectNoProblems([...problems, ...phone.problems])
    },
    90_000,
  )

  it.skipIf(!available)(
    'lets a keyboard skip to the content and shows where focus is and the current page, in forced colors too',
    async () => {
      const { base, eventId } = await seeded()
      const { context, page, problems } = await logIn(browser, base)
      for (const forced of [false, true]) {
        await page.emulateMedia({ forcedColors: forced ? 'active' : 'none' })
        await page.goto(`${base}/events/${eventId}`)
        await page.keyboard.press('Tab')
        expect(await focused(page)).toBe('a "Skip to content"')
        const skip = (await page.locator('a:has-text("Skip to content")').boundingBox())!
        expect(skip.y).toBeGreaterThanOrEqual(0)
        expect(skip.height).toBeGreaterThan(10)
        await page.keyboard.press('Enter')
        expect(await focused(page)).toMatch(/^main#main /)
        const order: string[] = []
        const unseen: string[] = []
        for (let i = 0; i < 40; i++) {
          await page.keyboard.press('Tab')
          const now = await focused(page)
          if (now === 'body' || now === 'a "Skip to content"') break
          order.push(now)
          const style = await probe<{ outline: string; width: number; inMain: boolean }>(
            page,
            `(() => { const s = getComputedStyle(document.activeElement); return { outline: s.outlineStyle, width: parseFloat(s.outlineWidth), inMain: !!document.activeElement.closest('main') } })()`,
          )
          if (!style.inMain) unseen.push(`${now} is outside main`)
          if (!(style.outline === 'auto' || (style.outline !== 'none' && style.width >= 2)))
            unseen.push(`${now}: outline ${style.outline} ${style.width}px`)
        }
        expect(unseen, forced ? 'forced colors' : 'default colors').toEqual([])
        // The payload's scroll box, the deliveries table's and each delivery are reachable by keyboard.
        expect(
          order.filter((f) => /^(pre|div) /.test(f)),
          forced ? 'forced colors' : 'default colors',
        ).toHaveLength(2)
        expect(order.some((f) => f.startsWith('a "#'))).toBe(true)

        // The current page's tab keeps its mark, the others have none (forced colors paint every border).
        const marks = await probe<{ current: string; others: string[]; canvas: string }>(
          page,
          `(() => {
            const color = (e) => { const s = getComputedStyle(e); return s.borderBottomStyle === 'none' || parseFloat(s.borderBottomWidth) === 0 ? 'none' : s.borderBottomColor }
            const links = [...document.querySelectorAll('header nav a')]
            return {
              current: color(links.find((a) => a.getAttribute('aria-current') === 'page')),
              others: links.filter((a) => !a.hasAttribute('aria-current')).map(color),
              canvas: getComputedStyle(document.querySelector('header')).backgroundColor,
            }
          })()`,
        )
        const unmarked = [marks.canvas, 'rgba(0, 0, 0, 0)', 'none']
        expect(marks.others, forced ? 'forced colors' : 'default colors').toHaveLength(2)
        for (const other of marks.others)
          expect(unmarked, forced ? 'forced colors' : 'default colors').toContain(other)
        expect(unmarked, forced ? 'forced colors' : 'default colors').not.toContain(marks.current)
      }
      expectNoProblems(problems)
      await context.close()
    },
  )

  it.skipIf(!available)(
    'ties the login error to the token field, marks it invalid and keeps focus there',
    async () => {
      const { base } = await seeded()
      const context = await browser.newContext()
      const page = await context.newPage()
      await page.goto(`${base}/login`)
      expect(await focused(page)).toBe('input#token ""')
      await page.keyboard.type('not the token')
      await page.keyboard.press('Enter')
      await page.waitForSelector('.flash.error')
      expect(await page.title()).toBe('Error: Log in · Rio')
      expect(await focused(page)).toBe('input#token ""')
      expect(await page.getAttribute('#token', 'aria-invalid')).toBe('true')
      expect(await description(page, '#token')).toContain('That is not the admin token.')
      await context.close()
    },
  )

  it.skipIf(!available)(
    'keeps the filter form on a date that does not exist, with the error on the field and focus in it',
    async () => {
      const { base } = await seeded()
      const { context, page, problems } = await logIn(browser, base)
      const res = await page.goto(`${base}/?name=comment&from=2026-02-30T10%3A00`)
      expect(res!.status()).toBe(400)
      expect(await page.title()).toBe('Error: Events · Rio')
      expect(await page.getByLabel('Event name').inputValue()).toBe('comment')
      expect(await page.getAttribute('#filter-from', 'aria-invalid')).toBe('true')
      expect(await description(page, '#filter-from')).toContain(
        '"from" must be a date and time like 2026-01-31T09:30 (UTC), got "2026-02-30T10:00"',
      )
      expect(await page.getAttribute('#filter-to', 'aria-invalid')).toBeNull()
      expect(await focused(page)).toMatch(/^input#filter-from /)
      // Fixed, the same form filters again.
      await page.getByLabel('From (UTC)').fill('2026-02-28T10:00')
      await page.keyboard.press('Enter')
      await page.waitForURL(/from=2026-02-28T10%3A00/)
      expect(await page.getAttribute('#filter-from', 'aria-invalid')).toBeNull()
      expect(await page.title()).toBe('Events · Rio')
      expectNoProblems(problems)
      await context.close()
    },
  )

  it.skipIf(!available)(
    'moves focus to the result of an action, so a screen reader reads it after the reload',
    async () => {
      const { rio, base } = await seeded()
      const { context, page, problems } = await logIn(browser, base)
      await page.goto(`${base}/handlers`)
      const antispam = (await rio.listHandlers()).find((h) => h.name === 'antispam')!
      await page.locator(`tr[data-handler="${antispam.id}"] button:has-text("Disable")`).focus()
      await page.keyboard.press('Enter')
      await page.waitForSelector('.flash.ok')
      expect(await focused(page)).toBe('p "antispam is disabled; its deliveries wait until it is enabled."')
      expect(await page.getAttribute('.flash.ok', 'role')).toBe('status')
      // The next Tab goes on into the page, not back to the header.
      await page.keyboard.press('Tab')
      expect(await probe<boolean>(page, `!!document.activeElement.closest('main')`)).toBe(true)
      expectNoProblems(problems)
      await context.close()
    },
  )
})
