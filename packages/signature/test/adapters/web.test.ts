import { verifyRequest, webhookResponse } from '@rio/signature/web'
import { Hono } from 'hono'
import { afterEach, describe, expect, it } from 'vitest'
import { sign, type WebhookOptions, WebhookUsageError, WebhookVerificationError } from '../../src/index.ts'
import { fetchServer } from '../support/fetch-server.ts'
import { CURRENT_SECRET, close, listen } from '../support/http.ts'
import { describeReceiverContract, RECEIVER_OPTIONS, type Receiver } from './receiver-contract.ts'

const text = new TextDecoder()

async function startHono(options: WebhookOptions): Promise<Receiver> {
  let calls = 0
  const app = new Hono()
  app.post('/webhook', async (c) => {
    try {
      const { id, timestamp, payload, rawBody } = await verifyRequest(c.req.raw, options)
      calls++
      return c.json({ id, timestamp, payload, rawBody: text.decode(rawBody) })
    } catch (error) {
      return webhookResponse(error)
    }
  })
  const server = fetchServer((request) => Promise.resolve(app.fetch(request)))
  const base = await listen(server)
  return { url: `${base}/webhook`, routeCalls: () => calls, close: () => close(server) }
}

// A Next.js App Router route handler has exactly this shape: (request: Request) => Response.
async function startRouteHandler(options: WebhookOptions): Promise<Receiver> {
  let calls = 0
  async function POST(request: Request): Promise<Response> {
    try {
      const { id, timestamp, payload, rawBody } = await verifyRequest(request, options)
      calls++
      return Response.json({ id, timestamp, payload, rawBody: text.decode(rawBody) })
    } catch (error) {
      return webhookResponse(error)
    }
  }
  const server = fetchServer(POST)
  const base = await listen(server)
  return { url: `${base}/webhook`, routeCalls: () => calls, close: () => close(server) }
}

describeReceiverContract('Hono', startHono)
describeReceiverContract('Web route handler', startRouteHandler)

describe('verifyRequest and webhookResponse', () => {
  let receiver: Receiver | undefined
  afterEach(async () => {
    await receiver?.close()
    receiver = undefined
  })

  const signedRequest = (body: string, init: RequestInit = {}) =>
    new Request('http://receiver.test/webhook', {
      method: 'POST',
      headers: {
        ...sign({ id: 'msg_1', timestamp: new Date(), body, secret: CURRENT_SECRET }),
        'content-type': 'application/json',
      },
      body,
      ...init,
    })

  it('verifies a Request without any server', async () => {
    const webhook = await verifyRequest(signedRequest('{"a":1}'), RECEIVER_OPTIONS)
    expect(webhook).toEqual({
      id: 'msg_1',
      timestamp: expect.any(Number),
      payload: { a: 1 },
      rawBody: new TextEncoder().encode('{"a":1}'),
    })
  })

  it('rejects with raw_body_unavailable when the body was already read', async () => {
    const request = signedRequest('{"a":1}')
    await request.json()
    const error = await verifyRequest(request, RECEIVER_OPTIONS).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(WebhookUsageError)
    expect((error as Error).message).toMatch(/call verifyRequest\(\) before anything reads the body/)
    expect(webhookResponse(error).status).toBe(500)
  })

  it('stops reading a streamed body once it passes maxBodyBytes', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(1000))
    let pulled = 0
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++
        controller.enqueue(chunk)
      },
    })
    const request = signedRequest('', { body: stream, duplex: 'half' } as RequestInit)
    await expect(
      verifyRequest(request, { secret: CURRENT_SECRET, maxBodyBytes: 2500 }),
    ).rejects.toMatchObject({
      reason: 'body_too_large',
    })
    expect(pulled).toBeLessThan(10)
  })

  it('answers each refusal with its status and a JSON error body', async () => {
    const response = webhookResponse(new WebhookVerificationError('timestamp_too_old', 'too old'))
    expect(response.status).toBe(401)
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    expect(await response.json()).toEqual({ error: { code: 'timestamp_too_old', message: 'too old' } })
  })

  it('rethrows errors that are not about the webhook', () => {
    const failure = new Error('database down')
    expect(() => webhookResponse(failure)).toThrow(failure)
  })
})
