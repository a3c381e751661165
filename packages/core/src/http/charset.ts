import { TextDecoder } from 'node:util'
import { ApiError } from './api-error.js'

const UTF8 = new Set(['', 'utf-8', 'utf8', 'unicode-1-1-utf-8'])

/**
 * Bytes 0x80–0x9F in windows-1252, the encoding every Latin-1 label (`iso-8859-1`, `latin1`,
 * `us-ascii`) names in the WHATWG Encoding standard. Node 20's decoder reads them as C1 controls
 * (ISO-8859-1), so `%80` would be U+0080 rather than `€`; five bytes are unassigned and stay.
 */
const WINDOWS_1252_C1 = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ'

/** `decoder.decode(bytes)`, with windows-1252's 0x80–0x9F as the standard maps them. */
function decode(decoder: TextDecoder, bytes: Uint8Array): string {
  const text = decoder.decode(bytes)
  if (decoder.encoding !== 'windows-1252') return text
  return text.replace(/[\u0080-\u009f]/g, (c) => WINDOWS_1252_C1[c.charCodeAt(0) - 0x80]!)
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
  const text = (part: string) =>
    decode(decoder, Buffer.from(percentDecode(part.replaceAll('+', ' ')), 'latin1'))
  const fields = new URLSearchParams()
  // Latin-1 maps each byte to one character and back, so splitting and unescaping work on bytes.
  for (const part of bytes.toString('latin1').split('&')) {
    if (part === '') continue
    const eq = part.indexOf('=')
    fields.append(text(eq < 0 ? part : part.slice(0, eq)), text(eq < 0 ? '' : part.slice(eq + 1)))
  }
  return fields
}

/** `%XX` escapes of a byte string turned into those bytes; a `%` that starts no escape is kept. */
function percentDecode(text: string): string {
  return text.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
}
