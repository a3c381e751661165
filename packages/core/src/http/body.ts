import type { IncomingMessage } from 'node:http'
import { ApiError } from './api-error.js'

/** A request body read in full, with its media type. */
export interface RawBody {
  readonly bytes: Buffer
  /** The media type, lower-cased, without parameters (`application/json`), or `''` when absent. */
  readonly mediaType: string
  /** The `charset` parameter, lower-cased, or `''`. */
  readonly charset: string
}

/**
 * Reads a request body, refusing more than `maxBytes` with a 413 before reading it when
 * `Content-Length` says so, or as soon as the stream passes the limit.
 * @throws {@link ApiError} `body_too_large` (the connection is then closed, so the unread rest of
 *   the body is not parsed as the next request)
 */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<RawBody> {
  const { mediaType, charset } = parseContentType(req.headers['content-type'])
  const tooLarge = () =>
    new ApiError(
      'body_too_large',
      `the request body is over the limit of ${maxBytes} bytes; send less (smaller payloads or batches)`,
      { headers: { connection: 'close' } },
    )
  if (req.readableEnded) {
    throw new ApiError(
      'invalid_request',
      'the request body was already read by another middleware; mount the Rio handler before body parsers',
    )
  }
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume()
    throw tooLarge()
  }
  const bytes = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size <= maxBytes) {
        chunks.push(chunk)
        return
      }
      // Keep reading and discarding (not destroying the socket), so the 413 can still be sent.
      cleanup()
      req.resume()
      reject(tooLarge())
    }
    const onEnd = () => {
      cleanup()
      resolve(Buffer.concat(chunks, size))
    }
    // A client that goes away mid-body is its own problem, not a server error worth reporting.
    const onError = () => {
      cleanup()
      reject(new ApiError('invalid_request', 'the connection closed before the request body was complete'))
    }
    const onClose = onError
    const cleanup = () => {
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('error', onError)
      req.off('close', onClose)
    }
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', onError)
    req.on('close', onClose)
  })
  return { bytes, mediaType, charset }
}

/** `application/json` and any `+json` type (`application/merge-patch+json`). */
export function isJsonType(mediaType: string): boolean {
  return mediaType === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(mediaType)
}

/**
 * Parses a JSON body; an empty body is `undefined`.
 * @param maxDepth - deepest nesting of arrays and objects accepted
 * @throws {@link ApiError} `unsupported_media_type` (415) for a non-JSON `Content-Type` on a
 *   non-empty body; `malformed_json` (400) for invalid UTF-8, invalid JSON or nesting deeper than `maxDepth`
 */
export function parseJsonBody(body: RawBody, maxDepth: number): unknown {
  const text = jsonBodyText(body)
  return text === undefined ? undefined : parseJson(text, maxDepth)
}

/**
 * The text of a JSON body, not parsed yet; an empty body is `undefined`.
 * @throws {@link ApiError} `unsupported_media_type` (415) for a non-JSON `Content-Type` on a
 *   non-empty body; `malformed_json` (400) for invalid UTF-8
 */
export function jsonBodyText(body: RawBody): string | undefined {
  if (body.bytes.length === 0) return undefined
  if (!isJsonType(body.mediaType)) {
    throw new ApiError(
      'unsupported_media_type',
      `the request body must be JSON: send "Content-Type: application/json" (got ${
        body.mediaType ? `"${body.mediaType}"` : 'no Content-Type'
      })`,
    )
  }
  if (body.charset && body.charset !== 'utf-8' && body.charset !== 'utf8') {
    throw new ApiError(
      'unsupported_media_type',
      `JSON bodies must be UTF-8 (got charset "${body.charset.slice(0, 40)}")`,
    )
  }
  return decodeUtf8(body.bytes)
}

/** One strict decoder for every body: `decode()` without `stream` keeps no state between calls. */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true })

/**
 * Decodes UTF-8 strictly (a leading BOM is dropped).
 * @throws {@link ApiError} `malformed_json` for invalid UTF-8
 */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return STRICT_UTF8.decode(bytes)
  } catch {
    throw new ApiError('malformed_json', 'the request body is not valid UTF-8')
  }
}

/**
 * `JSON.parse` with a nesting limit checked first, so a hostile body cannot exhaust the stack
 * anywhere later (validation, serialisation). `__proto__` keys stay plain data properties.
 * @throws {@link ApiError} `malformed_json`
 */
export function parseJson(text: string, maxDepth: number): unknown {
  const depth = fewOpenings(text, maxDepth) ? 0 : jsonDepth(text)
  if (depth > maxDepth) {
    throw new ApiError(
      'malformed_json',
      `the JSON body is nested ${depth > 10 * maxDepth ? 'far ' : ''}deeper than ${maxDepth} levels; flatten it`,
    )
  }
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new ApiError('malformed_json', `the request body is not valid JSON: ${(error as Error).message}`)
  }
}

/**
 * Whether `text` holds at most `max` opening brackets (inside strings or not), so its nesting cannot
 * be deeper: a search per bracket kind instead of a walk over every character, which a typical
 * event's body (a handful of objects and arrays) passes at once.
 */
function fewOpenings(text: string, max: number): boolean {
  let count = 0
  for (const bracket of ['{', '[']) {
    for (let at = text.indexOf(bracket); at >= 0; at = text.indexOf(bracket, at + 1)) {
      if (++count > max) return false
    }
  }
  return true
}

/** The deepest bracket nesting in JSON text, ignoring brackets inside strings; stops early past 10 000. */
function jsonDepth(text: string): number {
  let depth = 0
  let max = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c)
        i++ // backslash: skip the escaped character
      else if (c === 0x22) inString = false
    } else if (c === 0x22) inString = true
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) {
        max = depth
        if (max > 10_000) return max
      }
    } else if (c === 0x5d || c === 0x7d) depth--
  }
  return max
}

function parseContentType(header: string | undefined): { mediaType: string; charset: string } {
  if (!header) return { mediaType: '', charset: '' }
  const [type = '', ...params] = header.split(';')
  let charset = ''
  for (const param of params) {
    const [key, value = ''] = param.split('=')
    if (key?.trim().toLowerCase() === 'charset')
      charset = value
        .trim()
        .replace(/^"(.*)"$/, '$1')
        .toLowerCase()
  }
  return { mediaType: type.trim().toLowerCase(), charset }
}
