import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { verifyAsync, verifyRequest, webhookResponse } from '@rio/signature/web'
import { Hono } from 'hono'
import { afterEach, describe, expect, it } from 'vitest'
import { sign, type WebhookOptions, WebhookUsageError, WebhookVerificationError } from '../../src/index.ts'
import { fetchServer } from '../support/fetch-server.ts'
import { CURRENT_SECRET, close, listen, signedPost } from '../support/http.ts'
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

  it('rejects with raw_body_unavailable when the body was already read, which webhookResponse rethrows', async () => {
    const request = signedRequest('{"a":1}')
    await request.json()
    const error = await verifyRequest(request, RECEIVER_OPTIONS).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(WebhookUsageError)
    expect((error as Error).message).toMatch(/call verifyRequest\(\) before anything reads the body/)
    expect(() => webhookResponse(error)).toThrow(error as Error)
  })

  it("hands raw_body_unavailable to Hono's error handler when the route read the body first", async () => {
    const handled: unknown[] = []
    let calls = 0
    const app = new Hono()
    app.onError((error, c) => {
      handled.push(error)
      return c.json({ handledBy: 'onError' }, 500)
    })
    app.post('/webhook', async (c) => {
      await c.req.json()
      try {
        await verifyRequest(c.req.raw, RECEIVER_OPTIONS)
        calls++
        return c.json({ ok: true })
      } catch (error) {
        return webhookResponse(error)
      }
    })
    const server = fetchServer((request) => Promise.resolve(app.fetch(request)))
    const base = await listen(server)
    receiver = { url: `${base}/webhook`, routeCalls: () => calls, close: () => close(server) }

    const answer = await signedPost(receiver.url, { body: '{"a":1}' })

    expect(answer).toEqual({ status: 500, json: { handledBy: 'onError' } })
    expect(handled).toEqual([expect.any(WebhookUsageError)])
    expect(handled[0]).toMatchObject({ code: 'raw_body_unavailable' })
    expect(calls).toBe(0)
  })

  it.each([
    [
      'verifyRequest() given an unusable secret',
      () => verifyRequest(signedRequest('{}'), { secret: '' }),
      'invalid_secret',
    ],
    [
      'verifyRequest() given an out-of-range option',
      () => verifyRequest(signedRequest('{}'), { secret: CURRENT_SECRET, toleranceSeconds: -1 }),
      'invalid_option',
    ],
    ['verifyAsync() given an empty secret', () => verifyAsync('{}', new Headers(), ''), 'invalid_secret'],
  ])('rethrows the error of %s instead of answering it', async (_name, attempt, code) => {
    const error = await attempt().catch((caught: unknown) => caught)
    expect(error).toMatchObject({ code })
    expect(() => webhookResponse(error)).toThrow(error as Error)
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

describe('@rio/signature/web without node:crypto', () => {
  const run = promisify(execFile)
  const url = (path: string) => new URL(path, import.meta.url).href

  // A child process whose module loader refuses node:crypto; tsx loads the TypeScript sources.
  async function withoutNodeCrypto(script: string): Promise<unknown> {
    const register = `import { register } from 'node:module'; register(${JSON.stringify(url('../support/block-node-crypto.mjs'))})`
    const { stdout } = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        '--import',
        `data:text/javascript,${encodeURIComponent(register)}`,
        '--input-type=module',
        '--eval',
        script,
      ],
      { cwd: fileURLToPath(url('../..')), env: { ...process.env, NODE_OPTIONS: '' } },
    )
    return JSON.parse(stdout)
  }

  it('loads, signs with signAsync and verifies with verifyAsync and verifyRequest, where the root cannot load', async () => {
    const result = await withoutNodeCrypto(`
      const web = await import(${JSON.stringify(url('../../src/adapters/web.ts'))})
      const secret = web.generateSecret()
      const body = '{"a":1}'
      const headers = await web.signAsync({ id: 'msg_1', timestamp: new Date(), body, secret })
      const verified = await web.verifyAsync(body, headers, secret)
      const request = new Request('http://receiver.test/webhook', {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body,
      })
      const { payload } = await web.verifyRequest(request, { secret })
      const refused = await web.verifyAsync(body + ' ', headers, secret).catch((error) =>
        error instanceof web.WebhookVerificationError ? error.reason : String(error),
      )
      const root = await import(${JSON.stringify(url('../../src/index.ts'))}).then(
        () => 'loaded',
        (error) => error.message,
      )
      process.stdout.write(JSON.stringify({ id: verified.id, payload, refused, root }))
    `)
    expect(result).toEqual({
      id: 'msg_1',
      payload: { a: 1 },
      refused: 'no_matching_signature',
      // The hook is in force: the package root, which needs node:crypto, does not load.
      root: expect.stringContaining('node:crypto is not available'),
    })
  })
})
