import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Rio } from '../../packages/core/src/index.js'
import { onCleanup, tempDir, waitUntil } from '../../packages/core/test/helpers.js'
import { createApp, main } from './index.js'

describe('examples/web-receiver', () => {
  it('receives Rio’s form-encoded webhook through Hono and the Web Request API', async () => {
    const rio = new Rio({ database: join(tempDir(), 'rio.db'), pollIntervalMs: 50 })
    onCleanup(() => rio.stop())
    const seen: string[] = []
    const hook = await rio.webhook('comment-published', {
      url: 'http://127.0.0.1:1/',
      name: 'antispam',
      contentType: 'form',
    })
    const receiver = await main({ secret: hook.secrets[0]!, onComment: (c) => seen.push(c) })
    onCleanup(() => receiver.close())
    await rio.webhook('comment-published', {
      url: `${receiver.url}/webhook/comment/antispam`,
      name: 'antispam',
      contentType: 'form',
    })
    await rio.start()
    const { id } = await rio.emit('comment-published', { content: 'hello' })
    await waitUntil(
      async () => (await rio.listDeliveries({ eventId: id, status: 'succeeded' })).length === 1,
      'delivery',
    )
    expect(seen).toEqual(['hello'])
  })

  it('answers 400 to a request without signature headers, straight from app.fetch', async () => {
    const res = await createApp({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }).fetch(
      new Request('http://x/webhook/comment/antispam', { method: 'POST', body: '{}' }),
    )
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('missing_header')
  })
})
