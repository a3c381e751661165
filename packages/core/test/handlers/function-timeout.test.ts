import { describe, expect, it } from 'vitest'
import { RioValidationError } from '../../src/index.js'
import { makeRio, waitUntil } from '../helpers.js'

describe('function handler timeoutMs', () => {
  it.each([3_000_000_000, 2 ** 31, 600_001])(
    'refuses %d ms when the handler is registered, like webhooks',
    (timeoutMs) => {
      const rio = makeRio()
      let error: unknown
      try {
        rio.on('x', 'slow', async () => {}, { timeoutMs })
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(RioValidationError)
      expect((error as RioValidationError).code).toBe('invalid_handler')
      expect((error as Error).message).toContain('timeoutMs: a timeout is at most 600000 ms')
    },
  )

  it('refuses the same timeout on a webhook, with the same message', async () => {
    const rio = makeRio()
    await expect(rio.webhook('x', { url: 'http://127.0.0.1:9/', timeoutMs: 600_001 })).rejects.toThrow(
      'timeoutMs: a timeout is at most 600000 ms',
    )
  })

  it('runs a function with the largest timeout to completion instead of timing it out at once', async () => {
    const rio = makeRio()
    rio.on('x', 'slow', () => new Promise((resolve) => setTimeout(resolve, 50)), { timeoutMs: 600_000 })
    await rio.start()
    const { id } = await rio.emit('x', {})
    const delivery = await waitUntil(async () => {
      const [d] = await rio.listDeliveries({ eventId: id })
      return d?.status === 'pending' || d?.status === 'in_flight' ? undefined : d
    }, 'the delivery to finish')
    expect(delivery).toMatchObject({ status: 'succeeded', lastError: null })
  })
})
