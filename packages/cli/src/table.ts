import { displayWidth, graphemeClusters } from './display-width.js'
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
   * The terminal's width in columns: the columns marked `shrink` are narrowed (the widest first,
   * none below {@link MIN_SHRUNK} or its header) until the lines fit, and a cell cut short ends
   * with `…`. Widths are display widths (a CJK character or an emoji takes two columns, a
   * combining mark none). `undefined` (a pipe, a file) cuts nothing: every value is printed whole.
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

/** A cell's text with its display width, measured once: a cell may hold a 256 KiB payload. */
interface Measured {
  readonly text: string
  readonly width: number
}

const measured = (text: string): Measured => ({ text, width: displayWidth(text) })

/**
 * A `shrink` cell measured only as far as a line of `width` columns can show: a cell may hold an
 * 8 MiB payload, and measuring all of it (grapheme by grapheme) took seconds for a line that shows
 * a hundred characters. Past the first `width` columns it is only known to be wider than `width`.
 */
function measuredUpTo(text: string, width: number): Measured {
  // A column is at least one UTF-16 code unit, but zero-width marks take none: keep a margin.
  const keep = width * 8 + 64
  if (text.length <= keep) return measured(text)
  const head = text.slice(0, keep)
  return { text: head, width: Math.max(displayWidth(head), width + 1) }
}

/**
 * `value` cut to at most `max` columns, its last one `…` when anything was cut. It is cut between
 * grapheme clusters, never inside one: an accent stays on its letter, a flag or a family emoji
 * stays whole (half of one would print as another character or a stray mark).
 */
function fit(value: Measured, max: number): Measured {
  if (value.width <= max) return value
  let out = ''
  let used = 0
  for (const segment of graphemeClusters(value.text)) {
    const w = displayWidth(segment)
    if (used + w > max - 1) break
    out += segment
    used += w
  }
  return { text: `${out}…`, width: used + 1 }
}

/**
 * Column widths that fit `width`: the widest `shrink` column loses a character at a time until the
 * line fits or every `shrink` column is at its minimum (then the line is wider than the terminal).
 */
function shrinkToFit(widths: number[], minimums: readonly (number | undefined)[], width: number): number[] {
  // A column wider than the line would lose a character at a time until it is no wider than the
  // line (or its minimum) whatever the others do; start it there (the same result, without a
  // million rounds for a wide payload).
  for (let i = 0; i < widths.length; i++) {
    const min = minimums[i]
    if (min !== undefined) widths[i] = Math.min(widths[i]!, Math.max(min, width))
  }
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
 * Renders rows as a plain-text table with aligned columns (no colours), one line per row, aligned
 * by display width so CJK, emoji and accented names line up. Given a terminal `width`, long
 * free-text cells are cut with `…` to fit it; without one (output piped or redirected) nothing is
 * cut, so what a script reads is the whole value.
 */
export function formatTable<T>(
  rows: readonly T[],
  columns: readonly Column<T>[],
  options: TableOptions = {},
): string {
  if (rows.length === 0) return '(none)\n'
  const headers = columns.map((c) => measured(c.header.toUpperCase()))
  const { width } = options
  const cells = rows.map((row) =>
    columns.map((c) => {
      const text = cell(c.value(row))
      return c.shrink && width !== undefined ? measuredUpTo(text, width) : measured(text)
    }),
  )
  const natural = columns.map((_, i) => Math.max(headers[i]!.width, ...cells.map((r) => r[i]!.width)))
  const widths =
    width === undefined
      ? natural
      : shrinkToFit(
          natural,
          columns.map((c, i) => (c.shrink ? Math.max(MIN_SHRUNK, headers[i]!.width) : undefined)),
          width,
        )
  const line = (values: readonly Measured[]) =>
    values
      .map((value, i) => {
        const { text, width } = fit(value, widths[i]!)
        // A wide character that did not fit leaves a column free: padded, so the next column lines up.
        return text + ' '.repeat(Math.max(widths[i]! - width, 0))
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
