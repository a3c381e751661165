import { createServer } from 'node:http'
import { verifyWebhook } from '@rio/signature/express'
import express, { type Express, type RequestHandler } from 'express'
import { afterEach, describe, expect, it } from 'vitest'
import { type WebhookOptions, WebhookUsageError } from '../../src/index.ts'
import { close, listen, signedPost } from '../support/http.ts'
import { describeReceiverContract, RECEIVER_OPTIONS, type Receiver } from './receiver-contract.ts'

async function startExpress(
  options: WebhookOptions,
  before: RequestHandler[] = [],
  app: Express = express(),
) {
  let calls = 0
  app.post('/webhook', ...before, verifyWebhook(options), (req, res) => {
    calls++
    const { id, timestamp, payload, rawBody } = req.webhook!
    res.json({ id, timestamp, payload, rawBody: rawBody.toString() })
  })
  const server = createServer(app)
  const base = await listen(server)
  return { url: `${base}/webhook`, routeCalls: () => calls, close: () => close(server) } satisfies Receiver
}

describeReceiverContract('Express', (options) => startExpress(options))

describe('verifyWebhook (Express)', () => {
  let receiver: Receiver | undefined
  afterEach(async () => {
    await receiver?.close()
    receiver = undefined
  })

  it('uses the bytes express.raw() captured when mounted after it', async () => {
    receiver = await startExpress(RECEIVER_OPTIONS, [express.raw({ type: '*/*' })])
    const answer = await signedPost(receiver.url, { body: '{"a":1}' })
    expect(answer).toMatchObject({ status: 200, json: { payload: { a: 1 }, rawBody: '{"a":1}' } })
  })

  it('uses req.rawBody kept by express.json({ verify }) even though req.body is parsed', async () => {
    const keepRaw = express.json({
      verify: (req, _res, buffer) => {
        ;(req as { rawBody?: Buffer }).rawBody = buffer
      },
    })
    receiver = await startExpress(RECEIVER_OPTIONS, [keepRaw])
    const answer = await signedPost(receiver.url, { body: '{ "spaced" : true }' })
    expect(answer).toMatchObject({ status: 200, json: { payload: { spaced: true } } })
  })

  it('reads the stream itself when express.json() ran first but skipped a form body', async () => {
    const app = express()
    app.use(express.json())
    receiver = await startExpress(RECEIVER_OPTIONS, [], app)
    const answer = await signedPost(receiver.url, {
      body: 'a=1',
      contentType: 'application/x-www-form-urlencoded',
    })
    expect(answer).toMatchObject({ status: 200, json: { payload: { a: '1' } } })
  })

  it('calls next() with an error saying how to fix the mounting when express.json() parsed the body first', async () => {
    const errors: unknown[] = []
    const app = express()
    app.use(express.json())
    const started = await startExpress(RECEIVER_OPTIONS, [], app)
    receiver = started
    app.use(((error, _req, res, _next) => {
      errors.push(error)
      res.status(500).json({ error: { code: (error as WebhookUsageError).code } })
    }) as express.ErrorRequestHandler)

    const answer = await signedPost(started.url, { body: '{"a":1}' })

    expect(answer).toEqual({ status: 500, json: { error: { code: 'raw_body_unavailable' } } })
    expect(started.routeCalls()).toBe(0)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toBeInstanceOf(WebhookUsageError)
    expect((errors[0] as Error).message).toContain(
      "mount express.raw({ type: '*/*' }) on this route before verifyWebhook(), or mount verifyWebhook() before express.json()",
    )
  })

  it("answers 500 through Express's own error handler when the app has none", async () => {
    const app = express()
    app.use(express.json())
    receiver = await startExpress(RECEIVER_OPTIONS, [], app)
    const answer = await signedPost(receiver.url, { body: '{"a":1}' })
    expect(answer.status).toBe(500)
    expect(receiver.routeCalls()).toBe(0)
  })

  it('throws at set-up, not per request, for an unusable secret', () => {
    expect(() => verifyWebhook({ secret: '' })).toThrow(WebhookUsageError)
    expect(() => verifyWebhook({ secret: 'whsk_nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=' })).toThrow(
      /whpk_ public key/,
    )
    expect(() => verifyWebhook({ secret: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'whsec_!'] })).toThrow(
      /secret\[1\]/,
    )
    expect(() => verifyWebhook({ secret: 'x', maxBodyBytes: 1.5 })).toThrow(/maxBodyBytes/)
  })
})
