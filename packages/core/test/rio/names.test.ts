import { describe, expect, it } from 'vitest'
import { RioValidationError } from '../../src/index.js'
import { makeRio, waitUntil } from '../helpers.js'

const URL_A = 'http://127.0.0.1:9/a'
const SECRET = `whsec_${Buffer.from('s'.repeat(32)).toString('base64')}`

/** Renames a stored handler behind Rio's back: a name saved before names were normalised. */
function storeNameAsBefore(rio: ReturnType<typeof makeRio>, id: string, name: string): void {
  rio.db!.prepare('UPDATE handlers SET name = ? WHERE id = ?').run(name, id)
}

describe('handler names', () => {
  it('are one handler when they differ only in Unicode normalisation (NFC and NFD)', async () => {
    const rio = makeRio()
    const composed = await rio.webhook('x', { url: URL_A, name: 'caf\u00e9 \uac00' })
    const decomposed = await rio.webhook('x', { url: URL_A, name: 'cafe\u0301 \u1100\u1161' })
    expect(decomposed.id).toBe(composed.id)
    expect(composed.name).toBe('caf\u00e9 \uac00')
    expect(await rio.listHandlers()).toHaveLength(1)
    // Any script, emoji sequences and joiners are names like any other.
    for (const name of ['注文の通知', 'ارسال سفارش', '👩‍💻 deploy', 'می‌خواهم', 'Ωmega "quoted" <b>']) {
      expect((await rio.webhook('x', { url: URL_A, name })).name).toBe(name)
    }
  })

  it('still finds a handler stored under a name that is not NFC, by that name as written', async () => {
    const rio = makeRio()
    const webhook = await rio.webhook('x', { url: URL_A, name: 'hook' })
    storeNameAsBefore(rio, webhook.id, 'cafe\u0301')
    const again = await rio.webhook('x', { url: 'http://127.0.0.1:9/b', name: 'cafe\u0301' })
    expect(again.id).toBe(webhook.id)
    expect(again.url).toBe('http://127.0.0.1:9/b')
    expect(await rio.listHandlers()).toHaveLength(1)

    const calls: string[] = []
    rio.on('fn', 'audit', () => undefined)
    await rio.start()
    const [stored] = await rio.listHandlers({ kind: 'function' })
    storeNameAsBefore(rio, stored!.id, 'e\u0301t\u00e9')
    // A process booting with the name as it always wrote it keeps that handler and runs it.
    rio.on('fn', 'e\u0301t\u00e9', (event) => void calls.push(event.name))
    await rio.emit('fn', {})
    await waitUntil(() => calls.length === 1, 'the function ran')
    expect((await rio.listHandlers({ kind: 'function' })).map((h) => h.id)).toEqual([stored!.id])
  })

  it('updates a handler stored under a name that is not NFC when it is declared in NFC, rather than adding a look-alike', async () => {
    const rio = makeRio()
    const webhook = await rio.webhook('x', { url: URL_A, name: 'hook', secret: SECRET })
    storeNameAsBefore(rio, webhook.id, 'cafe\u0301 \u1100\u1161')
    const again = await rio.webhook('x', { url: 'http://127.0.0.1:9/b', name: 'caf\u00e9 \uac00' })
    expect(again.id).toBe(webhook.id)
    expect(again.name).toBe('cafe\u0301 \u1100\u1161')
    expect(again.secrets).toEqual([SECRET])
    expect(await rio.listHandlers()).toHaveLength(1)

    // A function handler too: registered in NFC, it runs the deliveries of the one stored in NFD.
    const calls: string[] = []
    rio.on('fn', 'audit', () => undefined)
    await rio.start()
    const [stored] = await rio.listHandlers({ kind: 'function' })
    storeNameAsBefore(rio, stored!.id, 'e\u0301te\u0301')
    rio.on('fn', '\u00e9t\u00e9', (event) => void calls.push(event.name))
    await rio.emit('fn', {})
    await waitUntil(() => calls.length === 1, 'the function ran')
    expect((await rio.listHandlers({ kind: 'function' })).map((h) => [h.id, h.name])).toEqual([
      [stored!.id, 'e\u0301te\u0301'],
    ])
  })

  it('refuses controls, bidi overrides, line separators, invisible characters and lone surrogates', async () => {
    const rio = makeRio()
    const refused: Array<[string, RegExp]> = [
      ['tab\there', /may not hold control characters/],
      ['nel\u0085', /may not hold control characters/],
      ['csi\u009b2J', /may not hold control characters/],
      ['invoice\u202egpj.exe', /bidirectional formatting/],
      ['a\u2066b\u2069', /bidirectional formatting/],
      ['rlm\u200f', /bidirectional formatting/],
      ['line\u2028two', /line separators/],
      ['ad\u200bmin', /invisible characters/],
      ['\ufeffbom', /invisible characters/],
      ['half \ud83d', /must be valid Unicode \(no lone surrogates\)/],
    ]
    for (const [name, message] of refused) {
      const error = await rio.webhook('x', { url: URL_A, name }).catch((e: unknown) => e)
      expect(error, JSON.stringify(name)).toBeInstanceOf(RioValidationError)
      expect((error as Error).message, JSON.stringify(name)).toMatch(message)
      expect(() => rio.on('x', name, () => undefined), JSON.stringify(name)).toThrow(message)
    }
    expect(await rio.listHandlers()).toEqual([])
  })

  it('refuses a webhook URL holding what WHATWG URL would drop or hide, so the URL called is the one stored', async () => {
    const rio = makeRio()
    for (const url of [
      'http://127.0.0.1:9/a\nb',
      'http://127.0.0.1:9/a\tb',
      'http://127.0.0.1:9/a\u0000b',
      'http://127.0.0.1:9/a\u202eb',
      'http://127.0.0.1:9/\ud800',
    ]) {
      const error = await rio.webhook('x', { url }).catch((e: unknown) => e)
      expect(error, JSON.stringify(url)).toBeInstanceOf(RioValidationError)
      expect((error as Error).message).toMatch(/url: a webhook URL (may not hold|must be valid Unicode)/)
    }
    // Spaces are a template's ({{ payload.id }}); non-ASCII hosts and paths are encoded when sent.
    for (const url of ['http://127.0.0.1:9/{{ payload.id }}', 'http://café.test/ünï']) {
      expect((await rio.webhook('x', { url })).url).toBe(url)
    }
  })
})

describe('error messages that quote a caller\u2019s value', () => {
  it('cut a long event or project name and never throw for a value JSON cannot write', async () => {
    const rio = makeRio()
    const circular: Record<string, unknown> = {}
    circular.self = circular
    const cases: Array<[unknown, RegExp]> = [
      ['x'.repeat(3000), /^invalid event name "x{100}"… \(3000 characters\): /],
      [`${'x'.repeat(99)}😀`, /^invalid event name "x{99}"… \(101 characters\): /],
      [1n, /^invalid event name a bigint: /],
      [circular, /^invalid event name an object: /],
      [['a'], /^invalid event name an array: /],
    ]
    for (const [name, message] of cases) {
      const error = await rio.emit(name as string, {}).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(RioValidationError)
      expect((error as Error).message).toMatch(message)
      expect((error as Error).message.length).toBeLessThan(400)
    }
    const project = await rio.emit('x', {}, { project: 'p'.repeat(1000) }).catch((e: unknown) => e)
    expect((project as Error).message).toMatch(/^invalid project name "p{100}"… \(1000 characters\): /)
  })
})
