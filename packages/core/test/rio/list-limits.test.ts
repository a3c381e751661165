import { describe, expect, it } from 'vitest'
import { RioValidationError } from '../../src/index.js'
import { makeRio } from '../helpers.js'

describe('page sizes given to the list methods', () => {
  it('refuses a limit that is not a positive integer, naming the method and what leaving it out gives', async () => {
    const rio = makeRio()
    await rio.emitMany(Array.from({ length: 60 }, (_, n) => ({ name: 'order.paid', payload: { n } })))
    const cases = [
      ['listEvents', (limit: number) => rio.listEvents({ limit }), 'the default, 50'],
      ['listDeliveries', (limit: number) => rio.listDeliveries({ limit }), 'the default, 50'],
      ['listHandlers', (limit: number) => rio.listHandlers({ limit }), 'every one'],
    ] as const
    for (const [method, list, omitted] of cases) {
      for (const limit of [0, -1, 1.5, Number.NaN]) {
        const refused = await list(limit).catch((error: unknown) => error)
        expect(refused, `${method} ${limit}`).toBeInstanceOf(RioValidationError)
        expect((refused as RioValidationError).message).toContain(
          `${method}() needs limit as a positive integer`,
        )
        expect((refused as RioValidationError).message).toContain(`leave it out for ${omitted}`)
        expect((refused as RioValidationError).issues?.map((i) => i.path)).toEqual([['limit']])
      }
    }
    expect(await rio.listEvents()).toHaveLength(50)
    expect(await rio.listEvents({ limit: 55 })).toHaveLength(55)
  })
})
