import { describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/index.js'
import { gate, lateHandlerReads, makeRio, onCleanup, receiver, sleep, waitUntil } from '../helpers.js'

const T0 = Date.parse('2026-01-01T00:00:00Z')

describe('Dispatcher when a handler changes while it works', () => {
  it('keeps the handler enabled when the URL it moved away from answers 410 after the update', async () => {
    const old = await receiver()
    const fresh = await receiver()
    const hold = gate()
    onCleanup(hold.open)
    old.respond(async () => {
      await hold.opened
      return { status: 410 }
    })
    const rio = makeRio()
    const disabled: string[] = []
    rio.events.on('handler.disabled', (_handler, reason) => disabled.push(reason))
    const handler = await rio.webhook('x', { url: old.url })
    await rio.start()
    const { id } = await rio.emit('x', {})
    await old.waitFor(1)
    await rio.updateHandler(handler.id, { url: fresh.url })

    const dead = new Promise((resolve) => rio.events.once('delivery.dead', resolve))
    hold.open()
    await dead
    const [delivery] = await rio.listDeliveries({ eventId: id })
    expect(delivery).toMatchObject({ status: 'dead', lastStatus: 410 })
    expect(disabled).toEqual([])
    expect(await rio.getHandler(handler.id)).toMatchObject({ url: fresh.url, enabled: true })
    await rio.emit('x', {})
    await fresh.waitFor(1)
  })

  it('disables the handler at a 410 though the same webhook was declared again while the attempt was out', async () => {
    const r = await receiver()
    const hold = gate()
    onCleanup(hold.open)
    r.respond(async () => {
      await hold.opened
      return { status: 410 }
    })
    const rio = makeRio()
    const options = { url: r.url, name: 'audit', headers: { 'x-team': 'a' } }
    const handler = await rio.webhook('x', options)
    await rio.start()
    await rio.emit('x', {})
    await r.waitFor(1)
    // Another process booting, or a config sync: the same declaration changes nothing.
    await rio.webhook('x', options)
    const disabled = new Promise((resolve) =>
      rio.events.once('handler.disabled', (_h, reason) => resolve(reason)),
    )
    hold.open()
    expect(await disabled).toBe('gone')
    expect(await rio.getHandler(handler.id)).toMatchObject({ enabled: false, disabledReason: 'gone' })
  })

  it('keeps delivering while handler changes arrive faster than a read of the handlers', async () => {
    const r = await receiver()
    let reads = 0
    // Handler reads answer 20 ms late, as a networked store's may.
    const store = lateHandlerReads(async () => {
      reads++
      await sleep(20)
    })
    const rio = makeRio({ store })
    await rio.webhook('x', { url: r.url })
    const other = await rio.webhook('y', { url: r.url })
    await rio.start()
    let churning = true
    let churned = false
    // Changes every ~5 ms for up to 20 s; the delivery must not wait for them to stop.
    const churn = (async () => {
      for (let n = 1; churning && n < 4000; n++) {
        await rio.updateHandler(other.id, { concurrency: (n % 5) + 1 })
        await sleep(5)
      }
      churned = true
    })()
    onCleanup(async () => {
      churning = false
      await churn
    })
    await rio.emit('x', {})
    await r.waitFor(1, 25_000)
    expect(churned).toBe(false)
    churning = false
    await churn
    expect(reads).toBeGreaterThan(3)
  })

  it('claims with the settings of an update that resolved while the handlers were being read', async () => {
    const old = await receiver()
    const fresh = await receiver()
    // A store whose handler reads answer late, as any networked store's may: the rows are read,
    // then held until the test lets them go.
    let hold: { read: () => void; answer: Promise<void> } | null = null
    const store = lateHandlerReads(async () => {
      const held = hold
      if (held) {
        held.read()
        await held.answer
      }
    })
    const rio = makeRio({ store, clock: new ManualClock(T0) })
    const handler = await rio.webhook('x', { url: old.url })
    await rio.start()
    const read = gate()
    const answer = gate()
    onCleanup(answer.open)
    hold = { read: read.open, answer: answer.opened }
    // Any change makes the dispatcher read its handlers again; this read sees the old URL.
    await rio.updateHandler(handler.id, { concurrency: 2 })
    await read.opened
    hold = null
    await rio.updateHandler(handler.id, { url: fresh.url })
    // Due before the old rows arrive: the round they arrive in must not claim it with them.
    await rio.emit('x', {})
    answer.open()

    await waitUntil(() => old.requests.length + fresh.requests.length > 0, 'the delivery')
    await sleep(50)
    expect({ old: old.requests.length, fresh: fresh.requests.length }).toEqual({ old: 0, fresh: 1 })
  })
})
