import { describe, expect, it } from 'vitest'
import { RioValidationError } from '../../../src/errors.js'
import type { Handler } from '../../../src/handlers/handler.js'
import type { Store } from '../../../src/store/store.js'
import { type CurrentStore, functionInput, T0, webhookInput } from './fixtures.js'

/** The listing order: project name, then name (both compared as strings, code unit by code unit). */
function key(h: Pick<Handler, 'project' | 'name'>): string {
  return `${h.project}\u0000${h.name}`
}

/** Handler names that do not sort in the order they are created: `n0007`, `n2493`, `n0014`, … */
function scrambled(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `n${String((i * 7919) % count).padStart(4, '0')}`)
}

/** Every page of `filter`, `limit` at a time, calling `between` after each page but the last. */
async function walk(
  store: Store,
  filter: { project?: string; enabled?: boolean },
  limit: number,
  between: (page: number, last: Handler, full: boolean) => Promise<void> = async () => {},
): Promise<Handler[][]> {
  const pages: Handler[][] = []
  let after: string | undefined
  for (;;) {
    const page = await store.listHandlers({ ...filter, limit, ...(after ? { after } : {}) })
    expect(page.length).toBeLessThanOrEqual(limit)
    if (page.length === 0) return pages
    pages.push(page)
    after = page.at(-1)!.id
    await between(pages.length, page.at(-1)!, page.length === limit)
  }
}

/** Listing handlers a page at a time (`limit`, `after`) and looking them up by id. */
export function handlerPagesContract(store: CurrentStore): void {
  describe('handler pages and lookups', () => {
    it('pages through 2 500 handlers by project and name, each exactly once, while handlers are added and removed between pages', async () => {
      const names = scrambled(2500)
      const projects = ['beta', 'alpha', 'gamma']
      const all: Handler[] = []
      for (const [i, name] of names.entries()) {
        all.push(await store().insertHandler(webhookInput(projects[i % 3]!, name, '*'), T0))
      }
      const removed = new Set<string>()
      const added: Handler[] = []
      // Between full pages: the page's last handler (the cursor) removed, a handler not reached yet
      // removed, and one handler added before the cursor and one after it.
      const pages = await walk(store(), {}, 97, async (page, last, full) => {
        if (!full) return
        await store().deleteHandler(last.id, T0 + page)
        removed.add(last.id)
        const ahead = all.find((h) => key(h) > key(last) && !removed.has(h.id))
        if (ahead && page % 2 === 0) {
          await store().deleteHandler(ahead.id, T0 + page)
          removed.add(ahead.id)
        }
        for (const name of [`a-added-${page}`, `z-added-${page}`]) {
          added.push(await store().insertHandler(webhookInput(last.project, name, '*'), T0 + page))
        }
      })
      const seen = pages.flat()
      expect(pages.slice(0, -1).every((page) => page.length === 97)).toBe(true)
      expect(new Set(seen.map((h) => h.id)).size).toBe(seen.length)
      for (let i = 1; i < seen.length; i++) expect(key(seen[i - 1]!) < key(seen[i]!)).toBe(true)
      const ids = new Set(seen.map((h) => h.id))
      // Every handler there from start to end was listed; none removed before its page came.
      const stayed = all.filter((h) => !removed.has(h.id))
      expect(stayed.filter((h) => !ids.has(h.id))).toEqual([])
      // Added ones come when they sort after the page they were added after, never before.
      const listedAdded = added.filter((h) => ids.has(h.id))
      expect(listedAdded.every((h) => h.name.startsWith('z-added-'))).toBe(true)
      expect(listedAdded.length).toBeGreaterThan(0)
    })

    it('pages through one project by name, filters kept, with a cursor of a handler removed since', async () => {
      for (const name of scrambled(30)) {
        await store().insertHandler(webhookInput('shop', name, '*'), T0)
        await store().insertHandler(functionInput('blog', name, '*'), T0)
      }
      const everyOne = await store().listHandlers({ project: 'shop' })
      expect(everyOne.map((h) => h.name)).toEqual([...scrambled(30)].sort())
      const first = await store().listHandlers({ project: 'shop', limit: 10 })
      expect(first).toEqual(everyOne.slice(0, 10))
      await store().deleteHandler(first.at(-1)!.id, T0 + 1)
      // A handler takes the removed one's name: the next page starts after that name all the same.
      await store().insertHandler(webhookInput('shop', first.at(-1)!.name, '*'), T0 + 2)
      const second = await store().listHandlers({ project: 'shop', limit: 10, after: first.at(-1)!.id })
      expect(second).toEqual(everyOne.slice(10, 20))
      // A handler disabled since still marks its place in a list of enabled ones.
      await store().setHandlerEnabled(second.at(-1)!.id, false, 'manual', T0 + 3)
      const third = await store().listHandlers({
        project: 'shop',
        enabled: true,
        limit: 100,
        after: second.at(-1)!.id,
      })
      expect(third).toEqual(everyOne.slice(20))
      // Across projects: the rest of blog's (functions, filtered out), then shop's webhooks.
      const blog = await store().listHandlers({ project: 'blog' })
      const webhooks = await store().listHandlers({ kind: 'webhook', limit: 5, after: blog[3]!.id })
      expect(webhooks.map((h) => h.id)).toEqual(
        (await store().listHandlers({ project: 'shop', limit: 5 })).map((h) => h.id),
      )
    })

    it('lists every handler without a limit, and the ones after the cursor with `after` alone', async () => {
      for (const project of ['b', 'a']) {
        for (const name of ['y', 'x', 'z']) await store().insertHandler(webhookInput(project, name, '*'), T0)
      }
      const all = await store().listHandlers()
      expect(all.map(key)).toEqual(
        ['a x', 'a y', 'a z', 'b x', 'b y', 'b z'].map((k) => k.replace(' ', '\u0000')),
      )
      expect(await store().listHandlers({ after: all[1]!.id })).toEqual(all.slice(2))
      expect(await store().listHandlers({ after: all[5]!.id })).toEqual([])
      expect(await store().listHandlers({ limit: 4, after: all[1]!.id })).toEqual(all.slice(2, 6))
      expect(await store().listHandlers({ project: 'nope', limit: 4 })).toEqual([])
    })

    it('refuses a cursor that names no handler, or one of another project, with an issue at `after`', async () => {
      const a = await store().insertHandler(webhookInput('a', 'h', '*'), T0)
      await store().insertHandler(webhookInput('b', 'h', '*'), T0)
      for (const filter of [
        { after: '01890000-0000-7000-8000-000000000000' },
        { project: 'b', after: a.id },
      ]) {
        const error = await store()
          .listHandlers({ ...filter, limit: 10 })
          .then(
            () => null,
            (e: unknown) => e,
          )
        expect(error).toBeInstanceOf(RioValidationError)
        expect((error as RioValidationError).code).toBe('invalid_argument')
        expect((error as RioValidationError).issues?.map((i) => i.path)).toEqual([['after']])
      }
    })

    it('looks handlers up by id in the order asked, once each, leaving out unknown and removed ids', async () => {
      const [a, b, c] = [
        await store().insertHandler(webhookInput('p', 'a', '*'), T0),
        await store().insertHandler(functionInput('q', 'b', '*'), T0),
        await store().insertHandler(webhookInput('p', 'c', '*'), T0),
      ]
      await store().deleteHandler(b!.id, T0 + 1)
      const unknown = '01890000-0000-7000-8000-000000000000'
      const found = await store().getHandlers([c!.id, unknown, a!.id, b!.id, c!.id, 'not an id'])
      expect(found).toEqual([await store().getHandler(c!.id), await store().getHandler(a!.id)])
      expect(await store().getHandlers([])).toEqual([])
    })

    it('looks up more ids at once than SQLite binds variables in one statement (32 766)', async () => {
      const handlers: Handler[] = []
      for (let i = 0; i < 50; i++)
        handlers.push(await store().insertHandler(webhookInput('p', `h${i}`, '*'), T0))
      const unknown = Array.from(
        { length: 40_000 },
        (_, i) => `01890000-0000-7000-8000-${String(i).padStart(12, '0')}`,
      )
      const found = await store().getHandlers([...unknown, ...handlers.map((h) => h.id).reverse()])
      expect(found.map((h) => h.name)).toEqual(handlers.map((h) => h.name).reverse())
    })
  })
}
