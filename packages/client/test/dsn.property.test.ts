import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DsnError, parseDsn } from '../src/index.ts'

function throwsOnlyDsnError(text: string): boolean {
  try {
    parseDsn(text)
    return true
  } catch (error) {
    return error instanceof DsnError
  }
}

const segment = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,10}$/)

describe('parseDsn, property-based', () => {
  it('throws nothing but DsnError for arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), throwsOnlyDsnError), {
      numRuns: 2000,
    })
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 80 }), throwsOnlyDsnError), {
      numRuns: 2000,
    })
  })

  it('throws nothing but DsnError for URL-shaped strings with arbitrary parts', () => {
    const part = fc.string({ unit: fc.constantFrom(...'aZ09:@/?#%[]. -_\\\t'.split('')), maxLength: 12 })
    const dsn = fc
      .tuple(fc.constantFrom('http', 'https', 'HTTP', 'ftp', ''), part, part, part, part)
      .map(([scheme, user, host, port, path]) => `${scheme}://${user}@${host}:${port}/${path}`)
    fc.assert(fc.property(dsn, throwsOnlyDsnError), { numRuns: 3000 })
    fc.assert(fc.property(fc.webUrl({ withQueryParameters: true, withFragments: true }), throwsOnlyDsnError))
  })

  it('reads any port from 1 to 65535 as its number, leading zeros or not', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 65_535 }), fc.nat(12), (port, zeros) => {
        expect(parseDsn(`https://s:k@rio.test:${'0'.repeat(zeros)}${port}/1/p`).port).toBe(port)
      }),
    )
  })

  it('refuses whitespace, control characters and backslashes anywhere, never echoing the secret', () => {
    const unsafe = fc.constantFrom(' ', '\t', '\n', '\r', '\u0001', '\u007f', '\u00a0', '\u3000', '\\')
    const secret = fc.stringMatching(/^[a-z0-9]{12}$/).map((rest) => `hunter2${rest}`)
    fc.assert(
      fc.property(secret, unsafe, fc.nat(), (secret, character, at) => {
        const dsn = `https://sender:${secret}@rio.test:8443/rio/1/shop`
        // Inside the text: surrounding whitespace is trimmed, not refused.
        const index = 1 + (at % (dsn.length - 1))
        try {
          parseDsn(dsn.slice(0, index) + character + dsn.slice(index))
        } catch (error) {
          expect(error).toBeInstanceOf(DsnError)
          expect((error as Error).message).not.toContain('hunter2')
          return
        }
        throw new Error(`accepted ${JSON.stringify(character)} at ${index}`)
      }),
      { numRuns: 2000 },
    )
  })

  it('round-trips any encoded credentials, prefix, version and project', () => {
    const credential = fc.string({ minLength: 1, maxLength: 20 })
    // HTTP Basic auth cannot carry a ":" in the user name: such senders are refused.
    const sender = credential.filter((text) => !text.includes(':'))
    fc.assert(
      fc.property(
        fc.constantFrom('http', 'https'),
        sender,
        credential,
        fc.array(fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/), { maxLength: 3 }),
        fc.option(fc.integer({ min: 0, max: 99 }), { nil: undefined }),
        segment,
        (scheme, sender, secret, prefix, version, project) => {
          const path = [...prefix, ...(version === undefined ? [] : [String(version)]), project].join('/')
          const text = `${scheme}://${encodeURIComponent(sender)}:${encodeURIComponent(secret)}@rio.test/${path}`
          const dsn = parseDsn(text)
          expect(dsn.sender).toBe(sender)
          expect(dsn.secret).toBe(secret)
          expect(dsn.project).toBe(project)
          expect(dsn.version).toBe(version === undefined ? undefined : String(version))
          expect(dsn.prefix).toBe(prefix.length > 0 ? `/${prefix.join('/')}` : '')
          expect(String(dsn)).not.toContain(`:${encodeURIComponent(secret)}@`)
          // The redacted form parses back to the same place.
          expect(parseDsn(dsn.redacted.replace('***', 'x')).baseUrl).toBe(dsn.baseUrl)
        },
      ),
    )
  })
})
