import { createServer } from 'node:http'
import { verifyWebhook } from '@rio/signature/express'
import { verifyNodeRequest } from '@rio/signature/node'
import express, { type ErrorRequestHandler, type RequestHandler } from 'express'
import Fastify from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { WebhookUsageError } from '../src/index.ts'
import { RECEIVER_OPTIONS } from './adapters/receiver-contract.ts'
import { close, listen, signedPost } from './support/http.ts'

// Receivers set up as host apps usually are: a body parser mounted globally before the webhook
// route. verifyWebhook takes the bytes a parser kept; where none were kept it fails with a
// WebhookUsageError that says how to fix the set-up, never with a confusing signature failure.

const FORM = 'application/x-www-form-urlencoded'

let closeReceiver: (() => Promise<void>) | undefined
afterEach(async () => {
  await closeReceiver?.()
  closeReceiver = undefined
})

/** An Express receiver with `before` mounted globally; `errors` collects what reaches its error handler. */
async function expressReceiver(before: RequestHandler[]) {
  const errors: unknown[] = []
  const app = express()
  for (const middleware of before) app.use(middleware)
  app.post('/webhook', verifyWebhook(RECEIVER_OPTIONS), (req, res) => {
    res.json({ payload: req.webhook!.payload, rawBody: req.webhook!.rawBody.toString() })
  })
  const onError: ErrorRequestHandler = (error, _req, res, _next) => {
    errors.push(error)
    res.status(500).json({ error: { code: (error as WebhookUsageError).code } })
  }
  app.use(onError)
  const server = createServer(app)
  const base = await listen(server)
  closeReceiver = () => close(server)
  return { url: `${base}/webhook`, errors }
}

describe('verifyWebhook behind a global Express body parser', () => {
  it('verifies an empty form body (what Rio sends for an empty payload) that express.urlencoded() read', async () => {
    const receiver = await expressReceiver([express.json(), express.urlencoded()])
    const answer = await signedPost(receiver.url, { body: '', contentType: FORM })
    expect(answer).toEqual({ status: 200, json: { payload: {}, rawBody: '' } })
    expect(receiver.errors).toEqual([])
  })

  it('refuses a form express.urlencoded() parsed with raw_body_unavailable naming the fix, not a signature failure', async () => {
    const receiver = await expressReceiver([express.urlencoded()])
    const answer = await signedPost(receiver.url, { body: 'a=1&a=2', contentType: FORM })
    expect(answer).toEqual({ status: 500, json: { error: { code: 'raw_body_unavailable' } } })
    expect(receiver.errors).toEqual([expect.any(WebhookUsageError)])
    expect((receiver.errors[0] as Error).message).toMatch(
      /already parsed into an object by a body parser \(such as express\.json\(\) or express\.urlencoded\(\)\)/,
    )
  })

  it('verifies the text express.text() decoded from a UTF-8 body, since it encodes back to the same bytes', async () => {
    const receiver = await expressReceiver([express.text({ type: '*/*' })])
    const body = '{"text":"café ☕"}'
    const answer = await signedPost(receiver.url, { body })
    expect(answer).toEqual({ status: 200, json: { payload: { text: 'café ☕' }, rawBody: body } })
  })

  it('reads a body a middleware paused instead of waiting for the server timeout', async () => {
    const pause: RequestHandler = (req, _res, next) => {
      req.pause()
      next()
    }
    const receiver = await expressReceiver([pause])
    const started = Date.now()
    const answer = await Promise.race([
      signedPost(receiver.url, { body: '{"a":1}' }),
      new Promise((resolve) => setTimeout(() => resolve('no answer in 3 s'), 3000)),
    ])
    expect(answer).toEqual({ status: 200, json: { payload: { a: 1 }, rawBody: '{"a":1}' } })
    expect(Date.now() - started).toBeLessThan(3000)
  })
})

describe('verifyNodeRequest on request.raw in Fastify', () => {
  it("refuses a body Fastify's JSON parser read with raw_body_unavailable pointing to rioWebhooks", async () => {
    const logged: unknown[] = []
    const app = Fastify()
    app.post('/webhook', async (request, reply) => {
      try {
        return { payload: (await verifyNodeRequest(request.raw, RECEIVER_OPTIONS)).payload }
      } catch (error) {
        logged.push(error)
        return reply.code(500).send({ error: { code: (error as WebhookUsageError).code } })
      }
    })
    await app.listen({ port: 0, host: '127.0.0.1' })
    closeReceiver = () => app.close()
    const { port } = app.server.address() as { port: number }
    const answer = await signedPost(`http://127.0.0.1:${port}/webhook`, { body: '{"a":1}' })
    expect(answer).toEqual({ status: 500, json: { error: { code: 'raw_body_unavailable' } } })
    expect(logged).toEqual([expect.any(WebhookUsageError)])
    expect((logged[0] as Error).message).toMatch(
      /in Fastify, register rioWebhooks from @rio\/signature\/fastify/,
    )
    // An empty JSON body never reaches the route: Fastify's own parser refuses it first.
    const empty = await signedPost(`http://127.0.0.1:${port}/webhook`, { body: '' })
    expect(empty.status).toBe(400)
  })
})
