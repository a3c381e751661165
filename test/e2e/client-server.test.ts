import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Rio } from '@rio/core'
import { generateSecret, verify } from '@rio/signature'
import { Client } from 'rio-client'
import { afterEach, describe, expect, it } from 'vitest'
import { waitUntil as until } from '../../packages/core/test/helpers.js'
import { type Receiver, startReceiver } from '../support/receiver.js'

const cleanups: Array<() => Promise<unknown> | unknown> = []
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!()
})

function tempDatabase(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rio-e2e-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  return join(dir, 'rio.db')
}

function newRio(database: string): Rio {
  const rio = new Rio({ database, pollIntervalMs: 50, retryJitter: 0, retrySchedule: [0, 200, 200] })
  cleanups.push(() => rio.stop())
  return rio
}

/** A receiver that answers 200 only to requests signed with `secret`, 401 to anything else. */
async function verifyingReceiver(secret: string): Promise<Receiver> {
  const receiver = await startReceiver()
  cleanups.push(() => receiver.close())
  receiver.respond((req) => {
    try {
      verify(req.body, req.headers, secret)
      return { status: 200 }
    } catch {
      return { status: 401, body: 'bad signature' }
    }
  })
  return receiver
}

/** Rio with project `shop`, sender `checkout` and a webhook for `order.*` signed with `secret`. */
async function setUp(
  database: string,
  receiver: Receiver,
  secret: string,
): Promise<{ rio: Rio; dsnSecret: string }> {
  const rio = newRio(database)
  await rio.createProject('shop')
  const { secret: dsnSecret } = await rio.createSender('shop', 'checkout')
  await rio.webhook('order.*', { project: 'shop', url: receiver.url, secret })
  return { rio, dsnSecret }
}

describe('rio-client → Rio server → webhook receiver', () => {
  it('delivers an emitted event, signed with the handler secret, to the receiver', async () => {
    const secret = generateSecret()
    const receiver = await verifyingReceiver(secret)
    const { rio, dsnSecret } = await setUp(tempDatabase(), receiver, secret)
    await rio.start()
    const server = await rio.listen({ port: 0 })
    cleanups.push(() => server.close())

    const client = new Client({
      dsn: `http://checkout:${encodeURIComponent(dsnSecret)}@127.0.0.1:${server.port}/shop`,
    })
    cleanups.push(() => client.close())
    const { id, duplicate } = await client.emit('order.paid', { order: 7, total: '12.50' })
    expect(duplicate).toBe(false)

    const [request] = await receiver.waitFor(1)
    expect(request!.headers['webhook-id']).toBe(id)
    expect(verify(request!.body, request!.headers, secret).id).toBe(id)
    expect(JSON.parse(request!.body)).toEqual({ order: 7, total: '12.50' })
    await until(async () => (await rio.listDeliveries({ eventId: id }))[0]?.status === 'succeeded', 'success')
  })

  it('stores exactly one event when the server dies after the commit and the client retries into a restarted server', async () => {
    const database = tempDatabase()
    const secret = generateSecret()
    const receiver = await verifyingReceiver(secret)
    const first = await setUp(database, receiver, secret)
    await first.rio.start()

    // The first server is a plain node:http server around rio.handler(), so the test can cut every
    // connection right after the COMMIT, before the 202 is written: the answer is lost.
    const server = createServer(first.rio.handler())
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as { port: number }
    cleanups.push(() => server.closeAllConnections())
    let crashed!: () => void
    const crash = new Promise<void>((resolve) => (crashed = resolve))
    first.rio.events.once('event.emitted', () => {
      server.close()
      server.closeAllConnections()
      crashed()
    })

    const client = new Client({
      dsn: `http://checkout:${encodeURIComponent(first.dsnSecret)}@127.0.0.1:${port}/shop`,
      retries: 20,
      retryDelayMs: 100,
      retryMaxDelayMs: 200,
      retryBudgetMs: 20_000,
    })
    cleanups.push(() => client.close())
    const emitted = client.emit('order.paid', { order: 8 })

    await crash
    await first.rio.stop()
    // A new Rio on the same file and port, while the client keeps retrying.
    const second = newRio(database)
    const restarted = await second.listen({ port })
    cleanups.push(() => restarted.close())
    await second.start()

    const { id, duplicate } = await emitted
    // The retry found the event the lost answer was about: stored by the first Rio, not again.
    expect(duplicate).toBe(true)
    const events = await second.listEvents({ project: 'shop', name: 'order.paid' })
    expect(events.map((event) => event.id)).toEqual([id])
    expect(events[0]!.payload).toEqual({ order: 8 })

    // Delivered at least once, always as the same event (receivers de-duplicate on webhook-id).
    await until(
      async () => (await second.listDeliveries({ eventId: id }))[0]?.status === 'succeeded',
      'success',
    )
    expect(new Set(receiver.requests.map((request) => request.headers['webhook-id']))).toEqual(new Set([id]))
  })
})
