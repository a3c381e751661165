import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { type Receiver, startReceiver } from '../../../../test/support/receiver.js'
import { ManualClock } from '../../src/index.js'
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { makeRio, onCleanup, sleep, tempDir, waitUntil } from '../helpers.js'

const T0 = Date.parse('2026-01-01T00:00:00Z')

async function receiver(): Promise<Receiver> {
  const r = await startReceiver()
  onCleanup(() => r.close())
  return r
}

/** A promise and the function that resolves it. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void
  const opened = new Promise<void>((resolve) => (open = resolve))
  return { opened, open }
}

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

  it('claims with the settings of an update that resolved while the handlers were being read', async () => {
    const old = await receiver()
    const fresh = await receiver()
    // A store whose handler reads answer late, as any networked store's may: the rows are read,
    // then held until the test lets them go.
    const inner = new SqliteStore({ database: join(tempDir(), 'rio.db') })
    onCleanup(() => inner.close())
    let hold: { read: () => void; answer: Promise<void> } | null = null
    const store = new Proxy(inner, {
      get(target, prop) {
        if (prop === 'listHandlers') {
          return async (...args: Parameters<SqliteStore['listHandlers']>) => {
            const rows = await target.listHandlers(...args)
            const held = hold
            if (held) {
              held.read()
              await held.answer
            }
            return rows
          }
        }
        const value = Reflect.get(target, prop, target)
        return typeof value === 'function' ? value.bind(target) : value
      },
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
