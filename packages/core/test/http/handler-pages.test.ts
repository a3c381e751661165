import { describe, expect, it, vi } from 'vitest'
import { admin, call, startApi } from './api-server.js'

/** `count` function handlers in `project`, named so creation order is not name order. */
function register(rio: import('../../src/index.js').Rio, project: string, count: number): void {
  for (let i = 0; i < count; i++) {
    rio.on('tick', `fn-${String((i * 37) % count).padStart(3, '0')}`, () => undefined, { project })
  }
}

describe('GET /api/v1/projects/:project/handlers, a page at a time', () => {
  it('answers the first 50 by name with a nextCursor, and pages on with `after` to nextCursor null', async () => {
    const { rio, url } = await startApi()
    await rio.createProject('shop')
    await rio.createProject('blog')
    register(rio, 'shop', 120)
    register(rio, 'blog', 5)
    await vi.waitFor(async () => expect(await rio.listHandlers({ project: 'shop' })).toHaveLength(120))
    const names = (await rio.listHandlers({ project: 'shop' })).map((h) => h.name)
    expect(names).toEqual([...names].sort())

    const first = await call(`${url}/api/v1/projects/shop/handlers`, { headers: admin })
    expect(first.status).toBe(200)
    expect(first.body.data.map((h: { name: string }) => h.name)).toEqual(names.slice(0, 50))
    expect(first.body.nextCursor).toBe(first.body.data[49].id)

    const seen: string[] = []
    let after: string | null = null
    for (;;) {
      const query: string = after ? `?limit=40&after=${after.toUpperCase()}` : '?limit=40'
      const res = await call(`${url}/api/v1/projects/shop/handlers${query}`, { headers: admin })
      expect(res.status).toBe(200)
      seen.push(...res.body.data.map((h: { name: string }) => h.name))
      after = res.body.nextCursor
      if (after === null) break
    }
    // 120 in three pages of 40: the third, exactly full, says it is the last.
    expect(seen).toEqual(names)

    const whole = await call(`${url}/api/v1/projects/blog/handlers?limit=1000`, { headers: admin })
    expect(whole.body.data).toHaveLength(5)
    expect(whole.body.nextCursor).toBeNull()
  })

  it('refuses a bad limit or cursor with 400 and the field in `issues`', async () => {
    const { rio, url } = await startApi()
    await rio.createProject('shop')
    await rio.createProject('blog')
    register(rio, 'blog', 1)
    await vi.waitFor(async () => expect(await rio.listHandlers({ project: 'blog' })).toHaveLength(1))
    const [blogHandler] = await rio.listHandlers({ project: 'blog' })
    const cases: Array<[string, string, string]> = [
      ['limit=0', 'invalid_request', 'limit'],
      ['limit=1001', 'invalid_request', 'limit'],
      ['limit=ten', 'invalid_request', 'limit'],
      ['limit=5&limit=6', 'invalid_request', 'limit'],
      ['after=42', 'invalid_request', 'after'],
      ['cursor=x', 'invalid_request', ''],
      // A well-formed id that names no handler, or a handler of another project.
      ['after=01890000-0000-7000-8000-000000000000', 'invalid_argument', 'after'],
      [`after=${blogHandler!.id}`, 'invalid_argument', 'after'],
    ]
    for (const [query, code, path] of cases) {
      const res = await call(`${url}/api/v1/projects/shop/handlers?${query}`, { headers: admin })
      expect(res.status, query).toBe(400)
      expect(res.body.error.code, query).toBe(code)
      expect(
        res.body.error.issues.map((i: { path: string }) => i.path),
        query,
      ).toEqual([path])
    }
  })
})
