import { getEventListeners } from 'node:events'
import { describe, expect, it } from 'vitest'
import { onAbort } from '../src/on-abort.ts'

describe('onAbort', () => {
  it('calls every callback through one listener, and removes it with the last callback', () => {
    const controller = new AbortController()
    const calls: string[] = []
    const removers = ['a', 'b', 'c'].map((name) => onAbort(controller.signal, () => calls.push(name)))
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1)
    removers[1]!()
    removers[1]!() // removing twice is harmless
    removers[0]!()
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1)
    removers[2]!()
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)

    onAbort(controller.signal, () => calls.push('d'))
    const sameFunction = () => calls.push('e')
    onAbort(controller.signal, sameFunction)
    const removeSecond = onAbort(controller.signal, sameFunction)
    removeSecond()
    controller.abort()
    expect(calls).toEqual(['d', 'e'])
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
  })

  it('calls the other callbacks when one throws, and reports the error', async () => {
    const controller = new AbortController()
    const calls: string[] = []
    const reported = new Promise<unknown>((resolve) => process.once('uncaughtException', resolve))
    onAbort(controller.signal, () => {
      throw new Error('listener failed')
    })
    onAbort(controller.signal, () => calls.push('after'))
    controller.abort()
    expect(calls).toEqual(['after'])
    expect(await reported).toMatchObject({ message: 'listener failed' })
  })
})
