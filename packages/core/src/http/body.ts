import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import { ApiError } from './api-error.js'
import { consumedBody } from './consumed-body.js'

/** A request body read in full, with its media type. */
export interface RawBody {
  readonly bytes: Buffer
  /** The media type, lower-cased, without parameters (`application/json`), or `''` when absent. */
  readonly mediaType: string
  /** The `charset` parameter, lower-cased, or `''`. */
  readonly charset: string
}

/** The default of {@link BodyBudget}'s limit: 128 MiB, 128 bodies of the default `maxBodyBytes`. */
export const DEFAULT_MAX_BUFFERED_BODY_BYTES = 128 * 1024 * 1024

/**
 * A cap on the bytes of request bodies held in memory while they arrive, shared by the requests of
 * one server, so many slow bodies cannot add up to an unbounded amount of memory (each is capped
 * by `maxBodyBytes` only). A body that would take the total past the cap is refused, unless every
 * byte held is its own: a body up to `maxBodyBytes` always gets through on its own.
 */
export class BodyBudget {
  #used = 0

  /** @param limit - bytes held at once, over all requests */
  constructor(readonly limit: number) {}

  /** Bytes held now. */
  get used(): number {
    return this.#used
  }

  /**
   * Takes `bytes` more for a body that already holds `held`.
   * @returns false, taking nothing, when that would pass the limit with other bodies holding bytes
   */
  take(bytes: number, held: number): boolean {
    if (this.#used + bytes > this.limit && this.#used > held) return false
    this.#used += bytes
    return true
  }

  /** Gives back bytes taken. */
  give(bytes: number): void {
    this.#used -= bytes
  }
}

/** The budget of each connection of a server that set one (see {@link useBodyBudget}). */
const budgets = new WeakMap<Socket, BodyBudget>()

/**
 * One budget of the default size for every request arriving on a server Rio did not start (`rio
 * start`'s, or an Express app's): a process has one memory, whoever created the server.
 */
const processBudget = new BodyBudget(DEFAULT_MAX_BUFFERED_BODY_BYTES)

/** Makes the bodies of requests on `socket` count against `budget` instead of the process-wide one. */
export function useBodyBudget(socket: Socket, budget: BodyBudget): void {
  budgets.set(socket, budget)
}

/**
 * Reads a request body, refusing more than `maxBytes` with a 413 before reading it when
 * `Content-Length` says so, or as soon as the stream passes the limit. The bytes count against the
 * server's {@link BodyBudget} until the body is complete. A body a host's parser read first is
 * taken from the raw bytes it kept (see `consumed-body.ts`), or refused.
 * @throws {@link ApiError} `body_too_large` (the connection is then closed, so the unread rest of
 *   the body is not parsed as the next request); `server_busy` (503, `Retry-After: 1`) when the
 *   server already holds its budget of bodies being received; `body_already_read` (500) when
 *   something else read the stream and kept no raw bytes
 */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<RawBody> {
  const { mediaType, charset } = parseContentType(req.headers['content-type'])
  const tooLarge = () =>
    new ApiError(
      'body_too_large',
      `the request body is over the limit of ${maxBytes} bytes; send less (smaller payloads or batches), or raise the server's maxBodyBytes`,
      { headers: { connection: 'close' } },
    )
  // A host's body parser (express.json(), Fastify's) got there first: the bytes it kept, if any.
  if (req.readableEnded || req.readableDidRead) {
    return { bytes: consumedBody(req, maxBytes, tooLarge), mediaType, charset }
  }
  // Gone before its body was read (during the credential check): no 'end' or 'close' will come.
  if (req.destroyed) {
    throw new ApiError('invalid_request', 'the connection closed before the request body was complete')
  }
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume()
    throw tooLarge()
  }
  const budget = budgets.get(req.socket) ?? processBudget
  const bytes = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer) => {
      if (size + chunk.length <= maxBytes && budget.take(chunk.length, size)) {
        size += chunk.length
        chunks.push(chunk)
        return
      }
      const error =
        size + chunk.length > maxBytes
          ? tooLarge()
          : new ApiError(
              'server_busy',
              `the server is receiving more request bodies than it holds at once (maxBufferedBodyBytes, ${budget.limit} bytes); retry in a second`,
              { headers: { 'retry-after': '1' } },
            )
      // Keep reading and discarding (not destroying the socket), so the answer can still be sent.
      cleanup()
      req.resume()
      reject(error)
    }
    const onEnd = () => {
      const body = Buffer.concat(chunks, size)
      cleanup()
      resolve(body)
    }
    // A client that goes away mid-body is its own problem, not a server error worth reporting.
    const onError = () => {
      cleanup()
      reject(new ApiError('invalid_request', 'the connection closed before the request body was complete'))
    }
    const onClose = onError
    const cleanup = () => {
      budget.give(size)
      size = 0
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('error', onError)
      req.off('close', onClose)
    }
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', onError)
    req.on('close', onClose)
    // A host may have paused the stream (`req.pause()`): 'data' listeners alone do not restart a
    // paused stream, and the request would wait for the server's timeout.
    req.resume()
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
