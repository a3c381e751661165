import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { type Receiver, startReceiver } from '../../../../test/support/receiver.js'
import { buildWebhookRequest } from '../../src/dispatch/webhook-request.js'
import { WebhookSender } from '../../src/dispatch/webhook-sender.js'
import type { JsonValue, RioEvent } from '../../src/events/event.js'
import type { WebhookHandler } from '../../src/handlers/handler.js'

const NOW = Date.parse('2026-01-02T03:04:05.678Z')
const SECRET = `whsec_${randomBytes(24).toString('base64')}`
const OLD_SECRET = `whsec_${randomBytes(32).toString('base64')}`

function handler(overrides: Partial<WebhookHandler> = {}): WebhookHandler {
  return {
    kind: 'webhook',
    id: 'h1',
    project: 'blog',
    name: 'antispam',
    pattern: 'comment-published',
    enabled: true,
    disabledReason: null,
    concurrency: 10,
    rateLimit: null,
    retrySchedule: null,
    failingSince: null,
    createdAt: new Date(NOW),
    updatedAt: new Date(NOW),
    url: 'https://example.com/hook',
    method: 'POST',
    contentType: 'json',
    secrets: [SECRET],
    headers: {},
    timeoutMs: 5000,
    ...overrides,
  }
}

function event(
  payload: JsonValue = { id: 42, content: 'I am a spammer', author: { name: 'ada' } },
): RioEvent {
  return {
    id: '0190b6c2-7e1a-7000-8000-000000000001',
    project: 'blog',
    name: 'comment-published',
    payload,
    createdAt: new Date(NOW),
    idempotencyKey: null,
  }
}

const build = (h: Partial<WebhookHandler> = {}, payload?: JsonValue) =>
  buildWebhookRequest(handler(h), event(payload), { now: NOW, userAgent: 'Rio/test' })

/** The Standard Webhooks v1 signature, computed independently of @rio/signature. */
function expectedSignature(secret: string, id: string, timestamp: string, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64')
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`
}

function verifies(
  headers: Record<string, string | string[] | undefined>,
  body: string,
  secret: string,
): boolean {
  const expected = Buffer.from(
    expectedSignature(secret, String(headers['webhook-id']), String(headers['webhook-timestamp']), body),
  )
  return String(headers['webhook-signature'])
    .split(' ')
    .some(
      (candidate) =>
        candidate.length === expected.length && timingSafeEqual(Buffer.from(candidate), expected),
    )
}

describe('buildWebhookRequest', () => {
  it('sends the payload as JSON with the Standard Webhooks and original Rio headers', () => {
    const req = build()
    expect(req.method).toBe('POST')
    expect(req.url).toBe('https://example.com/hook')
    expect(req.body).toBe(JSON.stringify(event().payload))
    expect(req.headers).toMatchObject({
      'content-type': 'application/json',
      'user-agent': 'Rio/test',
      'webhook-id': event().id,
      'webhook-timestamp': String(Math.floor(NOW / 1000)),
      'x-rio-event': `uuid=${event().id},project=blog,action=comment-published`,
    })
    expect(req.headers['webhook-signature']).toBe(
      expectedSignature(SECRET, event().id, String(Math.floor(NOW / 1000)), req.body!),
    )
  })

  it('uses the stored JSON when given, so the payload is not serialised twice', () => {
    const req = buildWebhookRequest(handler(), event(), {
      now: NOW,
      userAgent: 'Rio/test',
      payloadJson: '{"id":42}',
    })
    expect(req.body).toBe('{"id":42}')
    expect(verifies(req.headers, '{"id":42}', SECRET)).toBe(true)
  })

  it('signs with every secret, so receivers can rotate', () => {
    const req = build({ secrets: [SECRET, OLD_SECRET] })
    expect(req.headers['webhook-signature']!.split(' ')).toHaveLength(2)
    expect(verifies(req.headers, req.body!, SECRET)).toBe(true)
    expect(verifies(req.headers, req.body!, OLD_SECRET)).toBe(true)
  })

  it('sends id and timestamp but no signature header when the handler has no secrets', () => {
    const req = build({ secrets: [] })
    expect(req.headers['webhook-id']).toBe(event().id)
    expect(req.headers['webhook-timestamp']).toBe(String(Math.floor(NOW / 1000)))
    expect(req.headers).not.toHaveProperty('webhook-signature')
  })

  it('keeps webhook-id stable across attempts while the timestamp and signature follow the attempt', () => {
    const first = build()
    const retry = buildWebhookRequest(handler(), event(), { now: NOW + 5_000, userAgent: 'Rio/test' })
    expect(retry.headers['webhook-id']).toBe(first.headers['webhook-id'])
    expect(Number(retry.headers['webhook-timestamp'])).toBe(Number(first.headers['webhook-timestamp']) + 5)
    expect(retry.headers['webhook-signature']).not.toBe(first.headers['webhook-signature'])
  })

  it('encodes form fields the way the original Rio did', () => {
    const req = build(
      { contentType: 'form' },
      { content: 'a b&c=d', score: 3, spam: true, none: null, author: { name: 'ada' }, tags: ['x', 'y'] },
    )
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded')
    const form = new URLSearchParams(req.body)
    expect(Object.fromEntries(form)).toEqual({
      content: 'a b&c=d',
      score: '3',
      spam: 'true',
      none: '',
      author: '{"name":"ada"}',
      tags: '["x","y"]',
    })
  })

  it.each([
    ['an array', [1, 2], '[1,2]'],
    ['a string', 'hello', '"hello"'],
    ['a number', 7, '7'],
    ['null', null, 'null'],
  ] as const)('sends %s payload as one form field "payload"', (_, payload, json) => {
    const req = build({ contentType: 'form' }, payload as JsonValue)
    expect([...new URLSearchParams(req.body)]).toEqual([['payload', json]])
  })

  it('sends the JSON in one field "payload" for form-payload', () => {
    const req = build({ contentType: 'form-payload' })
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded')
    expect([...new URLSearchParams(req.body)]).toEqual([['payload', JSON.stringify(event().payload)]])
    expect(verifies(req.headers, req.body!, SECRET)).toBe(true)
  })

  it('sends GET fields as query parameters after the template query and before the fragment, signing ""', () => {
    const req = build(
      { method: 'GET', url: 'https://h/c/{{ payload.id }}?static=1#frag' },
      { id: 'a/b', content: 'x y' },
    )
    expect(req.body).toBeUndefined()
    expect(req.url).toBe('https://h/c/a%2Fb?static=1&id=a%2Fb&content=x+y#frag')
    expect(req.headers).not.toHaveProperty('content-type')
    expect(verifies(req.headers, '', SECRET)).toBe(true)
    const payload = build({ method: 'GET', contentType: 'form-payload' }, { id: 1 })
    expect(new URL(payload.url).searchParams.get('payload')).toBe('{"id":1}')
    expect(build({ method: 'GET' }, {}).url).toBe('https://example.com/hook')
  })

  it('adds static headers but never lets them replace what Rio computes', () => {
    const req = build({
      headers: {
        'X-Team': 'antispam',
        Authorization: 'Bearer t',
        'Webhook-Signature': 'v1,forged',
        'webhook-id': 'forged',
        'WEBHOOK-TIMESTAMP': '1',
        'x-rio-event': 'forged',
        'content-type': 'text/plain',
        'content-length': '1',
        'transfer-encoding': 'chunked',
        connection: 'close',
        'x-split': 'a\r\nx-injected: 1',
        'x-nul': 'a\u0000b',
        'bad name': 'x',
        'x-tab': 'a\tb',
      },
    })
    expect(req.headers).toMatchObject({ 'x-team': 'antispam', authorization: 'Bearer t', 'x-tab': 'a\tb' })
    expect(req.headers['webhook-id']).toBe(event().id)
    expect(req.headers['webhook-timestamp']).toBe(String(Math.floor(NOW / 1000)))
    expect(verifies(req.headers, req.body!, SECRET)).toBe(true)
    expect(req.headers['x-rio-event']).toContain('uuid=')
    expect(req.headers['content-type']).toBe('application/json')
    for (const name of [
      'content-length',
      'transfer-encoding',
      'connection',
      'x-split',
      'x-injected',
      'x-nul',
      'bad name',
    ])
      expect(req.headers).not.toHaveProperty(name)
    // a static user-agent replaces Rio's: it only identifies the caller
    expect(build({ headers: { 'User-Agent': 'Acme/1' } }).headers['user-agent']).toBe('Acme/1')
  })

  it('fills the URL template from the payload and the event', () => {
    const req = build({ url: 'https://h/{{ event.project }}/comments/{{ payload.id }}', method: 'PUT' })
    expect(req.method).toBe('PUT')
    expect(req.url).toBe('https://h/blog/comments/42')
  })
})

describe('buildWebhookRequest over the wire', () => {
  let receiver: Receiver
  let sender: WebhookSender
  afterEach(async () => {
    await sender?.close()
    await receiver?.close()
  })

  it('delivers each content type so that the receiver parses it and the signature verifies', async () => {
    receiver = await startReceiver()
    sender = new WebhookSender()
    const payload = { content: 'I am a spammer ☕', score: 3, author: { name: 'ada' } }
    for (const [contentType, method] of [
      ['json', 'POST'],
      ['form', 'POST'],
      ['form-payload', 'PUT'],
      ['json', 'GET'],
    ] as const) {
      const req = build(
        { url: `${receiver.url}/${contentType}/{{ payload.score }}`, contentType, method },
        payload,
      )
      expect((await sender.send(req, { timeoutMs: 5000 })).ok).toBe(true)
    }
    const [json, form, formPayload, get] = receiver.requests
    expect(JSON.parse(json!.body)).toEqual(payload)
    expect(new URLSearchParams(form!.body).get('content')).toBe('I am a spammer ☕')
    expect(new URLSearchParams(form!.body).get('score')).toBe('3')
    expect(JSON.parse(new URLSearchParams(formPayload!.body).get('payload')!)).toEqual(payload)
    expect(formPayload!.method).toBe('PUT')
    expect(get!.method).toBe('GET')
    expect(get!.path).toMatch(/^\/json\/3\?/)
    expect(new URL(get!.url).searchParams.get('content')).toBe('I am a spammer ☕')
    for (const received of receiver.requests) {
      expect(verifies(received.headers, received.body, SECRET)).toBe(true)
      expect(received.headers['x-rio-event']).toBe(`uuid=${event().id},project=blog,action=comment-published`)
      expect(received.headers['user-agent']).toBe('Rio/test')
    }
    // a receiver checking the signature would notice a changed body
    expect(verifies(json!.headers, `${json!.body} `, SECRET)).toBe(false)
  })
})
