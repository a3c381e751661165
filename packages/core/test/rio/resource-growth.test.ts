import { afterEach, describe, expect, it, vi } from 'vitest'
import { Dispatcher } from '../../src/dispatch/dispatcher.js'
import { makeRio } from '../helpers.js'

afterEach(() => {
  vi.restoreAllMocks()
})

describe('what a long-running Rio keeps per handler', () => {
  it('forgets a function handler’s own timeout when the handler is removed', async () => {
    // The dispatcher is Rio's own; catch it as Rio hands it the first timeout.
    let dispatcher: Dispatcher | undefined
    const real = Dispatcher.prototype.setFunctionTimeout
    vi.spyOn(Dispatcher.prototype, 'setFunctionTimeout').mockImplementation(function (
      this: Dispatcher,
      ...args
    ) {
      dispatcher = this
      return real.apply(this, args)
    })
    const rio = makeRio()
    for (let round = 0; round < 50; round++) {
      rio.on('job', `job-${round}`, () => {}, { timeoutMs: 1000 + round })
      // An emit waits for the registration to be stored.
      await rio.emit('registered', {})
      const [handler] = await rio.listHandlers({ kind: 'function' })
      await rio.removeHandler(handler!.id)
    }
    expect(dispatcher).toBeDefined()
    // Handler ids are never reused: one entry per removed handler would stay for the process's life.
    expect(dispatcher!.functionTimeoutCount).toBe(0)
  })

  it('keeps the timeout of a function handler that is still registered', async () => {
    let dispatcher: Dispatcher | undefined
    const real = Dispatcher.prototype.setFunctionTimeout
    vi.spyOn(Dispatcher.prototype, 'setFunctionTimeout').mockImplementation(function (
      this: Dispatcher,
      ...args
    ) {
      dispatcher = this
      return real.apply(this, args)
    })
    const rio = makeRio()
    rio.on('job', 'kept', () => {}, { timeoutMs: 1234 })
    rio.on('job', 'removed', () => {}, { timeoutMs: 5678 })
    await rio.emit('registered', {})
    const removed = (await rio.listHandlers({ kind: 'function' })).find((h) => h.name === 'removed')!
    await rio.removeHandler(removed.id)
    expect(dispatcher!.functionTimeoutCount).toBe(1)
  })
})
