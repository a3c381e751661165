import { describe, expect, it } from 'vitest'
import { startReceiver } from '../../../../test/support/receiver.js'
import type { RioEvent } from '../../src/index.js'
import { makeRio, onCleanup, waitUntil } from '../helpers.js'

async function receiver() {
  const r = await startReceiver()
  onCleanup(() => r.close())
  return r
}

describe('fan-out', () => {
  it('delivers one emit to every webhook and function handler concurrently', async () => {
    const receivers = await Promise.all([receiver(), receiver(), receiver()])
    const rio = makeRio()
    // Every receiver holds its answer until all three have a request: sequential delivery would deadlock.
    let arrived = 0
    let release!: () => void
    const all = new Promise<void>((resolve) => {
      release = resolve
    })
    for (const r of receivers) {
      r.respond(async () => {
        if (++arrived === 3) release()
        await all
        return { status: 200 }
      })
      await rio.webhook('comment-published', { url: `${r.url}/hook` })
    }
    const seen: string[] = []
    rio.on('comment-published', 'audit', async (event: RioEvent) => {
      seen.push(`audit:${event.id}`)
    })
    rio.on('comment-*', 'counter', async (event: RioEvent) => {
      seen.push(`counter:${event.id}`)
    })
    await rio.start()

    const { id, deliveries } = await rio.emit('comment-published', { ip: '127.0.0.1', content: 'hi' })

    expect(deliveries).toBe(5)
    await Promise.all(receivers.map((r) => r.waitFor(1, 5000)))
    await waitUntil(() => seen.length === 2, 'both function handlers')
    expect(seen.sort()).toEqual([`audit:${id}`, `counter:${id}`])
    for (const r of receivers) {
      const [request] = r.requests
      expect(request!.headers['webhook-id']).toBe(id)
      expect(JSON.parse(request!.body)).toEqual({ ip: '127.0.0.1', content: 'hi' })
      expect(request!.headers['x-rio-event']).toBe(`uuid=${id},project=default,action=comment-published`)
      expect(request!.headers['user-agent']).toMatch(/^Rio\/\d+\.\d+\.\d+/)
      expect(request!.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/)
    }
    await waitUntil(async () => {
      const done = await rio.listDeliveries({ eventId: id, status: 'succeeded' })
      return done.length === 5
    }, 'five succeeded deliveries')
  })

  it('routes by pattern: exact names, prefix patterns and the catch-all', async () => {
    const rio = makeRio()
    const got: Record<string, string[]> = { exact: [], prefix: [], all: [], other: [] }
    rio.on('comment.published', 'exact', (e: RioEvent) => void got.exact!.push(e.name))
    rio.on('comment.*', 'prefix', (e: RioEvent) => void got.prefix!.push(e.name))
    rio.on('*', 'all', (e: RioEvent) => void got.all!.push(e.name))
    rio.on('user.*', 'other', (e: RioEvent) => void got.other!.push(e.name))
    await rio.start()

    expect((await rio.emit('comment.published', {})).deliveries).toBe(3)
    expect((await rio.emit('comment.deleted.v2', {})).deliveries).toBe(2)
    expect((await rio.emit('commentary', {})).deliveries).toBe(1)
    await waitUntil(() => got.all!.length === 3, 'catch-all deliveries')
    await waitUntil(() => got.prefix!.length === 2, 'prefix deliveries')
    expect(got.exact).toEqual(['comment.published'])
    expect(got.prefix!.sort()).toEqual(['comment.deleted.v2', 'comment.published'])
    expect(got.other).toEqual([])
  })

  it('keeps projects apart', async () => {
    const rio = makeRio()
    const got: string[] = []
    rio.on('ping', 'a-only', (e: RioEvent) => void got.push(e.project), { project: 'a' })
    await rio.start()
    expect((await rio.emit('ping', {}, { project: 'b' })).deliveries).toBe(0)
    expect((await rio.emit('ping', {}, { project: 'a' })).deliveries).toBe(1)
    await waitUntil(() => got.length === 1, 'the project a delivery')
    expect(got).toEqual(['a'])
  })

  it('sends each content type the way receivers of the original Rio expect', async () => {
    const r = await receiver()
    const rio = makeRio()
    await rio.webhook('comment-published', { url: `${r.url}/json`, name: 'json' })
    await rio.webhook('comment-published', { url: `${r.url}/form`, name: 'form', contentType: 'form' })
    await rio.webhook('comment-published', { url: `${r.url}/fp`, name: 'fp', contentType: 'form-payload' })
    await rio.webhook('comment-published', {
      url: `${r.url}/comments/{{ payload.id }}`,
      name: 'template',
      method: 'PUT',
      headers: { 'x-team': 'antispam' },
    })
    await rio.start()
    await rio.emit('comment-published', { id: 'a b/c', content: 'I am a spammer', score: 3 })
    await r.waitFor(4, 5000)
    const byPath = Object.fromEntries(r.requests.map((q) => [q.path.split('?')[0], q]))
    expect(JSON.parse(byPath['/json']!.body)).toEqual({ id: 'a b/c', content: 'I am a spammer', score: 3 })
    expect(byPath['/form']!.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/)
    const form = new URLSearchParams(byPath['/form']!.body)
    expect(form.get('content')).toBe('I am a spammer')
    expect(form.get('score')).toBe('3')
    expect(JSON.parse(new URLSearchParams(byPath['/fp']!.body).get('payload')!)).toMatchObject({ score: 3 })
    const templated = byPath['/comments/a%20b%2Fc']!
    expect(templated.method).toBe('PUT')
    expect(templated.headers['x-team']).toBe('antispam')
  })
})
