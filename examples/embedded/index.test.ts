import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { onCleanup, tempDir, waitUntil } from '../../packages/core/test/helpers.js'
import { startReceiver } from '../../test/support/receiver.js'
import { main } from './index.js'

describe('examples/embedded', () => {
  it('delivers a published comment to the webhook and the in-process handler', async () => {
    const receiver = await startReceiver()
    onCleanup(() => receiver.close())
    const blog = await main({ database: join(tempDir(), 'blog.db'), webhookUrl: receiver.url })
    onCleanup(() => blog.close())
    const { eventId } = blog.publish('ada', 'one two three')
    await receiver.waitFor(1)
    expect(receiver.requests[0]!.headers['webhook-id']).toBe(eventId)
    await waitUntil(() => blog.words.get('ada') === 3, 'the word counter')
  })

  it('writes no event when the comment insert fails inside the transaction', async () => {
    const blog = await main({ database: join(tempDir(), 'blog.db') })
    onCleanup(() => blog.close())
    expect(() => blog.publish('ada', '')).toThrow(/CHECK constraint/)
    expect(await blog.rio.listEvents()).toEqual([])
  })
})
