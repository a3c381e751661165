import { TextDecoder } from 'node:util'
import { ApiError } from './api-error.js'

const UTF8 = new Set(['', 'utf-8', 'utf8', 'unicode-1-1-utf-8'])

/**
 * Bytes 0x80–0x9F in windows-1252, the encoding every Latin-1 label (`iso-8859-1`, `latin1`,
 * `us-ascii`) names in the WHATWG Encoding standard. Node 20's decoder reads them as C1 controls
 * (ISO-8859-1), so `%80` would be U+0080 rather than `€`; five bytes are unassigned and stay.
 */
const WINDOWS_1252_C1 = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ'

/** The character of each byte in windows-1252, as UTF-16 code units. */
const WINDOWS_1252 = Uint16Array.from({ length: 256 }, (_, byte) =>
  byte >= 0x80 && byte <= 0x9f ? WINDOWS_1252_C1.charCodeAt(byte - 0x80) : byte,
)

/**
 * `decoder.decode(bytes)`, with windows-1252's 0x80–0x9F as the standard maps them. A table per
 * byte, in chunks: a 1 MiB body of such bytes took 0.4 s with a replace callback per character.
 */
function decode(decoder: TextDecoder, bytes: Uint8Array): string {
  if (decoder.encoding !== 'windows-1252') return decoder.decode(bytes)
  let text = ''
  const units = new Uint16Array(Math.min(bytes.length, 8192))
  for (let from = 0; from < bytes.length; from += units.length) {
    const n = Math.min(units.length, bytes.length - from)
    for (let i = 0; i < n; i++) units[i] = WINDOWS_1252[bytes[from + i]!]!
    text += String.fromCharCode.apply(null, units.subarray(0, n) as unknown as number[])
  }
  return text
}

/**
 * A decoder for the `charset` parameter of a `Content-Type` (any WHATWG Encoding label:
 * `iso-8859-1`, `windows-1252`, `shift_jis`, …).
 * @param ascii - whether the text must be ASCII-compatible (percent-encoded forms), which
 *   UTF-16 is not
 * @throws {@link ApiError} `unsupported_media_type` (415) for a charset it does not know
 */
function decoderFor(charset: string, ascii: boolean, fatal: boolean): TextDecoder {
  let decoder: TextDecoder | undefined
  try {
    decoder = new TextDecoder(charset, { fatal })
  } catch {
    decoder = undefined
  }
  // The "replacement" encoding (iso-2022-kr, …) decodes everything to U+FFFD.
  if (
    decoder === undefined ||
    decoder.encoding === 'replacement' ||
    (ascii && decoder.encoding.startsWith('utf-16'))
  ) {
    throw new ApiError(
      'unsupported_media_type',
      `unsupported charset ${JSON.stringify(charset.slice(0, 40))}: send the body in UTF-8 (or name its charset, e.g. iso-8859-1)`,
    )
  }
  return decoder
}

/**
 * The text of a body in the charset its `Content-Type` names, strictly: as the original server's
 * Flask `get_json()` read a JSON body (`charset=iso-8859-1` is Latin-1, not refused as bad UTF-8).
 * @param charset - lower-cased, `''` for none (UTF-8)
 * @throws {@link ApiError} `malformed_json` (400) for bytes that are not text in that charset;
 *   `unsupported_media_type` (415) for a charset it does not know
 */
export function decodeCharset(bytes: Uint8Array, charset: string): string {
  const decoder = decoderFor(UTF8.has(charset) ? 'utf-8' : charset, false, true)
  try {
    return decode(decoder, bytes)
  } catch {
    throw new ApiError('malformed_json', `the request body is not valid ${decoder.encoding.toUpperCase()}`)
  }
}

/**
 * The fields of an `application/x-www-form-urlencoded` body (`+` is a space, a repeated key is kept
 * twice), its bytes and percent-escapes read in the charset its `Content-Type` names: a form a
 * Latin-1 page or client sent (`caf%E9`) is `café`, not `caf\uFFFD`. Bytes that are not text in
 * that charset become U+FFFD, as the original server's Werkzeug decoded them.
 * @param charset - lower-cased, `''` for none (UTF-8)
 * @throws {@link ApiError} `unsupported_media_type` (415) for a charset it does not know, or UTF-16
 */
export function urlencodedFields(bytes: Buffer, charset: string): URLSearchParams {
  if (UTF8.has(charset)) return new URLSearchParams(bytes.toString('utf8'))
  const decoder = decoderFor(charset, true, false)
  // Unescaped byte by byte, then decoded: the charset may spread a character over several bytes.
  const scratch = new Uint8Array(bytes.length)
  const text = (from: number, to: number) => {
    let n = 0
    for (let i = from; i < to; i++) {
      const byte = bytes[i]!
      const escaped = byte === 0x25 && i + 2 < to ? (hex(bytes[i + 1]!) << 4) | hex(bytes[i + 2]!) : -1
      if (escaped >= 0) {
        scratch[n++] = escaped
        i += 2
      } else scratch[n++] = byte === 0x2b ? 0x20 : byte
    }
    return decode(decoder, scratch.subarray(0, n))
  }
  const fields = new URLSearchParams()
  let start = 0
  for (let end = 0; end <= bytes.length; end++) {
    if (end < bytes.length && bytes[end] !== 0x26) continue // "&"
    if (end > start) {
      let eq = start
      while (eq < end && bytes[eq] !== 0x3d) eq++ // "="
      fields.append(text(start, eq), text(Math.min(eq + 1, end), end))
    }
    start = end + 1
  }
  return fields
}

/** The value of a hex digit's byte, or -16 (so that a pair holding one is negative) for another byte. */
function hex(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x37
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x57
  return -16
}
