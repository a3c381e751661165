import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type ListenOptions, Rio, type RioOptions } from '@rio/core'
import { Client, type ClientOptions, type EmitEvent, RioHttpError, ValidationError } from 'rio-client'
import { afterEach, describe, expect, it } from 'vitest'

const cleanups: Array<() => Promise<unknown> | unknown> = []
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!()
})

/** A real Rio with project `shop` and sender `checkout`, listening on 127.0.0.1, and a client for it. */
async function start(
  rioOptions: Omit<RioOptions, 'database'> = {},
  listen: ListenOptions = {},
  clientOptions: Omit<ClientOptions, 'dsn'> = {},
): Promise<{ rio: Rio; client: Client }> {
  const dir = mkdtempSync(join(tmpdir(), 'rio-e2e-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  const rio = new Rio({ database: join(dir, 'rio.db'), ...rioOptions })
  cleanups.push(() => rio.stop())
  await rio.createProject('shop')
  const { secret } = await rio.createSender('shop', 'checkout')
  const server = await rio.listen({ ...listen, port: 0 })
  cleanups.push(() => server.close())
  const client = new Client({
    dsn: `http://checkout:${encodeURIComponent(secret)}@127.0.0.1:${server.port}/shop`,
    retryDelayMs: 20,
    ...clientOptions,
  })
  cleanups.push(() => client.close())
  return { rio, client }
}

/** `levels` arrays, one inside the other, around `1`. */
function nested(levels: number): unknown {
  let value: unknown = 1
  for (let level = 0; level < levels; level++) value = [value]
  return value
}

async function storedCount(rio: Rio): Promise<number> {
  return (await rio.listEvents({ project: 'shop', limit: 1000 })).length
}

describe('rio-client against the limits of a real Rio', () => {
  it('stores a payload nested as deep as the client allows, alone and in a batch', async () => {
    const { rio, client } = await start()
    await client.emit('deep', nested(61))
    await client.emitMany([{ name: 'deep', payload: nested(61) }])
    const events = await rio.listEvents({ project: 'shop' })
    expect(events.map((event) => event.payload)).toEqual([nested(61), nested(61)])
  })

  it('refuses an emitMany event nested deeper than Rio reads before sending any batch', async () => {
    const { rio, client } = await start()
    const events: EmitEvent[] = Array.from({ length: 1500 }, (_, index) => ({ name: 'many', payload: index }))
    // Rio's default maxJsonDepth (64) takes this payload in a single emit's body, not in a batch's.
    events[1200] = { name: 'many', payload: nested(62) }
    const error = await client.emitMany(events).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ValidationError)
    expect(error).toMatchObject({ code: 'invalid_payload' })
    expect((error as Error).message).toContain('events[1200] ("many"): payload')
    expect((error as Error).message).toContain('is nested 62 levels deep, over the 61 a payload may have')
    // Not the first batch of 1000 stored and the second refused with a 400.
    expect(await storedCount(rio)).toBe(0)
  })

  it('packs batches of multi-byte payloads up to, never over, the default body limit', async () => {
    const { rio, client } = await start()
    // 'é' is 2 bytes of UTF-8: each payload is exactly the default maxPayloadBytes (256 KiB) as
    // JSON, and four such events are just over Rio's default maxBodyBytes (1 MiB).
    const payload = 'é'.repeat(128 * 1024 - 1)
    const { ids } = await client.emitMany(Array.from({ length: 4 }, () => ({ name: 'big', payload })))
    expect(ids).toHaveLength(4)
    expect(await storedCount(rio)).toBe(4)
  })

  it("names the client's maxPayloadBytes when Rio refuses a payload over its own, lower limit", async () => {
    const { rio, client } = await start({ maxPayloadBytes: 100_000 })
    for (const call of [
      () => client.emit('big', 'x'.repeat(150_000)),
      () => client.emitMany([{ name: 'big', payload: 'x'.repeat(150_000) }]),
    ]) {
      const error = await call().catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(RioHttpError)
      expect(error).toMatchObject({
        code: 'http_error',
        status: 413,
        serverCode: 'payload_too_large',
        attempts: 1,
      })
      const { message } = error as Error
      expect(message).toContain("Rio's payload limit is below this client's maxPayloadBytes")
      expect(message).toContain('set maxPayloadBytes to')
      // A smaller batch would not help: the payload alone is over the limit.
      expect(message).not.toContain('maxBatch')
    }
    expect(await storedCount(rio)).toBe(0)
  })

  it("names maxBatchBytes when a batch is over Rio's body limit, and fits once it is set to it", async () => {
    const maxBodyBytes = 64 * 1024
    const { rio, client } = await start({}, { maxBodyBytes })
    const events = Array.from({ length: 10 }, (_, index) => ({
      name: 'big',
      payload: `${index}`.repeat(20_000),
    }))
    const error = await client.emitMany(events).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(RioHttpError)
    expect(error).toMatchObject({ status: 413, serverCode: 'body_too_large', attempts: 1 })
    expect((error as Error).message).toContain('set maxBatchBytes to that limit')

    const single = await client.emit('big', 'x'.repeat(90_000)).catch((caught: unknown) => caught)
    expect(single).toMatchObject({ status: 413, serverCode: 'body_too_large' })
    expect((single as Error).message).toContain(
      'send a smaller payload, and set maxPayloadBytes below that limit',
    )
    expect((single as Error).message).not.toContain('maxBatch')

    const fitted = new Client({ dsn: client.dsn, maxBatchBytes: maxBodyBytes })
    cleanups.push(() => fitted.close())
    expect((await fitted.emitMany(events)).ids).toHaveLength(10)
    expect(await storedCount(rio)).toBe(10)
  })
})
