import { mkdtempSync, rmSync } from 'node:fs'
import { connect, createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Rio } from '@rio/core'
import { Client } from 'rio-client'
import { afterEach, describe, expect, it } from 'vitest'

const cleanups: Array<() => Promise<unknown> | unknown> = []
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!()
})

async function startRio(): Promise<{ rio: Rio; port: number; secret: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'rio-e2e-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  const rio = new Rio({ database: join(dir, 'rio.db') })
  cleanups.push(() => rio.stop())
  await rio.createProject('shop')
  const { secret } = await rio.createSender('shop', 'checkout')
  const server = await rio.listen({ port: 0 })
  cleanups.push(() => server.close())
  return { rio, port: server.port, secret }
}

/**
 * A TCP proxy in front of Rio that, like a load balancer whose idle timeout is shorter than the
 * client's and that sends no `Keep-Alive: timeout` hint, drops a kept-alive connection just as
 * the next request arrives on it: before forwarding it (`before`: Rio never sees it), or after
 * forwarding it, instead of relaying Rio's answer (`after`: stored, answer lost).
 */
async function idleClosingProxy(
  upstreamPort: number,
  when: 'before' | 'after',
): Promise<{ port: number; drops: () => number }> {
  let drops = 0
  const server: Server = createServer((client: Socket) => {
    const upstream = connect(upstreamPort, '127.0.0.1')
    // An exchange has completed on this connection: the next request on it is a reuse.
    let reused = false
    let dropping = false
    client.on('data', (chunk) => {
      if (reused && !dropping && when === 'before') {
        drops++
        client.destroy()
        upstream.destroy()
        return
      }
      if (reused && when === 'after') dropping = true
      upstream.write(chunk)
    })
    upstream.on('data', (chunk) => {
      if (dropping) {
        drops++
        client.destroy()
        upstream.destroy()
        return
      }
      client.write(chunk)
      reused = true
    })
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
    client.on('error', () => {})
    upstream.on('error', () => {})
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanups.push(() => new Promise((resolve) => server.close(resolve)))
  return { port: (server.address() as { port: number }).port, drops: () => drops }
}

describe('rio-client over kept-alive connections a proxy closes', () => {
  it.each([
    ['before Rio reads the request', 'before', false],
    ['after Rio stored the event, losing its answer', 'after', true],
  ] as const)('retries a request dropped %s, storing each event once', async (_what, when, duplicate) => {
    const { rio, port, secret } = await startRio()
    const proxy = await idleClosingProxy(port, when)
    const client = new Client({
      dsn: `http://checkout:${encodeURIComponent(secret)}@127.0.0.1:${proxy.port}/shop`,
      retryDelayMs: 10,
    })
    cleanups.push(() => client.close())
    const results = []
    for (let index = 0; index < 5; index++) {
      results.push(await client.emit('order.paid', { index }))
      // Lets undici put the connection back in its pool, for the next emit to reuse.
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    // Which emits undici sends on a reused connection is its business; some were, and dropped.
    expect(proxy.drops()).toBeGreaterThan(0)
    // A request Rio stored before its answer was lost is answered on retry as a duplicate.
    expect(results.filter((result) => result.duplicate)).toHaveLength(duplicate ? proxy.drops() : 0)
    const events = await rio.listEvents({ project: 'shop' })
    expect(events.map((event) => event.payload).reverse()).toEqual(
      [0, 1, 2, 3, 4].map((index) => ({ index })),
    )
    expect(new Set(events.map((event) => event.id))).toEqual(new Set(results.map((result) => result.id)))
  })
})
