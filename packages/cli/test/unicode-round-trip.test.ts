import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import fc from 'fast-check'
import parsePrometheusTextFormat from 'parse-prometheus-text-format'
import stringWidth from 'string-width'
import { describe, expect, it } from 'vitest'
import { type Handler, RioValidationError } from '../../core/src/index.js'
import { makeRio, tempDir, waitUntil } from '../../core/test/helpers.js'
import { escapeControls } from '../src/escape-controls.js'
import { redactHandlerName } from '../src/redact-url.js'
import { bin, root } from './spawn-rio.js'
import { serveMetrics } from './support/serve-metrics.js'

/** What Rio refuses in a handler name (and `escapeControls` escapes wherever text is printed). */
const UNSAFE =
  /[\u0000-\u001f\u007f-\u009f\u061c\u200b\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]|\p{Cs}/u

/** Names from every corner: any code point, whole graphemes, and the characters that break things. */
const names = fc.oneof(
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }),
  fc.string({
    unit: fc.constantFrom(
      ...['a', ' ', 'é', 'e\u0301', '漢', 'ｱ', '👩‍💻', '🇫🇷', 'ّ', 'ש', 'ب', '"', '\\', '<script>', '{{', '%'],
      ...[
        '\u202e',
        '\u2067',
        '\u200b',
        '\ufeff',
        '\u2028',
        '\n',
        '\t',
        '\u0085',
        '\u009b',
        '\u001b',
        '\ud800',
      ],
    ),
    minLength: 1,
    maxLength: 12,
  }),
)

describe('names and values of any script, from emit to the CLI and /metrics', () => {
  it('stores what it accepts as NFC, runs it, lists it aligned and escaped, and labels its metrics with it', async () => {
    const database = join(tempDir(), 'rio.db')
    const rio = makeRio({ database })
    const metricsUrl = await serveMetrics(rio)
    await rio.start()
    const received = new Map<string, unknown>()
    let run = 0
    await fc.assert(
      fc.asyncProperty(names, fc.string({ unit: 'binary', maxLength: 40 }), async (name, text) => {
        const pattern = `evt.${run++}`
        try {
          rio.on(pattern, name, (event) => void received.set(event.name, event.payload))
        } catch (error) {
          expect(error).toBeInstanceOf(RioValidationError)
          expect(UNSAFE.test(name) || name.length > 200, JSON.stringify(name)).toBe(true)
          return
        }
        expect(UNSAFE.test(name), JSON.stringify(name)).toBe(false)
        await rio.emit(pattern, { text })
        await waitUntil(() => received.has(pattern), `the delivery of ${pattern}`)
        expect(received.get(pattern)).toEqual({ text })
        const stored = (await rio.listHandlers()).filter((h) => h.pattern === pattern)
        expect(stored.map((h) => h.name)).toEqual([name.normalize('NFC')])
      }),
      { numRuns: 60 },
    )
    const handlers = await rio.listHandlers()
    expect(handlers.length).toBeGreaterThan(5)

    // /metrics: a real parser reads back every handler's label exactly.
    await waitUntil(async () => {
      const text = await (await fetch(metricsUrl)).text()
      const family = parsePrometheusTextFormat(text).find((f) => f.name === 'rio_deliveries_succeeded_total')
      const labelled = new Map(family?.metrics.map((m) => [m.labels?.handler_id, m.labels?.handler]))
      return handlers.every((h: Handler) => labelled.get(h.id) === redactHandlerName(h))
    }, 'every handler labelled with its name in /metrics')

    // `rio handler list`: one line per handler, every column starting at the same display column.
    const list = spawnSync(
      process.execPath,
      ['--import', 'tsx', bin, 'handler', 'list', '--database', database],
      {
        cwd: root,
        env: { ...process.env, TSX_TSCONFIG_PATH: join(root, 'tsconfig.check.json') },
        encoding: 'utf8',
      },
    )
    expect(list.status, list.stderr).toBe(0)
    const lines = list.stdout.trimEnd().split('\n')
    expect(lines).toHaveLength(handlers.length + 1)
    for (const line of lines) expect(line).not.toMatch(UNSAFE)
    const kindAt = lines.map((line, i) =>
      stringWidth(line.slice(0, line.lastIndexOf(i === 0 ? 'KIND' : 'function  evt.'))),
    )
    for (const at of kindAt) expect(at).toBe(kindAt[0])
    for (const handler of handlers) {
      expect(
        lines.some((line) => line.includes(escapeControls(handler.name))),
        JSON.stringify(handler.name),
      ).toBe(true)
    }
  }, 120_000)
})
