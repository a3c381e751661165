import { describe, expect, it } from 'vitest'
import { startReceiver } from '../../../test/support/receiver.js'
import { makeRio, onCleanup, waitUntil } from '../../core/test/helpers.js'
import { serveMetrics } from './support/serve-metrics.js'

describe('createMetrics', () => {
  it('labels deliveries with the redacted handler name and the handler id, the same on every scrape', async () => {
    const receiver = await startReceiver()
    onCleanup(() => receiver.close())
    const rio = makeRio()
    const url = await serveMetrics(rio)
    // Default names, `<pattern> <url>`: both redact to the same text, only their ids tell them apart.
    const hookUrl = (token: string) => `http://${token}@127.0.0.1:${receiver.port}/hook?api_key=k3y-${token}`
    const first = await rio.webhook('order.*', { url: hookUrl('tok-first-111') })
    const second = await rio.webhook('order.*', { url: hookUrl('tok-second-222') })
    await rio.start()
    await rio.emit('order.paid', { order: 7 })
    await waitUntil(
      async () => (await rio.listDeliveries({ status: 'succeeded' })).length === 2,
      'both deliveries succeeded',
    )
    const scrape = async () => {
      const res = await fetch(url)
      expect(res.status).toBe(200)
      return (await res.text())
        .split('\n')
        .filter((line) => line.startsWith('rio_deliveries_succeeded_total'))
    }
    const lines = await scrape()
    const shown = `order.* http://***@127.0.0.1:${receiver.port}/hook?api_key=***`
    expect(lines.sort()).toEqual(
      [first.id, second.id]
        .map(
          (id) => `rio_deliveries_succeeded_total{project="default",handler="${shown}",handler_id="${id}"} 1`,
        )
        .sort(),
    )
    expect((await scrape()).sort()).toEqual(lines)
    const all = await (await fetch(url)).text()
    for (const secret of ['tok-first-111', 'tok-second-222', 'k3y-']) expect(all).not.toContain(secret)
  })
})
