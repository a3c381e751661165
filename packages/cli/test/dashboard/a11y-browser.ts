/**
 * What the dashboard's accessibility tests share: one headless Chromium per file (Debian's, at
 * /usr/bin/chromium; skipped with a warning when missing, a failure under CI, as in
 * browser.test.ts), logging in, axe-core run inside the page, and small DOM probes.
 *
 * Page scripts are strings: the tests compile without the DOM library.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'
import { expect } from 'vitest'

export const CHROMIUM = '/usr/bin/chromium'
export const available = existsSync(CHROMIUM)
export const MISSING = `${CHROMIUM} is missing: install it with scripts/ensure-chromium.sh (Debian's chromium package)`
export const TOKEN = 'a11y-admin-token-0123456789abcdef'

/** axe-core's browser build, evaluated in each page (the dashboard's CSP refuses an injected `<script>`). */
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

/** WCAG 2.0–2.2 A and AA, and axe's best practices (landmarks, one `h1`, heading order, …). */
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa', 'best-practice']

/** Headless Chromium as the other dashboard browser tests start it; close it in `afterAll`. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
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
}

/**
 * A fresh browser context (its own cookies) logged in to the dashboard at `base`; the page is left
 * on the events list. Console errors (CSP violations among them) and page errors are collected in
 * `problems`, except the failed loads of pages that answer 4xx on purpose.
 */
export async function logIn(
  browser: Browser,
  base: string,
  options: { width?: number; height?: number } = {},
): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
  })
  const page = await context.newPage()
  const problems: string[] = []
  page.on('console', (m) => {
    if (
      m.type() === 'error' &&
      !/Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())
    )
      problems.push(`console: ${m.text()}`)
  })
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
  await page.goto(`${base}/login`)
  await page.getByLabel('Admin token').fill(TOKEN)
  await page.getByRole('button', { name: 'Log in' }).click()
  await page.waitForSelector('h1:has-text("Events")')
  return { context, page, problems }
}

/** Every axe violation on the page as `rule: target (summary)`, one line per offending node. */
export async function axeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate('typeof window.axe === "object"'))) await page.evaluate(AXE_SOURCE)
  const found = (await page.evaluate(
    `axe.run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(AXE_TAGS)} }, resultTypes: ['violations'] }).then((r) =>
      r.violations.flatMap((v) => v.nodes.map((n) => v.id + ': ' + n.target.join(' ') + ' (' + (n.failureSummary || '').replace(/\\s+/g, ' ').slice(0, 160) + ')')))`,
  )) as string[]
  return found
}

/** The page's `document.activeElement` described as `tag#id.class "accessible text"`, for assertions. */
export function focused(page: Page): Promise<string> {
  return page.evaluate(`(() => {
    const e = document.activeElement
    if (!e || e === document.body) return 'body'
    const label = e.getAttribute('aria-label') || (e.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 100)
    return e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ' "' + label + '"'
  })()`) as Promise<string>
}

/** Evaluates `script` (an expression) in the page and returns its value, typed by the caller. */
export function probe<T>(page: Page, script: string): Promise<T> {
  return page.evaluate(script) as Promise<T>
}

/** The text of the elements `aria-describedby` names on the element `selector` finds. */
export function description(page: Page, selector: string): Promise<string> {
  return probe<string>(
    page,
    `(() => {
      const e = document.querySelector(${JSON.stringify(selector)})
      const ids = (e && e.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean)
      return ids.map((id) => { const d = document.getElementById(id); return d ? d.textContent.trim() : '<missing #' + id + '>' }).join(' ')
    })()`,
  )
}

/**
 * Polls `script` (an expression) in the page until it is truthy; fails with `what` after
 * `timeoutMs`. Not `page.waitForFunction`: that evaluates a string with `eval`, which the CSP refuses.
 */
export async function until(page: Page, script: string, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await probe<unknown>(page, script))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

/** Waits until the live region has been refreshed `times` more times (its clock in `#live-note` changes). */
export async function refreshes(page: Page, times = 1): Promise<void> {
  for (let i = 0; i < times; i++) {
    const before = await page.textContent('#live-note')
    await until(
      page,
      `document.getElementById('live-note').textContent !== ${JSON.stringify(before)}`,
      'a refresh',
    )
  }
}

/** Fails unless nothing went wrong in the page (CSP violations, uncaught errors). */
export function expectNoProblems(problems: readonly string[]): void {
  expect(problems).toEqual([])
}
