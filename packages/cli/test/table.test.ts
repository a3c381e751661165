import fc from 'fast-check'
import stringWidth from 'string-width'
import { describe, expect, it } from 'vitest'
import { displayWidth } from '../src/display-width.js'
import { type Column, formatTable, terminalWidth } from '../src/table.js'

interface Row {
  id: string
  name: string
  error: string
}

const rows: Row[] = [
  {
    id: '01a21ee3-82c1-7799-9e59-33b770e4d97a',
    name: 'comment-published http://127.0.0.1:3000/x',
    error: 'ok',
  },
  {
    id: '01a21ee3-66a6-7280-9008-ebcb428750a4',
    name: 'antispam',
    error: 'connection refused (ECONNREFUSED) to 127.0.0.1:3000',
  },
]
const columns: Column<Row>[] = [
  { header: 'id', value: (r) => r.id },
  { header: 'name', value: (r) => r.name, shrink: true },
  { header: 'error', value: (r) => r.error, shrink: true },
]

describe('formatTable', () => {
  it('prints every cell whole when no width is given (output piped)', () => {
    const text = formatTable(rows, columns)
    for (const row of rows) {
      expect(text).toContain(row.name)
      expect(text).toContain(row.error)
    }
    expect(text).not.toContain('…')
  })

  it('cuts the shrinkable columns to fit a terminal, each cut cell ending with …', () => {
    const text = formatTable(rows, columns, { width: 80 })
    const lines = text.trimEnd().split('\n')
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(80)
    expect(lines[1]).toBe('01a21ee3-82c1-7799-9e59-33b770e4d97a  comment-published h…  ok')
    expect(lines[2]).toBe('01a21ee3-66a6-7280-9008-ebcb428750a4  antispam              connection refused …')
    // Ids are never cut; what fits is not cut either.
    for (const row of rows) expect(text).toContain(row.id)
    expect(lines[2]).toContain('antispam ')
  })

  it('cuts nothing on a terminal wide enough for every value', () => {
    expect(formatTable(rows, columns, { width: 200 })).toBe(formatTable(rows, columns))
  })

  it('keeps a shrinkable column at least 12 characters (or its header) wide, overflowing instead', () => {
    const text = formatTable(rows, columns, { width: 20 })
    const [, first, second] = text.split('\n')
    expect(first).toBe('01a21ee3-82c1-7799-9e59-33b770e4d97a  comment-pub…  ok')
    expect(second).toBe('01a21ee3-66a6-7280-9008-ebcb428750a4  antispam      connection …')
  })

  it('cuts by characters, not UTF-16 units, and still escapes control characters', () => {
    const emoji = [{ id: '1', name: '🚀'.repeat(20), error: 'a\x1b[2Jb' }]
    const text = formatTable(emoji, columns, { width: 30 })
    // Each rocket takes two columns: 7 of them and the … fill the 15 the name column gets.
    expect(text).toContain(`${'🚀'.repeat(7)}…  a`)
    expect(Buffer.from(text).toString(), 'no half of a surrogate pair').toBe(text)
    expect(text).toContain('a\\x1b[2Jb')
    for (const line of text.trimEnd().split('\n')) expect(stringWidth(line), line).toBeLessThanOrEqual(30)
  })
})

describe('formatTable with text of any script', () => {
  /** The display column at which each cell of `line` starts, given the cells' texts in order. */
  function starts(line: string, texts: readonly string[]): number[] {
    let from = 0
    return texts.map((text) => {
      const at = line.indexOf(text, from)
      expect(at, `${JSON.stringify(text)} in ${JSON.stringify(line)}`).toBeGreaterThanOrEqual(0)
      from = at + text.length
      return stringWidth(line.slice(0, at))
    })
  }

  const wide: Row[] = [
    { id: '1', name: '漢字の名前', error: 'after-cjk' },
    { id: '2', name: 'café', error: 'after-nfc' },
    { id: '3', name: 'cafe\u0301', error: 'after-nfd' },
    { id: '4', name: '👩‍👩‍👧‍👦 family', error: 'after-zwj' },
    { id: '5', name: '🇫🇷🇯🇵', error: 'after-flags' },
    { id: '6', name: 'plain', error: 'after-plain' },
  ]

  it('aligns columns by display width: CJK and emoji take two columns, combining marks none', () => {
    const lines = formatTable(wide, columns).trimEnd().split('\n')
    const columnsOf = lines
      .slice(1)
      .map((line, i) => starts(line, [wide[i]!.id, wide[i]!.name, wide[i]!.error]))
    for (const at of columnsOf) expect(at).toEqual(columnsOf.at(-1))
    expect(starts(lines[0]!, ['ID', 'NAME', 'ERROR'])).toEqual(columnsOf.at(-1))
  })

  it('fits a terminal by display width and never cuts inside a grapheme cluster', () => {
    const long: Row[] = [
      { id: '1', name: '漢'.repeat(30), error: 'x' },
      { id: '2', name: `${'e\u0301'.repeat(30)}`, error: 'x' },
      { id: '3', name: '👩‍👩‍👧‍👦'.repeat(12), error: 'x' },
      { id: '4', name: '🇫🇷'.repeat(12), error: 'x' },
      { id: '5', name: `a${'漢'.repeat(30)}`, error: 'x' },
    ]
    for (const width of [23, 24, 25, 30, 41]) {
      const lines = formatTable(long, columns, { width }).trimEnd().split('\n')
      for (const line of lines) expect(stringWidth(line), line).toBeLessThanOrEqual(width)
      const names = lines.slice(1).map((line) => line.slice(4, line.lastIndexOf('  x')).trimEnd())
      for (const [i, name] of names.entries()) {
        if (!name.endsWith('…')) {
          expect(name).toBe(long[i]!.name)
          continue
        }
        const kept = name.slice(0, -1)
        // What is kept is a run of whole clusters of the value: no accent without its letter, no half flag.
        expect(long[i]!.name.startsWith(kept), name).toBe(true)
        const clusters = [
          ...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(long[i]!.name),
        ]
        expect(
          clusters.some(({ index }) => index === kept.length),
          name,
        ).toBe(true)
      }
      const at = lines.map((line) => stringWidth(line.slice(0, line.lastIndexOf('x'))))
      for (const x of at.slice(1)) expect(x).toBe(at[1])
    }
  })

  it('escapes bidi overrides, line separators and invisible characters, keeping joiners', () => {
    const tricky: Row[] = [
      { id: '1', name: 'invoice\u202egpj.exe', error: 'ok' },
      { id: '2', name: 'a\u2066b\u2069c\u200fd\u061ce', error: 'line\u2028break\u2029' },
      { id: '3', name: 'ad\u200bmin\ufeff\u2060', error: 'lone \ud800 surrogate' },
      { id: '4', name: '👩‍💻 کتاب\u200cها', error: '\u009b2J' },
    ]
    const text = formatTable(tricky, columns)
    expect(text).toContain('invoice\\u202egpj.exe')
    expect(text).toContain('a\\u2066b\\u2069c\\u200fd\\u061ce')
    expect(text).toContain('line\\u2028break\\u2029')
    expect(text).toContain('ad\\u200bmin\\ufeff\\u2060')
    expect(text).toContain('lone \\ud800 surrogate')
    expect(text).toContain('\\x9b2J')
    expect(text).toContain('👩‍💻 کتاب\u200cها')
    expect(text).not.toMatch(
      /[\u061c\u200b\u200e\u200f\u2028-\u202e\u2060-\u2069\ufeff\u0080-\u009f]|\p{Cs}/u,
    )
  })
})

describe('terminalWidth', () => {
  it('is the columns of a terminal, 80 when it does not say, and none for a pipe or file', () => {
    expect(terminalWidth({ isTTY: true, columns: 132 })).toBe(132)
    expect(terminalWidth({ isTTY: true, columns: 0 })).toBe(80)
    expect(terminalWidth({ isTTY: false, columns: 132 })).toBeUndefined()
    expect(terminalWidth({ columns: 132 } as Pick<NodeJS.WriteStream, 'isTTY' | 'columns'>)).toBeUndefined()
  })
})

describe('formatTable with long cells', () => {
  const payloadColumns: Column<{ id: string; payload: string }>[] = [
    { header: 'id', value: (r) => r.id },
    { header: 'payload', value: (r) => r.payload, shrink: true },
    { header: 'end', value: () => 'x' },
  ]

  // Intl.Segmenter over a whole cell takes time growing with the square of its length: a 200 K
  // character payload took minutes. Measured in pieces it takes well under a second.
  it('lays out 256 KiB payloads in any script in time linear in their length', () => {
    for (const unit of ['注文の通知', 'Grüße aus Köln 👩‍💻 🇫🇷 e\u0301 ']) {
      const payload = unit.repeat(Math.ceil(200_000 / unit.length))
      const rows = [
        { id: '1', payload },
        { id: '2', payload: 'short' },
      ]
      const started = performance.now()
      const piped = formatTable(rows, payloadColumns)
      const fitted = formatTable(rows, payloadColumns, { width: 80 })
      expect(performance.now() - started, unit).toBeLessThan(10_000)
      // displayWidth, checked against string-width in its own tests: string-width is the slow one.
      const end = (line: string) => displayWidth(line.slice(0, line.lastIndexOf('x')))
      const [, first, second] = piped.trimEnd().split('\n')
      expect(end(first!)).toBe(end(second!))
      for (const line of fitted.trimEnd().split('\n')) expect(stringWidth(line)).toBeLessThanOrEqual(80)
    }
  }, 60_000)
})

describe('formatTable with cells far wider than the terminal', () => {
  /** The layout as first written: every cell measured whole, the widest column narrowed one column at a time. */
  function oneColumnAtATime(
    cells: readonly string[][],
    shrink: readonly boolean[],
    headers: string[],
    width: number,
  ) {
    const widths = headers.map((h, i) => Math.max(displayWidth(h), ...cells.map((r) => displayWidth(r[i]!))))
    const minimums = headers.map((h, i) => (shrink[i] ? Math.max(12, displayWidth(h)) : undefined))
    const total = () => widths.reduce((sum, w) => sum + w, 0) + 2 * (widths.length - 1)
    while (total() > width) {
      let widest = -1
      for (let i = 0; i < widths.length; i++) {
        const min = minimums[i]
        if (min !== undefined && widths[i]! > min && (widest < 0 || widths[i]! > widths[widest]!)) widest = i
      }
      if (widest < 0) break
      widths[widest]!--
    }
    return widths
  }

  it('lays out exactly as narrowing one column at a time would', () => {
    const text = fc.stringMatching(/^[a-z注😀 ]{0,400}$/u)
    fc.assert(
      fc.property(
        fc.array(fc.tuple(text, text, text), { minLength: 1, maxLength: 4 }),
        fc.tuple(fc.boolean(), fc.boolean(), fc.boolean()),
        fc.integer({ min: 10, max: 200 }),
        (cells, shrink, width) => {
          const headers = ['a', 'bb', 'ccc']
          const cols: Column<string[]>[] = headers.map((header, i) => ({
            header,
            value: (r) => r[i],
            shrink: shrink[i],
          }))
          const lines = formatTable(cells, cols, { width }).split('\n')
          const widths = oneColumnAtATime(
            cells,
            shrink,
            headers.map((h) => h.toUpperCase()),
            width,
          )
          // Every column but the last starts where the reference's widths put it.
          const header = lines[0]!
          let at = 0
          for (let i = 0; i < headers.length; i++) {
            expect(header.slice(at).startsWith(headers[i]!.toUpperCase())).toBe(true)
            at += widths[i]! + 2
          }
          for (const line of lines.slice(1, -1)) {
            expect(displayWidth(line)).toBeLessThanOrEqual(
              widths.reduce((s, w) => s + w, 0) + 2 * (widths.length - 1),
            )
          }
        },
      ),
      { numRuns: 300 },
    )
  })

  it('cuts an 8 MiB cell to the line, ending with …, and prints it whole when piped', () => {
    const payload = `{"data":"${'é'.repeat(4 * 1024 * 1024)}"}`
    const rows = [{ id: '1', payload }]
    const cols: Column<{ id: string; payload: string }>[] = [
      { header: 'id', value: (r) => r.id },
      { header: 'payload', value: (r) => r.payload, shrink: true },
    ]
    const fitted = formatTable(rows, cols, { width: 60 }).trimEnd().split('\n')
    expect(fitted[1]).toBe(`1   ${payload.slice(0, 55)}…`)
    expect(formatTable(rows, cols).trimEnd().split('\n')[1]).toBe(`1   ${payload}`)
  })
})
