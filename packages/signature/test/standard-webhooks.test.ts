import fc from 'fast-check'
import { Webhook } from 'standardwebhooks'
import { describe, expect, it } from 'vitest'
import { sign, verify, verifyAsync } from '../src/index.ts'

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const id = fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/)
const body = fc.string({ unit: 'grapheme', maxLength: 300 })
const key = fc
  .uint8Array({ minLength: 1, maxLength: 64 })
  .map((bytes) => `whsec_${Buffer.from(bytes).toString('base64')}`)

describe('interoperability with the standardwebhooks package', () => {
  it('verifies what standardwebhooks signs', async () => {
    await fc.assert(
      fc.asyncProperty(id, body, key, async (msgId, payload, whsec) => {
        const timestamp = new Date()
        const headers = {
          'webhook-id': msgId,
          'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
          'webhook-signature': new Webhook(whsec).sign(msgId, timestamp, payload),
        }
        expect(verify(payload, headers, whsec).id).toBe(msgId)
        expect(verify(Buffer.from(payload), headers, whsec).id).toBe(msgId)
        expect((await verifyAsync(payload, headers, whsec)).id).toBe(msgId)
      }),
    )
  })

  it('is verified by standardwebhooks, which parses the JSON it accepts', () => {
    fc.assert(
      fc.property(id, fc.json(), key, (msgId, json, whsec) => {
        const headers = sign({ id: msgId, timestamp: new Date(), body: json, secret: whsec })
        expect(new Webhook(whsec).verify(json, headers)).toEqual(JSON.parse(json))
      }),
    )
  })

  it('is verified by standardwebhooks when signed for several secrets during rotation', () => {
    const next = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD'
    const payload = '{"comment":"hi"}'
    const headers = sign({ id: 'msg_1', timestamp: new Date(), body: payload, secret: [secret, next] })
    expect(new Webhook(secret).verify(payload, headers)).toEqual({ comment: 'hi' })
    expect(new Webhook(next).verify(payload, headers)).toEqual({ comment: 'hi' })
  })

  it('agrees on raw ASCII secrets (standardwebhooks format: "raw")', () => {
    const raw = 'a plain shared secret'
    const payload = '{"a":1}'
    const headers = sign({ id: 'msg_1', timestamp: new Date(), body: payload, secret: raw })
    expect(new Webhook(raw, { format: 'raw' }).verify(payload, headers)).toEqual({ a: 1 })
  })

  it('refuses what standardwebhooks refuses: a tampered body', () => {
    const payload = '{"a":1}'
    const headers = sign({ id: 'msg_1', timestamp: new Date(), body: payload, secret })
    expect(() => new Webhook(secret).verify('{"a":2}', headers)).toThrow()
    expect(() => verify('{"a":2}', headers, secret)).toThrow()
  })
})
