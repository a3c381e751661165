import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { WebhookOptions } from '../../src/index.ts'
import {
  CURRENT_SECRET,
  PREVIOUS_SECRET,
  PRIVATE_KEY,
  PUBLIC_KEY,
  signedPost,
  UNRELATED_SECRET,
} from '../support/http.ts'

/** What each receiver's route answers with once the webhook is verified. */
export interface RouteAnswer {
  id: string
  timestamp: number
  payload: unknown
  rawBody: string
}

/** A running receiver: a real server whose `POST {url}` route echoes the verified webhook. */
export interface Receiver {
  url: string
  /** How many times the route itself ran. */
  routeCalls(): number
  close(): Promise<void>
}

/** The options every receiver under contract is started with. */
export const RECEIVER_OPTIONS: WebhookOptions = {
  secret: [CURRENT_SECRET, PREVIOUS_SECRET, PUBLIC_KEY],
  maxBodyBytes: 4096,
}

/**
 * The behaviour every adapter owes its route: the same requests get the same answers whatever the
 * framework. `start` must start a real server on 127.0.0.1:0 with {@link RECEIVER_OPTIONS}.
 */
export function describeReceiverContract(
  name: string,
  start: (options: WebhookOptions) => Promise<Receiver>,
): void {
  describe(`${name} receiver contract`, () => {
    let receiver: Receiver
    const post = (request: Parameters<typeof signedPost>[1]) => signedPost(receiver.url, request)
    const refused = async (request: Parameters<typeof signedPost>[1], status: number, code: string) => {
      const answer = await post(request)
      expect(answer).toEqual({ status, json: { error: { code, message: expect.any(String) } } })
      expect(receiver.routeCalls()).toBe(0)
    }

    beforeEach(async () => {
      receiver = await start(RECEIVER_OPTIONS)
    })
    afterEach(async () => {
      await receiver.close()
    })

    it('runs the route with the parsed JSON payload when a JSON body is signed', async () => {
      const body = '{"comment":{"id":42,"text":"Nice post"}}'
      const answer = await post({ body, contentType: 'application/json; charset=utf-8' })
      expect(answer).toEqual({
        status: 200,
        json: {
          id: 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W',
          timestamp: expect.any(Number),
          payload: { comment: { id: 42, text: 'Nice post' } },
          rawBody: body,
        },
      })
      expect(receiver.routeCalls()).toBe(1)
    })

    it('parses a form body into its fields (Rio "form"), repeated fields as arrays', async () => {
      const body = 'comment_id=42&text=Nice+post%21&tag=a&tag=b'
      const answer = await post({ body, contentType: 'application/x-www-form-urlencoded' })
      expect(answer.status).toBe(200)
      expect((answer.json as RouteAnswer).payload).toEqual({
        comment_id: '42',
        text: 'Nice post!',
        tag: ['a', 'b'],
      })
    })

    it('parses the JSON in a lone "payload" form field (Rio "form-payload")', async () => {
      const json = JSON.stringify({ comment: { id: 42, text: 'a & b = c' } })
      const body = new URLSearchParams({ payload: json }).toString()
      const answer = await post({ body, contentType: 'application/x-www-form-urlencoded' })
      expect(answer.status).toBe(200)
      expect((answer.json as RouteAnswer).payload).toEqual({ comment: { id: 42, text: 'a & b = c' } })
      expect((answer.json as RouteAnswer).rawBody).toBe(body)
    })

    it('gives a null payload for an empty signed body', async () => {
      const answer = await post({ body: '' })
      expect(answer.status).toBe(200)
      expect((answer.json as RouteAnswer).payload).toBeNull()
    })

    it('accepts a request signed with the previous secret during rotation', async () => {
      expect((await post({ body: '{"a":1}', secret: PREVIOUS_SECRET })).status).toBe(200)
      expect((await post({ body: '{"a":1}', secret: [UNRELATED_SECRET, CURRENT_SECRET] })).status).toBe(200)
    })

    it('accepts a v1a signature made with the private key whose public key it holds', async () => {
      expect((await post({ body: '{"a":1}', secret: PRIVATE_KEY })).status).toBe(200)
    })

    it('answers 401 no_matching_signature when the body was tampered with', async () => {
      await refused({ body: '{"amount":1}', sentBody: '{"amount":100}' }, 401, 'no_matching_signature')
    })

    it('answers 401 no_matching_signature when signed with a secret it does not hold', async () => {
      await refused({ body: '{"a":1}', secret: UNRELATED_SECRET }, 401, 'no_matching_signature')
    })

    it('answers 401 timestamp_too_old for a request signed 5 min + 1 s ago', async () => {
      await refused(
        { body: '{"a":1}', timestamp: Math.floor(Date.now() / 1000) - 301 },
        401,
        'timestamp_too_old',
      )
    })

    it('answers 401 timestamp_too_new for a request signed 5 min + 1 s ahead', async () => {
      await refused(
        { body: '{"a":1}', timestamp: Math.floor(Date.now() / 1000) + 301 },
        401,
        'timestamp_too_new',
      )
    })

    for (const header of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
      it(`answers 400 missing_header when ${header} is missing`, async () => {
        await refused({ body: '{"a":1}', headers: { [header]: undefined } }, 400, 'missing_header')
      })
    }

    it('answers 400 malformed_header for a non-integer timestamp', async () => {
      await refused({ body: '{"a":1}', headers: { 'webhook-timestamp': '1e9' } }, 400, 'malformed_header')
    })

    it('answers 400 malformed_body when a signed JSON body does not parse', async () => {
      await refused({ body: '{"a":', contentType: 'application/json' }, 400, 'malformed_body')
    })

    it('answers 413 and never runs the route when the body is over maxBodyBytes', async () => {
      const answer = await post({ body: JSON.stringify({ text: 'x'.repeat(5000) }) })
      expect(answer.status).toBe(413)
      expect(receiver.routeCalls()).toBe(0)
    })
  })
}
