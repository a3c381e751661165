import type { AddressInfo } from 'node:net'
import rioWebhooksDefault, { rioWebhooks } from '@rio/signature/fastify'
import Fastify from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import type { WebhookOptions } from '../../src/index.ts'
import { CURRENT_SECRET, signedPost } from '../support/http.ts'
import { describeReceiverContract, RECEIVER_OPTIONS, type Receiver } from './receiver-contract.ts'

async function startFastify(options: WebhookOptions): Promise<Receiver & { base: string }> {
  let calls = 0
  const app = Fastify()
  app.register(async (scope) => {
    await scope.register(rioWebhooks, options)
    scope.post('/webhook', async (request) => {
      calls++
      const { id, timestamp, payload, rawBody } = request.webhook
      return { id, timestamp, payload, rawBody: rawBody.toString() }
    })
  })
  // Outside the plugin's scope: Fastify's own JSON parsing, no signature required.
  app.post('/other', async (request) => ({ parsed: request.body }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  return { base, url: `${base}/webhook`, routeCalls: () => calls, close: () => app.close() }
}

describeReceiverContract('Fastify', startFastify)

describe('rioWebhooks (Fastify)', () => {
  let receiver: Awaited<ReturnType<typeof startFastify>> | undefined
  afterEach(async () => {
    await receiver?.close()
    receiver = undefined
  })

  it('is the default export too', () => {
    expect(rioWebhooksDefault).toBe(rioWebhooks)
  })

  it('leaves routes outside its scope to Fastify’s JSON parser and unsigned', async () => {
    receiver = await startFastify(RECEIVER_OPTIONS)
    const response = await fetch(`${receiver.base}/other`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    })
    expect({ status: response.status, json: await response.json() }).toEqual({
      status: 200,
      json: { parsed: { a: 1 } },
    })
  })

  it('answers with Fastify’s 413 before reading past maxBodyBytes', async () => {
    receiver = await startFastify({ secret: CURRENT_SECRET, maxBodyBytes: 10 })
    const answer = await signedPost(receiver.url, { body: '{"text":"more than ten bytes"}' })
    expect(answer.status).toBe(413)
    expect(receiver.routeCalls()).toBe(0)
  })

  it('fails to start with a WebhookUsageError for an unusable secret', async () => {
    const app = Fastify()
    app.register(rioWebhooks, { secret: 'whsec_***' })
    await expect(app.ready()).rejects.toMatchObject({ name: 'WebhookUsageError', code: 'invalid_secret' })
    await app.close()
  })
})
