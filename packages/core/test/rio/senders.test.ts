import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/clock.js'
import type { Sender } from '../../src/store/store.js'
import { makeRio, tempDir } from '../helpers.js'

/** Counts the store's sender lookups. */
function countLookups(rio: ReturnType<typeof makeRio>): { readonly count: number } {
  const counter = { count: 0 }
  const getSender = rio.store.getSender.bind(rio.store)
  rio.store.getSender = (project: string, name: string): Promise<Sender | null> => {
    counter.count++
    return getSender(project, name)
  }
  return counter
}

describe('sender authentication', () => {
  it('reads a sender from the database once per second, not once per emit', async () => {
    const clock = new ManualClock(Date.parse('2026-11-27T12:00:00Z'))
    const rio = makeRio({ clock })
    const { secret } = await rio.createSender('shop', 'checkout')
    const lookups = countLookups(rio)
    for (let i = 0; i < 50; i++) {
      expect(await rio.authenticateSender('shop', 'checkout', secret)).toMatchObject({ ok: true })
    }
    expect(lookups.count).toBe(1)
    clock.advance(1001)
    expect(await rio.authenticateSender('shop', 'checkout', secret)).toMatchObject({ ok: true })
    expect(lookups.count).toBe(2)
    // The secret is still checked on every call, cached or not.
    expect(await rio.authenticateSender('shop', 'checkout', 'not-the-secret')).toEqual({
      ok: false,
      reason: 'unauthorized',
    })
  })

  it('refuses a sender removed through this Rio at once', async () => {
    const rio = makeRio()
    const { secret } = await rio.createSender('shop', 'checkout')
    expect(await rio.authenticateSender('shop', 'checkout', secret)).toMatchObject({ ok: true })
    expect(await rio.removeSender('shop', 'checkout')).toBe(true)
    expect(await rio.authenticateSender('shop', 'checkout', secret)).toEqual({
      ok: false,
      reason: 'unauthorized',
    })
  })

  it('accepts a sender another process creates at once, and refuses one it removes within a second', async () => {
    const clock = new ManualClock(Date.parse('2026-11-27T12:00:00Z'))
    const file = join(tempDir(), 'shared.db')
    const web = makeRio({ database: file, clock })
    const admin = makeRio({ database: file, clock })
    // Unknown first: a miss must not be remembered.
    expect(await web.authenticateSender('shop', 'checkout', 'whatever-secret')).toMatchObject({ ok: false })
    const { secret } = await admin.createSender('shop', 'checkout')
    expect(await web.authenticateSender('shop', 'checkout', secret)).toMatchObject({ ok: true })
    await admin.removeSender('shop', 'checkout')
    clock.advance(1001)
    expect(await web.authenticateSender('shop', 'checkout', secret)).toEqual({
      ok: false,
      reason: 'unauthorized',
    })
  })

  it('answers forbidden, not a wrong secret, for valid credentials of a same-named sender in another project', async () => {
    const rio = makeRio()
    await rio.createSender('shop', 'checkout')
    const { secret: other } = await rio.createSender('blog', 'checkout')
    expect(await rio.authenticateSender('shop', 'checkout', other)).toEqual({
      ok: false,
      reason: 'forbidden',
    })
    expect(await rio.authenticateSender('shop', 'checkout', 'neither-secret')).toEqual({
      ok: false,
      reason: 'unauthorized',
    })
    expect(await rio.authenticateSender('blog', 'checkout', other)).toMatchObject({ ok: true })
  })

  it('tries at most three other projects when a secret is wrong, not every one with that sender name', async () => {
    const rio = makeRio()
    for (let i = 0; i < 12; i++) await rio.createSender(`p${i}`, 'checkout')
    let checked = 0
    const list = rio.store.listSendersNamed.bind(rio.store)
    rio.store.listSendersNamed = async (name, options) => {
      const senders = await list(name, options)
      checked += senders.length
      return senders
    }
    expect(await rio.authenticateSender('p0', 'checkout', 'a-wrong-guess')).toEqual({
      ok: false,
      reason: 'unauthorized',
    })
    // One scrypt per sender checked: a wrong guess costs at most four, whatever the project count.
    expect(checked).toBe(3)
    // The oldest same-named senders are the ones tried: their valid credentials still get a 403.
    const { secret } = await rio.createSender('solo', 'billing')
    expect(await rio.authenticateSender('p5', 'billing', secret)).toEqual({ ok: false, reason: 'forbidden' })
  })
})
