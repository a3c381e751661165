import { escapeControls } from './escape-controls.js'

/** A column of {@link formatTable}: a header and how to read the cell from a row. */
export interface Column<T> {
  readonly header: string
  readonly value: (row: T) => unknown
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '-'
  if (value instanceof Date) return value.toISOString().replace('.000Z', 'Z')
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value)
  // One line per row, whatever the data holds; no other control character reaches the terminal.
  return escapeControls(text.replace(/[\r\n\t]+/g, ' '))
}

/** Renders rows as a plain-text table with aligned columns (no dependency, no colours). */
export function formatTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  if (rows.length === 0) return '(none)\n'
  const cells = rows.map((row) => columns.map((c) => cell(c.value(row))))
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i]!.length)))
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd()
  return `${[line(columns.map((c) => c.header.toUpperCase())), ...cells.map(line)].join('\n')}\n`
}
