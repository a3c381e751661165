import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { makeRio, onCleanup, waitUntil } from '../../core/test/helpers.js'
import { createLogger, logRio } from '../src/logging.js'
import { syncFile } from '../src/sync-file.js'

describe('log lines with text of any script', () => {
  it('cut a long payload between characters, never inside an emoji', async () => {
    const lines: string[] = []
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk))
        done()
      },
    })
    const rio = makeRio()
    const unsubscribe = logRio(rio, createLogger({ level: 'info', destination }))
    onCleanup(unsubscribe)
    // JSON.stringify adds `{"text":"` (9 characters): the 2048th character is a high surrogate.
    await rio.emit('note', { text: `${'a'.repeat(2038)}${'😀'.repeat(10)}` })
    await waitUntil(() => lines.length > 0, 'the EMIT line')
    const msg = (JSON.parse(lines[0]!) as { msg: string }).msg
    expect(msg).toMatch(/"a{2038}…$/)
    expect(msg).not.toContain('\ufffd')
  })
})

describe('rio sync with handler names of any script', () => {
  it('keeps a handler named in NFD in the file, with --prune, instead of removing it as unnamed', async () => {
    const rio = makeRio()
    const file = (url: string) => `projects:
  shop:
    handlers:
      "cafe\u0301 hook":
        pattern: order.paid
        url: ${url}
`
    const first = await syncFile(rio, file('http://127.0.0.1:9/a'), { prune: true })
    expect(first.map((c) => c.kind)).toEqual(['created', 'created'])
    const [stored] = await rio.listHandlers()
    expect(stored!.name).toBe('caf\u00e9 hook')
    const again = await syncFile(rio, file('http://127.0.0.1:9/a'), { prune: true })
    expect(again.map((c) => c.kind)).toEqual(['unchanged', 'unchanged'])
    const edited = await syncFile(rio, file('http://127.0.0.1:9/b'), { prune: true })
    expect(edited.map((c) => c.kind)).toEqual(['unchanged', 'updated'])
    expect((await rio.listHandlers()).map((h) => [h.id, h.kind === 'webhook' ? h.url : null])).toEqual([
      [stored!.id, 'http://127.0.0.1:9/b'],
    ])
  })

  it('updates a handler stored under an NFD name before names were normalised when the file writes it in NFC, and --prune keeps it', async () => {
    const rio = makeRio()
    const file = (url: string) => `projects:
  shop:
    handlers:
      "caf\u00e9 hook":
        pattern: order.paid
        url: ${url}
`
    const old = await rio.webhook('order.paid', {
      project: 'shop',
      name: 'hook',
      url: 'http://127.0.0.1:9/a',
    })
    rio.db!.prepare('UPDATE handlers SET name = ? WHERE id = ?').run('cafe\u0301 hook', old.id)
    const synced = await syncFile(rio, file('http://127.0.0.1:9/b'), { prune: true })
    expect(synced.map((c) => c.kind)).toEqual(['unchanged', 'updated'])
    const handlers = await rio.listHandlers()
    expect(handlers.map((h) => [h.id, h.name, h.kind === 'webhook' ? h.url : null])).toEqual([
      [old.id, 'cafe\u0301 hook', 'http://127.0.0.1:9/b'],
    ])
    expect(handlers[0]!.kind === 'webhook' && handlers[0]!.secrets).toEqual(old.secrets)
    expect((await syncFile(rio, file('http://127.0.0.1:9/b'), { prune: true })).map((c) => c.kind)).toEqual([
      'unchanged',
      'unchanged',
    ])
  })
})
