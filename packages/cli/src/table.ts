import { escapeControls } from './escape-controls.js'

/** A column of {@link formatTable}: a header and how to read the cell from a row. */
export interface Column<T> {
  readonly header: string
  readonly value: (row: T) => unknown
  /**
   * Whether the column may be narrowed to fit a terminal: free text of any length (names, URLs,
   * errors, payloads, response bodies). Ids, times, statuses and counts are never cut, so they can
   * be copied from the table as they are.
   * @default false
   */
  readonly shrink?: boolean
}

/** How {@link formatTable} lays a table out. */
export interface TableOptions {
  /**
   * The terminal's width in characters: the columns marked `shrink` are narrowed (the widest first,
   * none below {@link MIN_SHRUNK} or its header) until the lines fit, and a cell cut short ends
   * with `…`. `undefined` (a pipe, a file) cuts nothing: every value is printed whole.
   */
  readonly width?: number | undefined
}

/** The narrowest a `shrink` column gets, so a cut value still says something. */
const MIN_SHRUNK = 12
const GAP = '  '
/** What a terminal that does not say its width is taken to have. */
const DEFAULT_TERMINAL_WIDTH = 80

function cell(value: unknown): string {
  if (value === null || value === undefined) return '-'
  if (value instanceof Date) return value.toISOString().replace('.000Z', 'Z')
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value)
  // One line per row, whatever the data holds; no other control character reaches the terminal.
  return escapeControls(text.replace(/[\r\n\t]+/g, ' '))
}

/** Characters as a terminal counts them, near enough: code points, not UTF-16 units. */
function length(text: string): number {
  let n = 0
  for (const _ of text) n++
  return n
}

/** `text` cut to `width` characters, its last one `…` when anything was cut. */
function fit(text: string, width: number): string {
  if (length(text) <= width) return text
  return `${Array.from(text)
    .slice(0, Math.max(width - 1, 0))
    .join('')}…`
}

/**
 * Column widths that fit `width`: the widest `shrink` column loses a character at a time until the
 * line fits or every `shrink` column is at its minimum (then the line is wider than the terminal).
 */
function shrinkToFit(widths: number[], minimums: readonly (number | undefined)[], width: number): number[] {
  const total = () => widths.reduce((sum, w) => sum + w, 0) + GAP.length * (widths.length - 1)
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

/**
 * Renders rows as a plain-text table with aligned columns (no dependency, no colours), one line per
 * row. Given a terminal `width`, long free-text cells are cut with `…` to fit it; without one
 * (output piped or redirected) nothing is cut, so what a script reads is the whole value.
 */
export function formatTable<T>(
  rows: readonly T[],
  columns: readonly Column<T>[],
  options: TableOptions = {},
): string {
  if (rows.length === 0) return '(none)\n'
  const headers = columns.map((c) => c.header.toUpperCase())
  const cells = rows.map((row) => columns.map((c) => cell(c.value(row))))
  const natural = columns.map((_, i) => Math.max(length(headers[i]!), ...cells.map((r) => length(r[i]!))))
  const widths =
    options.width === undefined
      ? natural
      : shrinkToFit(
          natural,
          columns.map((c, i) => (c.shrink ? Math.max(MIN_SHRUNK, length(headers[i]!)) : undefined)),
          options.width,
        )
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => {
        const text = fit(v, widths[i]!)
        return text + ' '.repeat(widths[i]! - length(text))
      })
      .join(GAP)
      .trimEnd()
  return `${[line(headers), ...cells.map(line)].join('\n')}\n`
}

/**
 * The width to fit tables to on `stream`: its columns when it is a terminal (80 when it does not
 * say), `undefined` when it is a pipe or a file, where nothing is cut.
 * @param stream - where the table goes @default process.stdout
 */
export function terminalWidth(
  stream: Pick<NodeJS.WriteStream, 'isTTY' | 'columns'> = process.stdout,
): number | undefined {
  if (stream.isTTY !== true) return undefined
  return stream.columns > 0 ? stream.columns : DEFAULT_TERMINAL_WIDTH
}
