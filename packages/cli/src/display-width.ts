import stringWidth from 'string-width'

/**
 * Text measured or walked in pieces of about this many UTF-16 units. Node 20's `Intl.Segmenter`
 * takes time growing with the square of the text's length (64 K characters: 1.2 s; 256 K: about
 * 20 s, and ten times that for CJK), and a cell may hold a 256 KiB payload: in pieces it is linear.
 */
const PIECE = 512

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' })

/**
 * Ranges of UTF-16 units each of which is a grapheme cluster of its own taking one column (printable
 * ASCII; Latin, Greek and Cyrillic letters and signs, no combining mark) or two (CJK ideographs,
 * kana, Hangul syllables, fullwidth forms), as `string-width` measures them: text made of these
 * alone is measured unit by unit. Pairs of first and last unit, narrow ones then wide ones.
 */
const NARROW = [0x20, 0x7e, 0xa0, 0xac, 0xae, 0x2ff, 0x370, 0x482, 0x48a, 0x52f]
const WIDE = [
  0x3000, 0x3029, 0x3030, 0x303e, 0x3041, 0x3096, 0x309b, 0x30ff, 0x3400, 0x4dbf, 0x4e00, 0x9fff, 0xac00,
  0xd7a3, 0xff01, 0xff60, 0xffe0, 0xffe6,
]

function within(ranges: readonly number[], unit: number): boolean {
  for (let i = 0; i < ranges.length; i += 2) if (unit >= ranges[i]! && unit <= ranges[i + 1]!) return true
  return false
}

/** The width of `text` counted unit by unit, or -1 when it holds a unit outside those ranges. */
function simpleWidth(text: string): number {
  let width = 0
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    if (unit >= 0x20 && unit <= 0x7e) width += 1
    else if (within(NARROW, unit)) width += 1
    else if (within(WIDE, unit)) width += 2
    else return -1
  }
  return width
}

/**
 * The grapheme clusters of `text` (a letter with its accents, a flag, an emoji sequence), in time
 * linear in its length. A piece ends at the start of its last cluster, which may go on past the
 * piece: a boundary depends only on what comes before it and the character after, so every other
 * boundary in the piece is one in the whole text.
 */
export function* graphemeClusters(text: string): Generator<string> {
  let from = 0
  let size = PIECE
  while (from < text.length) {
    const piece = text.slice(from, from + size)
    const clusters = Array.from(segmenter.segment(piece), (s) => s.segment)
    if (from + piece.length >= text.length) {
      yield* clusters
      return
    }
    // One cluster longer than the piece (a letter with hundreds of marks): look further.
    if (clusters.length < 2) {
      size *= 2
      continue
    }
    const last = clusters.pop()!
    yield* clusters
    from += piece.length - last.length
    size = PIECE
  }
}

/**
 * The columns a terminal gives `text`: 2 for a CJK character or an emoji, 0 for a combining mark or
 * a zero-width joiner, 1 for the rest (East Asian Ambiguous characters count as narrow, as in
 * Western terminals), as `string-width` counts them, in time linear in the text's length. Meant for
 * text without control characters (escaped first): escape sequences are counted as printed.
 */
export function displayWidth(text: string): number {
  const simple = simpleWidth(text)
  if (simple >= 0) return simple
  if (text.length <= PIECE) return stringWidth(text, { countAnsiEscapeCodes: true })
  let width = 0
  let piece = ''
  // Whole clusters, so that each piece is measured as the terminal draws it.
  for (const cluster of graphemeClusters(text)) {
    piece += cluster
    if (piece.length >= PIECE) {
      width += pieceWidth(piece)
      piece = ''
    }
  }
  return width + pieceWidth(piece)
}

function pieceWidth(piece: string): number {
  const simple = simpleWidth(piece)
  return simple >= 0 ? simple : stringWidth(piece, { countAnsiEscapeCodes: true })
}
