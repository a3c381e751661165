import { connect, type Socket } from 'node:net'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { startReceiver } from '../../../../test/support/receiver.js'
import { ManualClock, type Rio } from '../../src/index.js'
import { gate, lateHandlerReads, makeRio, onCleanup, tempDir, waitUntil } from '../helpers.js'
import { admin, call, eventCount, postJson, startApi, withSender } from './api-server.js'

/** Resolves with what `socket` received from now on, once it includes `text`. */
function receivedUntil(socket: Socket, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = ''
    const onData = (chunk: Buffer) => {
      seen += chunk.toString('utf8')
      if (!seen.includes(text)) return
      socket.off('data', onData)
      resolve(seen)
    }
    socket.on('data', onData)
    socket.once('error', reject)
  })
}

/**
 * POSTs `body` to `path` with `Expect: 100-continue`, removes the sender once Node has handed the
 * request to the API (the 100 is written then: the credentials are checked, or being checked),
 * then sends the body. Resolves with the answer's status.
 */
async function postWhileRemoving(
  url: string,
  path: string,
  sender: { project: string; name: string; authorization: string },
  body: string,
): Promise<number> {
  const socket = connect(Number(new URL(url).port), '127.0.0.1')
  onCleanup(() => void socket.destroy())
  await new Promise<void>((resolve) => socket.once('connect', resolve))
  const continued = receivedUntil(socket, '100 Continue')
  socket.write(
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
      `Authorization: ${sender.authorization}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`,
  )
  await continued
  const removed = await call(`${url}/api/v1/projects/${sender.project}/senders/${sender.name}`, {
    method: 'DELETE',
    headers: admin,
  })
  expect(removed.status).toBe(204)
  const answered = receivedUntil(socket, '\r\n\r\n')
  socket.write(body)
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(await answered)?.[1])
}

describe('races between concurrent operations (review)', () => {
  it('refuses an emit whose sender was deleted while its body was still arriving', async () => {
    const { rio, url } = await startApi()
    const sender = await withSender(rio)
    const body = JSON.stringify({ name: 'order.paid', payload: { n: 1 } })
    const status = await postWhileRemoving(url, `/api/v1/projects/${sender.project}/events`, sender, body)
    // docs/api.md: deleting a sender refuses its credentials at once in this process. The event
    // would be stored after the 204 that said the credentials were revoked.
    expect(status).toBe(401)
    expect(await eventCount(rio)).toBe(0)
  })

  it('refuses an original-route emit whose sender was deleted while its body was still arriving', async () => {
    const { rio, url } = await startApi()
    const sender = await withSender(rio)
    const path = `/event/${sender.project}/emit/order.paid`
    const status = await postWhileRemoving(url, path, sender, JSON.stringify({ n: 1 }))
    expect(status).toBe(401)
    expect(await eventCount(rio)).toBe(0)
  })

  it('never accepts a sender removed while its credentials were being checked', async () => {
    const rio = makeRio()
    const sender = await withSender(rio)
    // The first check of a secret is a scrypt on the thread pool: the removal lands during it.
    const checking = rio.authenticateSender(sender.project, sender.name, sender.secret)
    expect(await rio.removeSender(sender.project, sender.name)).toBe(true)
    expect(await checking).toEqual({ ok: false, reason: 'unauthorized' })
    // And a check that passed reports a later removal.
    await rio.createSender(sender.project, sender.name, { secret: sender.secret })
    const passed = await rio.authenticateSender(sender.project, sender.name, sender.secret)
    expect(passed.ok && passed.stillValid()).toBe(true)
    await rio.removeSender(sender.project, sender.name)
    expect(passed.ok && passed.stillValid()).toBe(false)
  })

  it('makes a second stop() wait for the first instead of resolving while attempts still run', async () => {
    const receiver = await startReceiver()
    onCleanup(() => receiver.close())
    const held = gate()
    receiver.respond(async () => {
      await held.opened
      return { status: 200 }
    })
    const rio = makeRio({ stopTimeoutMs: 10_000 })
    await rio.webhook('x', { url: receiver.url })
    await rio.start()
    await rio.emit('x', {})
    await receiver.waitFor(1)
    let firstDone = false
    const first = rio.stop().then(() => {
      firstDone = true
    })
    // A second signal handler, `await using`, a test's cleanup: each awaits stop().
    let secondDone = false
    const second = rio.stop().then(() => {
      secondDone = true
    })
    // The attempt is held by the receiver: no stop can be finished after a turn of the event loop.
    await new Promise<void>((resolve) => setImmediate(resolve))
    const inFlight = rio.inFlight
    expect({ secondDone, inFlight }).toEqual({ secondDone: false, inFlight: 1 })
    held.open()
    await second
    expect(firstDone).toBe(true)
    await first
  })

  it('answers 503 closed, not 500, once stop() has won a race with a start() still in progress', async () => {
    const { rio, url } = await startApi()
    const started = rio.start()
    await rio.stop()
    await started.catch(() => undefined)
    const emitted = await postJson(`${url}/api/v1/projects/default/events`, { name: 'x' }, admin)
    expect(emitted.status).toBe(503)
    expect(emitted.body.error.code).toBe('closed')
    // And a later stop() has nothing left to do (today it throws: the webhook sender is closed).
    await expect(rio.stop()).resolves.toBeUndefined()
  })

  it('updates one handler when the same webhook is declared twice at once', async () => {
    const rio = makeRio()
    const receiver = await startReceiver()
    onCleanup(() => receiver.close())
    // webhook() is an upsert by name "so a host can declare its webhooks on every boot".
    const declared = await Promise.allSettled([
      rio.webhook('x', { url: receiver.url, name: 'audit' }),
      rio.webhook('x', { url: receiver.url, name: 'audit' }),
    ])
    expect(declared.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled'])
    expect(await rio.listHandlers()).toHaveLength(1)
  })

  it('declares the same webhook and function handler from two processes booting at once', async () => {
    // Two Rio instances on one file are two processes as far as the store can tell (`rio start
    // --role web` and `--role worker` both declaring their handlers on boot).
    const database = join(tempDir(), 'shared.db')
    const web = makeRio({ database })
    const worker = makeRio({ database })
    const declared = await Promise.allSettled([
      web.webhook('x', { url: 'http://127.0.0.1:9/hook', name: 'audit' }),
      worker.webhook('x', { url: 'http://127.0.0.1:9/hook', name: 'audit' }),
    ])
    expect(declared.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled'])
    const [first, second] = declared.map((result) => (result.status === 'fulfilled' ? result.value : null))
    // Both boots got the one handler, with the one signing secret.
    expect(second?.id).toBe(first?.id)
    expect(second?.secrets).toEqual(first?.secrets)
    const errors: Error[] = []
    web.events.on('error', (error) => errors.push(error))
    worker.events.on('error', (error) => errors.push(error))
    web.on('y', 'mailer', () => undefined)
    worker.on('y', 'mailer', () => undefined)
    // emit() waits for the registrations to be stored.
    await Promise.all([web.emit('y', {}), worker.emit('y', {})])
    expect(errors).toEqual([])
    expect((await web.listHandlers()).map((handler) => handler.name).sort()).toEqual(['audit', 'mailer'])
  })

  it('does not let a 410 from the old URL, answered after a PATCH to a new URL, disable the handler', async () => {
    const old = await startReceiver()
    const fresh = await startReceiver()
    onCleanup(() => old.close())
    onCleanup(() => fresh.close())
    const held = gate()
    old.respond(async () => {
      await held.opened
      return { status: 410, body: 'gone: moved to the new endpoint' }
    })
    const { rio, url } = await startApi()
    await rio.createProject('shop')
    const handler = await rio.webhook('x', { url: old.url, project: 'shop' })
    await rio.start()
    await rio.emit('x', { n: 1 }, { project: 'shop' })
    await old.waitFor(1)
    const patched = await call(`${url}/api/v1/handlers/${handler.id}`, {
      method: 'PATCH',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ url: fresh.url }),
    })
    expect(patched.status).toBe(200)
    const recorded = new Promise((resolve) => rio.events.once('delivery.dead', resolve))
    held.open()
    await recorded
    // The 410 is about the URL the attempt went to, which the handler no longer has.
    const after = await call(`${url}/api/v1/handlers/${handler.id}`, { headers: admin })
    expect(after.body).toMatchObject({ url: fresh.url, enabled: true })
    await rio.emit('x', { n: 2 }, { project: 'shop' })
    await fresh.waitFor(1)
  })

  it('sends to the new URL after updateHandler resolved, though a handler reload was under way', async () => {
    const clock = new ManualClock()
    const oldReceiver = await startReceiver()
    const newReceiver = await startReceiver()
    onCleanup(() => oldReceiver.close())
    onCleanup(() => newReceiver.close())
    // The SQLite store with listHandlers answering late, as any asynchronous store (PostgreSQL) does:
    // the rows are read, then the answer is held until the test lets it go.
    let held: { released: Promise<void>; read: () => void } | null = null
    const store = lateHandlerReads(async () => {
      const hold = held
      if (hold) {
        hold.read()
        await hold.released
      }
    })
    const rio: Rio = makeRio({ store, clock })
    const handler = await rio.webhook('x', { url: oldReceiver.url })
    await rio.start()
    const answer = gate()
    const read = gate()
    held = { released: answer.opened, read: read.open }
    // Any change makes the dispatcher reload its handlers; that read is now in progress.
    await rio.updateHandler(handler.id, { concurrency: 2 })
    await read.opened
    held = null
    await rio.updateHandler(handler.id, { url: newReceiver.url })
    answer.open()
    await rio.emit('x', {})
    await waitUntil(() => oldReceiver.requests.length + newReceiver.requests.length > 0, 'the delivery')
    expect(oldReceiver.requests).toHaveLength(0)
    expect(newReceiver.requests).toHaveLength(1)
  })
})
