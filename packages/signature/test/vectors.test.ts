import { describe, expect, it } from 'vitest'
import { sign, signAsync, verify, verifyAsync, type WebhookVerificationReason } from '../src/index.ts'
import { expectRefused } from './support/refusal.ts'
import vectors from './vectors.json' with { type: 'json' }

interface RequestVector {
  name: string
  secret: string | string[]
  headers: Record<string, string>
  body: string
  now: number
  toleranceSeconds?: number
  reason?: WebhookVerificationReason
  header?: string
}

const options = (vector: RequestVector) => ({
  now: () => vector.now * 1000,
  ...(vector.toleranceSeconds === undefined ? {} : { toleranceSeconds: vector.toleranceSeconds }),
})
const verifiers = { verify, verifyAsync } as const

describe('sign vectors', () => {
  for (const vector of vectors.sign) {
    const input = { id: vector.id, timestamp: vector.timestamp, body: vector.body, secret: vector.secret }
    const expected = {
      'webhook-id': vector.id,
      'webhook-timestamp': String(vector.timestamp),
      'webhook-signature': vector.signature,
    }

    it(`sign() produces the pinned signature: ${vector.name}`, () => {
      expect(sign(input)).toEqual(expected)
    })

    it(`signAsync() produces the pinned signature: ${vector.name}`, async () => {
      expect(await signAsync(input)).toEqual(expected)
    })

    it(`sign() gives the same signature for the body as bytes: ${vector.name}`, () => {
      expect(sign({ ...input, body: new TextEncoder().encode(vector.body) })).toEqual(expected)
    })
  }
})

for (const [name, check] of Object.entries(verifiers)) {
  describe(`${name} vectors`, () => {
    for (const vector of vectors.valid as unknown as RequestVector[]) {
      it(`accepts when ${vector.name}`, async () => {
        const result = await check(vector.body, vector.headers, vector.secret, options(vector))
        expect(result).toEqual({
          id: vector.headers['webhook-id'] ?? vector.headers['Webhook-Id'],
          timestamp: Number(vector.headers['webhook-timestamp'] ?? vector.headers['WEBHOOK-TIMESTAMP']),
          body: vector.body,
        })
      })
    }

    for (const vector of vectors.invalid as unknown as RequestVector[]) {
      it(`refuses with ${vector.reason} when ${vector.name}`, async () => {
        await expectRefused(
          () => check(vector.body, vector.headers, vector.secret, options(vector)),
          vector.reason!,
          vector.header,
        )
      })
    }
  })
}
