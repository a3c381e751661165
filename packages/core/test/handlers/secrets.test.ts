import { generateKeyPair, generateSecret, verify } from '@rio/signature'
import { describe, expect, it } from 'vitest'
import { startReceiver } from '../../../../test/support/receiver.js'
import { RioValidationError } from '../../src/index.js'
import { makeRio, onCleanup, waitUntil } from '../helpers.js'
import { admin, call, postJson, startApi } from '../http/api-server.js'

async function receiver() {
  const r = await startReceiver()
  onCleanup(() => r.close())
  return r
}

async function refusal(promise: Promise<unknown>): Promise<RioValidationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(RioValidationError)
  expect((error as RioValidationError).code).toBe('invalid_handler')
  return error as RioValidationError
}

const url = 'http://127.0.0.1:9/hook'
// Secrets `sign()` refuses, with the words of its reason.
const unusable: Array<[string, string, string]> = [
  ['whsec_ without base64', 'whsec_not base64!!', 'not valid base64'],
  ['whsec_ with nothing after it', 'whsec_', 'empty after its prefix'],
  ['whsec_ with base64url characters', 'whsec_ab-_', 'not valid base64'],
  ['whsk_ of the wrong length', `whsk_${Buffer.alloc(16).toString('base64')}`, '32-byte ed25519 seed'],
  ['a whpk_ public key', generateKeyPair().publicKey, 'cannot sign'],
]

describe('signing secrets', () => {
  it.each(unusable)(
    'refuses %s when the webhook is saved, naming secret, and saves nothing',
    async (_, secret, why) => {
      const rio = makeRio()
      const error = await refusal(rio.webhook('x', { url, secret }))
      expect(error.message).toContain(`secret: `)
      expect(error.message).toContain(why)
      // a secret is never echoed (the bare prefix is the one too short to tell)
      if (secret.length > 6) expect(error.message).not.toContain(secret)
      expect(error.issues?.map((issue) => issue.path)).toEqual([['secret']])
      expect(await rio.listHandlers()).toEqual([])
    },
  )

  it('names the index of the unusable one among several secrets, on save and on update', async () => {
    const rio = makeRio()
    const error = await refusal(rio.webhook('x', { url, secrets: [generateSecret(), 'whsec_'] }))
    expect(error.message).toContain('secrets.1: the whsec_ secret is empty after its prefix')
    expect(await rio.listHandlers()).toEqual([])

    const good = generateSecret()
    const handler = await rio.webhook('x', { url, secret: good })
    const update = await refusal(rio.updateHandler(handler.id, { secrets: [good, 'whsec_not base64!!'] }))
    expect(update.message).toContain('secrets.1: the whsec_ secret is not valid base64')
    await refusal(rio.updateHandler(handler.id, { secret: 'whsec_' }))
    expect(await rio.getHandler(handler.id)).toMatchObject({ secrets: [good] })
  })

  it('refuses an unusable secret through the HTTP API with a 400 naming the field', async () => {
    const { rio, url: api } = await startApi()
    await rio.createProject('shop')
    const created = await postJson(
      `${api}/api/v1/projects/shop/handlers`,
      { pattern: 'order.*', url, secrets: ['whsec_'] },
      admin,
    )
    expect(created.status).toBe(400)
    expect(created.body.error.code).toBe('invalid_handler')
    expect(created.body.error.issues.map((i: { path: string }) => i.path)).toEqual(['secrets.0'])
    expect(await rio.listHandlers()).toEqual([])

    const handler = await rio.webhook('order.*', { url, project: 'shop' })
    const patched = await call(`${api}/api/v1/handlers/${handler.id}`, {
      method: 'PATCH',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ secret: 'whsec_not base64!!' }),
    })
    expect(patched.status).toBe(400)
    expect(patched.body.error.issues[0].path).toBe('secret')
    expect(await rio.getHandler(handler.id)).toMatchObject({ secrets: handler.secrets })
  })

  it('accepts every secret the signer takes and delivers requests that verify with each', async () => {
    const r = await receiver()
    const rio = makeRio()
    const keys = generateKeyPair()
    const secrets = [
      generateSecret(),
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      keys.secretKey,
      'my-shared-secret',
    ]
    await rio.webhook('x', { url: r.url, secrets })
    await rio.start()
    const { id } = await rio.emit('x', { n: 1 })
    const [request] = await r.waitFor(1, 5000)
    for (const key of [secrets[0]!, secrets[1]!, keys.publicKey, secrets[3]!]) {
      expect(verify(request!.body, request!.headers, key).id).toBe(id)
    }
    await waitUntil(
      async () => (await rio.listDeliveries({ eventId: id }))[0]?.status === 'succeeded',
      'the delivery to succeed',
    )
  })
})
