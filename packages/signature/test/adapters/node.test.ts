import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { connect } from 'node:net'
import { errorResponse, verifyNodeRequest } from '@rio/signature/node'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  WebhookError,
  type WebhookOptions,
  WebhookUsageError,
  WebhookVerificationError,
} from '../../src/index.ts'
import { CURRENT_SECRET, close, listen, signedPost } from '../support/http.ts'
import { describeReceiverContract, RECEIVER_OPTIONS, type Receiver } from './receiver-contract.ts'

type Prepare = (req: IncomingMessage) => Promise<void> | void

// The README's node:http receiver, with `logged` standing in for console.error.
async function startNode(
  options: WebhookOptions,
  prepare?: Prepare,
  logged: unknown[] = [],
): Promise<Receiver> {
  let calls = 0
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    try {
      await prepare?.(req)
      const { id, timestamp, payload, rawBody } = await verifyNodeRequest(req, options)
      calls++
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ id, timestamp, payload, rawBody: rawBody.toString() }))
    } catch (error) {
      if (error instanceof WebhookVerificationError) {
        const { status, body } = errorResponse(error)
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
      } else {
        logged.push(error)
        res.writeHead(500).end()
      }
    }
  })
  const base = await listen(server)
  return { url: `${base}/webhook`, routeCalls: () => calls, close: () => close(server) }
}

describeReceiverContract('node:http', (options) => startNode(options))

describe('verifyNodeRequest', () => {
  let receiver: Receiver | undefined
  afterEach(async () => {
    await receiver?.close()
    receiver = undefined
  })

  it('takes a raw body a previous step kept on req.rawBody', async () => {
    receiver = await startNode(RECEIVER_OPTIONS, async (req) => {
      const chunks: Buffer[] = []
      for await (const chunk of req) chunks.push(chunk as Buffer)
      Object.assign(req, { rawBody: Buffer.concat(chunks), body: { parsed: true } })
    })
    const answer = await signedPost(receiver.url, { body: '{"a":1}' })
    expect(answer).toMatchObject({ status: 200, json: { payload: { a: 1 } } })
  })

  it('rejects with raw_body_unavailable when the stream was read and only a parsed body kept', async () => {
    const logged: unknown[] = []
    const drainAndParse: Prepare = async (req) => {
      // A body parser that drains the stream and keeps only the parsed value.
      for await (const _chunk of req) {
      }
      Object.assign(req, { body: { parsed: true } })
    }
    receiver = await startNode(RECEIVER_OPTIONS, drainAndParse, logged)
    const answer = await signedPost(receiver.url, { body: '{"a":1}' })
    expect(answer.status).toBe(500)
    expect(logged).toEqual([expect.any(WebhookUsageError)])
    expect(logged[0]).toMatchObject({ code: 'raw_body_unavailable' })
    expect(receiver.routeCalls()).toBe(0)
  })

  it('rejects, for the receiver to log, when the client drops the connection mid-body', async () => {
    const logged: unknown[] = []
    receiver = await startNode(RECEIVER_OPTIONS, undefined, logged)
    const { port } = new URL(receiver.url)
    const socket = connect(Number(port), '127.0.0.1')
    socket.write('POST /webhook HTTP/1.1\r\nhost: receiver.test\r\ncontent-length: 100\r\n\r\n{"a":')
    await new Promise((resolve) => setTimeout(resolve, 50))
    socket.destroy()
    await vi.waitFor(() => expect(logged).toHaveLength(1))
    expect(logged[0]).not.toBeInstanceOf(WebhookError)
    // The server is still up and answering.
    expect((await signedPost(receiver.url, { body: '{"a":1}' })).status).toBe(200)
  })

  it('answers a set-up error with errorResponse as a 500 that withholds the details', () => {
    const { status, body } = errorResponse(new WebhookUsageError('raw_body_unavailable', 'mount it first'))
    expect({ status, body }).toEqual({
      status: 500,
      body: {
        error: {
          code: 'raw_body_unavailable',
          message: 'the webhook receiver is misconfigured; see its logs',
        },
      },
    })
  })

  it('rejects a declared content-length over maxBodyBytes before reading the body', async () => {
    receiver = await startNode({ secret: CURRENT_SECRET, maxBodyBytes: 10 })
    const answer = await signedPost(receiver.url, { body: '{"text":"more than ten bytes"}' })
    expect(answer).toMatchObject({ status: 413, json: { error: { code: 'body_too_large' } } })
  })

  it('rejects bad options with WebhookUsageError', async () => {
    const req = Object.assign(new (await import('node:stream')).PassThrough(), { headers: {} }) as never
    await expect(verifyNodeRequest(req, { secret: [] })).rejects.toBeInstanceOf(WebhookUsageError)
    await expect(
      verifyNodeRequest(req, { secret: CURRENT_SECRET, toleranceSeconds: -5 }),
    ).rejects.toMatchObject({
      code: 'invalid_option',
    })
  })
})
