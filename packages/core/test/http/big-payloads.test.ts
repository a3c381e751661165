import { describe, expect, it } from 'vitest'
import { admin, call, eventCount, postJson, startApi, withSender } from './api-server.js'

const MiB = 1024 * 1024
/** What one page of the event list carries of payload at most, as `routes/events.ts` says. */
const PAGE_PAYLOAD_CHARS = 8 * MiB

/** A string payload of `bytes` bytes as JSON (its quotes included). */
function stringOf(bytes: number, mark = 'x'): string {
  return mark.repeat(bytes - 2)
}

describe('payload size limits over HTTP', () => {
  it('counts UTF-8 bytes: accepts a payload of exactly maxPayloadBytes and refuses one byte more', async () => {
    const limit = 1000
    const { rio, url } = await startApi({ rio: { maxPayloadBytes: limit } })
    const { authorization } = await withSender(rio)
    const target = `${url}/api/v1/projects/shop/events`
    // "é" is 2 bytes: 1000 bytes as JSON in 500 characters, the last one ending on the limit.
    const at = 'é'.repeat((limit - 2) / 2)
    const over = `${'é'.repeat((limit - 2) / 2 - 1)}xxx`
    expect(Buffer.byteLength(JSON.stringify(at))).toBe(limit)
    expect(Buffer.byteLength(JSON.stringify(over))).toBe(limit + 1)
    const accepted = await postJson(target, { name: 'at', payload: at }, { authorization })
    expect(accepted.status).toBe(202)
    const refused = await postJson(target, { name: 'over', payload: over }, { authorization })
    expect(refused.status).toBe(413)
    expect(refused.body.error).toEqual({
      code: 'payload_too_large',
      message: expect.stringMatching(/1001 bytes as JSON, over the limit of 1000; .*raise maxPayloadBytes/),
    })
    expect(await eventCount(rio)).toBe(1)
    expect((await rio.getEvent(accepted.body.id)).payload).toBe(at)
  })

  it('names the body limit and how to raise it when a batch is over maxBodyBytes, though each payload fits', async () => {
    const { rio, url } = await startApi({ rio: { maxPayloadBytes: 10_000 }, api: { maxBodyBytes: 50_000 } })
    const { authorization } = await withSender(rio)
    const events = Array.from({ length: 10 }, (_, i) => ({ name: 'part', payload: stringOf(9000, `${i}`) }))
    const res = await postJson(`${url}/api/v1/projects/shop/events`, { events }, { authorization })
    expect(res.status).toBe(413)
    expect(res.body.error).toEqual({
      code: 'body_too_large',
      message: expect.stringMatching(/over the limit of 50000 bytes; .*raise the server's maxBodyBytes/),
    })
    expect(await eventCount(rio)).toBe(0)
  })
})

describe('the event list with big payloads', () => {
  it('ends a page once its payloads pass 8 MiB, and the cursors still reach every event once, in order', async () => {
    const { rio, url } = await startApi({ rio: { maxPayloadBytes: MiB } })
    const size = 512 * 1024
    const ids: string[] = []
    for (let i = 0; i < 40; i++)
      ids.push((await rio.emit('big', stringOf(size, String.fromCharCode(97 + (i % 26))))).id)
    const seen: string[] = []
    const pages: Array<{ events: number; bytes: number }> = []
    let cursor: string | null = null
    do {
      const query: string = cursor ? `&before=${cursor}` : ''
      const res = await fetch(`${url}/api/v1/events?limit=100${query}`, { headers: admin })
      const text = await res.text()
      expect(res.status).toBe(200)
      const body = JSON.parse(text) as {
        data: Array<{ id: string; payload: string }>
        nextCursor: string | null
      }
      pages.push({ events: body.data.length, bytes: text.length })
      for (const event of body.data) {
        expect(event.payload.length).toBe(size - 2)
        seen.push(event.id)
      }
      cursor = body.nextCursor
    } while (cursor !== null && pages.length < 10)
    // Before, one page held all 40 (20 MiB).
    expect(pages.map((p) => p.events)).toEqual([16, 16, 8])
    for (const page of pages) expect(page.bytes).toBeLessThan(PAGE_PAYLOAD_CHARS + 64 * 1024)
    expect(seen).toEqual([...ids].reverse())
  })

  it('answers a page of one event whose payload alone is over the budget, with a cursor past it', async () => {
    const { rio, url } = await startApi({ rio: { maxPayloadBytes: 10 * MiB } })
    const older = await rio.emit('small', { n: 1 })
    const huge = await rio.emit('huge', stringOf(9 * MiB))
    const first = await call(`${url}/api/v1/events`, { headers: admin })
    expect(first.status).toBe(200)
    expect(first.body.data.map((e: { id: string }) => e.id)).toEqual([huge.id])
    expect(first.body.data[0].payload).toHaveLength(9 * MiB - 2)
    expect(first.body.nextCursor).toBe(huge.id)
    const second = await call(`${url}/api/v1/events?before=${huge.id}`, { headers: admin })
    expect(second.body).toEqual({ data: [expect.objectContaining({ id: older.id })], nextCursor: null })
  })

  it('still answers a full page in one read-through, with no cursor when nothing follows', async () => {
    const { rio, url } = await startApi()
    for (let i = 0; i < 5; i++) await rio.emit('small', { i })
    const exact = await call(`${url}/api/v1/events?limit=5`, { headers: admin })
    expect(exact.body.data).toHaveLength(5)
    expect(exact.body.nextCursor).toBeNull()
    const short = await call(`${url}/api/v1/events?limit=3`, { headers: admin })
    expect(short.body.data.map((e: { payload: { i: number } }) => e.payload.i)).toEqual([4, 3, 2])
    expect(short.body.nextCursor).toBe(short.body.data[2].id)
  })
})
