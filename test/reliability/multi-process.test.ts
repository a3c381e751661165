import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Rio } from '../../packages/core/src/index.js'
import { onCleanup, tempDir, waitUntil } from '../../packages/core/test/helpers.js'
import { startReceiver } from '../support/receiver.js'
import { startRioProcess } from './support.js'

const ADMIN = { authorization: 'Bearer admin-token-for-tests-0123456789' }

describe('several processes on one SQLite file', () => {
  it('a web process and two workers deliver every event, never the same one twice at once, with no SQLITE_BUSY', async () => {
    const receiver = await startReceiver()
    onCleanup(() => receiver.close())
    // Track overlap: a webhook-id arriving while the same id is being answered is a concurrent duplicate.
    const inFlight = new Set<string>()
    let concurrentDuplicates = 0
    receiver.respond(async (req) => {
      const id = String(req.headers['webhook-id'])
      if (inFlight.has(id)) concurrentDuplicates++
      inFlight.add(id)
      await new Promise((resolve) => setTimeout(resolve, 2))
      inFlight.delete(id)
      return { status: 200 }
    })
    const database = join(tempDir(), 'rio.db')
    const setup = new Rio({ database })
    const { secret } = await setup.createSender('shop', 'checkout')
    await setup.webhook('order.paid', { url: receiver.url, project: 'shop', concurrency: 16 })
    await setup.stop()

    const web = await startRioProcess('web', database)
    const workers = [await startRioProcess('worker', database), await startRioProcess('worker', database)]
    const auth = `Basic ${Buffer.from(`checkout:${secret}`).toString('base64')}`
    const total = 2000
    const started = Date.now()
    const statuses: number[] = []
    for (let i = 0; i < total; i += 100) {
      const res = await fetch(`${web.url}/api/v1/projects/shop/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: auth },
        body: JSON.stringify({
          events: Array.from({ length: 100 }, (_, k) => ({ name: 'order.paid', payload: { n: i + k } })),
        }),
      })
      statuses.push(res.status)
    }
    expect(new Set(statuses)).toEqual(new Set([202]))
    await waitUntil(
      () => new Set(receiver.requests.map((r) => r.headers['webhook-id'])).size === total,
      'every event delivered',
      60_000,
    )
    const seconds = (Date.now() - started) / 1000
    const deliveries = await fetch(`${web.url}/api/v1/deliveries?status=pending&limit=1`, { headers: ADMIN })
    expect(((await deliveries.json()) as { data: unknown[] }).data).toEqual([])
    expect(concurrentDuplicates).toBe(0)
    expect(receiver.requests.length).toBe(total)
    for (const p of [web, ...workers]) expect(p.output()).not.toMatch(/SQLITE_BUSY|database is locked/)
    console.info(
      `multi-process: ${total} events through 1 web + 2 workers in ${seconds.toFixed(1)} s (${Math.round(total / seconds)}/s)`,
    )
  }, 90_000)
})
