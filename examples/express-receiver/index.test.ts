import { sign } from '@rio/signature'
import { afterEach, describe, expect, it } from 'vitest'
import { comment } from '../sender/index.ts'
import { isSpam, main, type RunningReceiver } from './index.ts'

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'

async function deliver(url: string, body: string, init: { contentType?: string; sentBody?: string } = {}) {
  const headers = sign({ id: 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W', timestamp: new Date(), body, secret })
  const response = await fetch(url, {
    method: 'POST',
    headers: { ...headers, 'content-type': init.contentType ?? 'application/json' },
    body: init.sentBody ?? body,
  })
  return { status: response.status, json: await response.json() }
}

describe('express-receiver example', () => {
  let receiver: RunningReceiver | undefined
  const comments: unknown[] = []
  afterEach(async () => {
    await receiver?.close()
    receiver = undefined
    comments.length = 0
  })
  const start = async () => {
    receiver = await main({ port: 0, secret, onComment: (payload) => comments.push(payload) })
    return receiver.url
  }

  it('answers is_spam false for a signed, harmless comment', async () => {
    const url = await start()
    const body = JSON.stringify({ comment: { id: 1, content: 'Great write-up, thanks!' } })
    expect(await deliver(url, body)).toEqual({ status: 200, json: { is_spam: false } })
    expect(comments).toEqual([{ comment: { id: 1, content: 'Great write-up, thanks!' } }])
  })

  it('answers is_spam true for a signed spammy comment, form-payload encoded', async () => {
    const url = await start()
    const payload = JSON.stringify({ comment: { id: 2, content: 'CLICK HERE for free money' } })
    const body = new URLSearchParams({ payload }).toString()
    const answer = await deliver(url, body, { contentType: 'application/x-www-form-urlencoded' })
    expect(answer).toEqual({ status: 200, json: { is_spam: true } })
  })

  it('refuses a tampered comment with 401 and never runs the handler', async () => {
    const url = await start()
    const body = JSON.stringify({ comment: { id: 3, content: 'hello' } })
    const tampered = JSON.stringify({ comment: { id: 3, content: 'visit my casino' } })
    const answer = await deliver(url, body, { sentBody: tampered })
    expect(answer).toEqual({
      status: 401,
      json: { error: { code: 'no_matching_signature', message: expect.any(String) } },
    })
    expect(comments).toEqual([])
  })

  it("flags the original docs' spammer, sent flat as examples/sender emits it", async () => {
    const url = await start()
    const body = JSON.stringify(comment(1)) // { id: 1, ip: '127.0.0.1', content: 'I am a spammer' }
    expect(await deliver(url, body)).toEqual({ status: 200, json: { is_spam: true } })
    expect(await deliver(url, JSON.stringify(comment(2)))).toEqual({ status: 200, json: { is_spam: false } })
  })

  it('flags comments with more than two links', () => {
    expect(isSpam('see http://a.test and https://b.test')).toBe(false)
    expect(isSpam('http://a.test http://b.test https://c.test')).toBe(true)
  })
})
