import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Rio } from '../../src/index.js'
import { tempDir } from '../helpers.js'

describe('Rio options', () => {
  it('refuses a default timeout a timer cannot hold, as for one handler', () => {
    const database = join(tempDir(), 'rio.db')
    expect(() => new Rio({ database, timeoutMs: 3e9, leaseMs: 4e9 })).toThrow(
      expect.objectContaining({ code: 'invalid_options', message: expect.stringMatching(/timeoutMs/) }),
    )
    expect(() => new Rio({ database, timeoutMs: 600_001, leaseMs: 700_000 })).toThrow(/timeoutMs/)
  })
})
