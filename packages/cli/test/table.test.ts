import { describe, expect, it } from 'vitest'
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
    expect(text).toContain(`${'🚀'.repeat(14)}…  a`)
    expect(Buffer.from(text).toString(), 'no half of a surrogate pair').toBe(text)
    expect(text).toContain('a\\x1b[2Jb')
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
