import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { Rio } from '../../core/src/index.js'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const bin = fileURLToPath(new URL('../src/bin.ts', import.meta.url))
const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

const file = `projects:
  shop:
    senders:
      checkout: { secret: "{{ CHECKOUT_SECRET }}" }
    handlers:
      antispam:
        pattern: comment-published
        url: "{{ ANTISPAM_URL }}/webhook/comment/antispam"
        contentType: form
        secret: "{{ ANTISPAM_SECRET }}"
`

describe('rio sync', () => {
  it('creates what the file declares, then reports no changes, then applies an edit and prunes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rio-sync-'))
    dirs.push(dir)
    const yaml = join(dir, 'rio-sync.yaml')
    writeFileSync(yaml, file)
    const database = join(dir, 'rio.db')
    const env = {
      ...process.env,
      TSX_TSCONFIG_PATH: join(root, 'tsconfig.check.json'),
      CHECKOUT_SECRET: 'checkout-secret-1',
      ANTISPAM_URL: 'http://antispam.internal',
      ANTISPAM_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    }
    const sync = (args: string[] = [], extra: Record<string, string> = {}) =>
      spawnSync(process.execPath, ['--import', 'tsx', bin, 'sync', yaml, '--database', database, ...args], {
        cwd: root,
        env: { ...env, ...extra },
        encoding: 'utf8',
      })
    const first = sync()
    expect(first.status, first.stderr).toBe(0)
    expect(first.stdout).toBe(
      'created project shop\ncreated sender shop/checkout\ncreated handler shop/antispam (comment-published → http://antispam.internal/webhook/comment/antispam)\n',
    )
    expect(sync().stdout).toBe('no changes\n')
    const edited = sync([], {
      ANTISPAM_URL: 'http://antispam-v2.internal',
      CHECKOUT_SECRET: 'checkout-secret-2',
    })
    expect(edited.stdout).toMatch(
      /updated sender shop\/checkout \(new secret\)\nupdated handler shop\/antispam/,
    )
    const { CHECKOUT_SECRET: _unset, ...withoutSecret } = env
    const noVar = spawnSync(
      process.execPath,
      ['--import', 'tsx', bin, 'sync', yaml, '--database', database],
      {
        cwd: root,
        env: withoutSecret,
        encoding: 'utf8',
      },
    )
    expect(noVar.status).toBe(2)
    expect(noVar.stderr).toMatch(/environment variables that are not set: CHECKOUT_SECRET/)

    writeFileSync(yaml, 'projects:\n  shop: {}\n')
    expect(sync(['--prune']).stdout).toBe('removed sender shop/checkout\nremoved handler shop/antispam\n')
  }, 60_000)
})

describe('the sync file, in process', () => {
  it('refuses unknown keys with the path to them', async () => {
    const { syncFile } = await import('../src/sync-file.js')
    const rio = new Rio({ database: ':memory:' })
    await expect(
      syncFile(
        rio,
        'projects:\n  shop:\n    handlers:\n      a: { pattern: x, url: "http://x", colour: red }\n',
      ),
    ).rejects.toThrow(/invalid sync file at projects\.shop\.handlers\.a/)
    await rio.stop()
  })

  it('gives the position of a YAML syntax error without quoting the line, which may hold a secret', async () => {
    const { parseSyncFile } = await import('../src/sync-file.js')
    const text = 'projects:\n  shop:\n    senders:\n      checkout: { secret: whsec_t0p-s3cret: x }\n'
    expect(() => parseSyncFile(text)).toThrow(/^the sync file is not valid YAML: .* at line 4, column \d+$/)
    expect(() => parseSyncFile(text)).not.toThrow(/t0p-s3cret/)
  })

  it('substitutes after parsing, so a value may hold quotes, # and ": ", and comments need no variables', async () => {
    const { syncFile } = await import('../src/sync-file.js')
    const rio = new Rio({ database: ':memory:' })
    const secret = 'a"b: c # d'
    const text = `# {{ NOT_NEEDED }} in a comment is ignored
projects:
  shop:
    senders:
      checkout: { secret: "{{ SECRET }}" }
`
    const changes = await syncFile(rio, text, { env: { SECRET: secret } })
    expect(changes).toContainEqual({ kind: 'created', what: 'sender shop/checkout' })
    expect((await rio.authenticateSender('shop', 'checkout', secret)).ok).toBe(true)
    await rio.stop()
  })

  it('reads the original Rio syncproject file (project, senders with tokens, actions with webhooks)', async () => {
    const { syncFile } = await import('../src/sync-file.js')
    const rio = new Rio({ database: ':memory:' })
    const legacy = `project: example
senders:
  - slug: srv1
    token: '{{ SRV1_SENDER_TOKEN }}'
actions:
  - slug: post-published
    webhooks:
      - method: POST
        url: http://{{ SRV2 }}/webhook
      - method: PUT
        url: http://{{ SRV3 }}/webhook
        headers:
          Content-Type: application/json
          X-Team: blog
`
    const env = { SRV1_SENDER_TOKEN: 'token-of-srv1', SRV2: 'srv2.internal', SRV3: 'srv3.internal' }
    const first = await syncFile(rio, legacy, { env })
    expect(first.filter((c) => c.kind === 'created').map((c) => c.what)).toEqual([
      'project example',
      'sender example/srv1',
      'handler example: post-published → http://srv2.internal/webhook',
      'handler example/post-published PUT http://srv3.internal/webhook (post-published → http://srv3.internal/webhook)',
    ])
    const handlers = await rio.listHandlers({ project: 'example' })
    const shapes = handlers.map((h) => (h.kind === 'webhook' ? [h.method, h.contentType, h.headers] : []))
    expect(shapes.sort((a, b) => String(a[0]).localeCompare(String(b[0])))).toEqual([
      ['POST', 'form', {}],
      ['PUT', 'json', { 'X-Team': 'blog' }],
    ])
    expect((await rio.authenticateSender('example', 'srv1', 'token-of-srv1')).ok).toBe(true)
    expect((await syncFile(rio, legacy, { env })).every((c) => c.kind === 'unchanged')).toBe(true)
    await rio.stop()
  })
})

describe('rio sync output', () => {
  it('shows webhook URLs redacted, as text and as JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rio-sync-'))
    dirs.push(dir)
    const yaml = join(dir, 'rio-sync.yaml')
    writeFileSync(yaml, file)
    const env = {
      ...process.env,
      TSX_TSCONFIG_PATH: join(root, 'tsconfig.check.json'),
      CHECKOUT_SECRET: 'checkout-secret-1',
      ANTISPAM_URL: 'http://rio:pa55word@antispam.internal',
      ANTISPAM_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    }
    const sync = (args: string[]) =>
      spawnSync(
        process.execPath,
        ['--import', 'tsx', bin, 'sync', yaml, '--database', join(dir, 'rio.db'), ...args],
        { cwd: root, env, encoding: 'utf8' },
      )
    const text = sync([])
    expect(text.status, text.stderr).toBe(0)
    expect(text.stdout).toContain(
      'created handler shop/antispam (comment-published → http://rio:***@antispam.internal/webhook/comment/antispam)',
    )
    const json = sync(['--json'])
    expect(json.status, json.stderr).toBe(0)
    expect(JSON.parse(json.stdout)).toContainEqual({
      kind: 'unchanged',
      what: 'handler shop/antispam (comment-published → http://rio:***@antispam.internal/webhook/comment/antispam)',
    })
    expect(text.stdout + json.stdout).not.toContain('pa55word')
  }, 30_000)
})
