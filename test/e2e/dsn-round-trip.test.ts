import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import type { Rio } from '@rio/core'
import fc from 'fast-check'
import { Client, DsnError, parseDsn } from 'rio-client'
import { describe, expect, it } from 'vitest'
import { bin, root } from '../../packages/cli/test/spawn-rio.js'
import { makeRio, tempDir } from '../../packages/core/test/helpers.js'
import { admin, startApi } from '../../packages/core/test/http/api-server.js'

/** Sender names as Rio accepts them. */
const senderNames = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,20}$/)
/** Secrets of any text: URL delimiters, spaces, "%", non-Latin scripts, emoji (no lone surrogates, which are not text). */
const secrets = fc
  .string({
    unit: fc.oneof(
      fc.constantFrom(...'@:/#?%&=+ \t\\"\'[]', 'é', '漢', '😀', 'ש', '\u202e', '\u00a0'),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
    ),
    minLength: 6,
    maxLength: 40,
  })
  .filter((s) => s.length >= 6 && s.length <= 512)

describe('a DSN Rio prints is read back by rio-client as the same credentials', () => {
  it('holds for the DSN of POST /api/v1/projects/:project/senders, and the client can emit with it', async () => {
    const { url } = await startApi()
    await fetch(`${url}/api/v1/projects`, {
      method: 'POST',
      headers: { ...admin, 'content-type': 'application/json' },
      // A project name may hold ":": the DSN keeps it as it is, where `%3A` would be no project name.
      body: JSON.stringify({ name: 'shop:eu' }),
    })
    let run = 0
    await fc.assert(
      fc.asyncProperty(senderNames, secrets, async (base, secret) => {
        // Unique, shrinking included: a name is taken once created.
        const name = `${base}-${run++}`
        const res = await fetch(`${url}/api/v1/projects/shop:eu/senders`, {
          method: 'POST',
          headers: { ...admin, 'content-type': 'application/json' },
          body: JSON.stringify({ name, secret }),
        })
        expect(res.status).toBe(201)
        const { dsn } = (await res.json()) as { dsn: string }
        const parsed = parseDsn(dsn)
        expect([parsed.sender, parsed.secret, parsed.project]).toEqual([name, secret, 'shop:eu'])
        expect(String(parsed)).not.toContain(encodeURIComponent(secret))
        const client = new Client({ dsn })
        try {
          await client.emit('order.paid', { secret: secret.length })
        } finally {
          await client.close()
        }
      }),
      { numRuns: 25 },
    )
  })

  it('holds for the DSN `rio sender create` prints, behind a path prefix', async () => {
    const database = join(tempDir(), 'rio.db')
    const rio: Rio = makeRio({ database })
    // A project name may hold ":": the DSN keeps it as it is, where `%3A` would be no project name.
    await rio.createProject('shop:eu')
    await rio.stop()
    const cases = ['s3cret:@/#?x', 'pässwörd 漢字 😀', '100% sure+yes=no&', ' padded secret ']
    for (const [i, secret] of cases.entries()) {
      const out = spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          bin,
          'sender',
          'create',
          'shop:eu',
          `sender-${i}`,
          '--secret',
          secret,
          '--url',
          'https://rio.example.com/rio/',
          '--database',
          database,
          '--json',
        ],
        {
          cwd: root,
          env: { ...process.env, TSX_TSCONFIG_PATH: join(root, 'tsconfig.check.json') },
          encoding: 'utf8',
        },
      )
      expect(out.status, out.stderr).toBe(0)
      const { dsn } = JSON.parse(out.stdout) as { dsn: string }
      const parsed = parseDsn(dsn)
      expect([parsed.sender, parsed.secret, parsed.project, parsed.baseUrl]).toEqual([
        `sender-${i}`,
        secret,
        'shop:eu',
        'https://rio.example.com:443/rio',
      ])
    }
  }, 60_000)

  it('refuses a base URL with a query, fragment or credentials, which would make a DSN no client reads', async () => {
    const database = join(tempDir(), 'rio.db')
    for (const url of [
      'https://rio.example.com/rio?x=1',
      'https://rio.example.com/#top',
      'https://u:p@rio.example.com',
    ]) {
      const out = spawnSync(
        process.execPath,
        ['--import', 'tsx', bin, 'sender', 'create', 'shop', 'x', '--url', url, '--database', database],
        {
          cwd: root,
          env: { ...process.env, TSX_TSCONFIG_PATH: join(root, 'tsconfig.check.json') },
          encoding: 'utf8',
        },
      )
      expect(out.status, url).toBe(2)
      expect(out.stderr).toMatch(/has a query, fragment or credentials/)
    }
    const rio = makeRio()
    await expect(rio.listen({ port: 0, publicUrl: 'https://rio.example.com/?x=1' })).rejects.toThrow(
      /publicUrl is a base URL/,
    )
  }, 60_000)

  it('refuses a DSN whose sender or secret holds a lone surrogate, which no client could send', () => {
    for (const dsn of ['http://a\ud800:secret@h/p', 'http://sender:se\udc00cret@h/p']) {
      const error = (() => {
        try {
          parseDsn(dsn)
        } catch (e) {
          return e
        }
      })()
      expect(error).toBeInstanceOf(DsnError)
      expect((error as DsnError).reason).toBe('bad_encoding')
    }
  })

  it('refuses a lone surrogate in a sender secret given to rio.createSender, as the API does', async () => {
    const rio = makeRio()
    await expect(rio.createSender('shop', 'x', { secret: 'secret\ud800' })).rejects.toThrow(
      /no lone surrogates/,
    )
  })
})
