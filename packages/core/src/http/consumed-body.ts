import type { IncomingMessage } from 'node:http'
import { ApiError } from './api-error.js'

/**
 * A request as a host framework hands it over: what its body parser made of the body (`req.body`)
 * and the raw bytes it kept, if it kept them (`req.rawBody`).
 */
export type HostRequest = IncomingMessage & { readonly body?: unknown; readonly rawBody?: unknown }

const EMPTY = Buffer.alloc(0)

/** What the host should change, in every `body_already_read` message. */
const FIX =
  "mount Rio's handler before any body parser (Express: before express.json() and express.urlencoded(); " +
  'Fastify: in a scope without content-type parsers, see docs/api.md), or keep the raw bytes as a Buffer on ' +
  'req.rawBody, e.g. express.json({ verify: (req, _res, buf) => { req.rawBody = buf } })'

/**
 * The body of a request whose stream was read before Rio's handler ran, by a host's body parser
 * (`express.json()`, `express.raw()`, Fastify's): the raw bytes it kept as a `Buffer` (or other
 * `Uint8Array`) on `req.rawBody` (`express.json({ verify })`, a Fastify buffer parser) or
 * `req.body` (`express.raw()`), or nothing when the request announced no body. Never a body
 * rebuilt from a parsed object or decoded text: that would store something other than what the
 * sender sent (`1.50` as `1.5`, a form's repeated keys, bytes that were not valid text).
 *
 * @param req - a request whose stream something else read (`readableEnded` or `readableDidRead`)
 * @param maxBytes - the API's `maxBodyBytes`
 * @param tooLarge - the `body_too_large` error to throw past `maxBytes`
 * @returns the bytes the sender sent
 * @throws {@link ApiError} `body_already_read` (500: the host's set-up, not the sender, is at fault)
 *   when the stream was only partly read, or read without the bytes being kept, or the bytes kept
 *   are not as many as `Content-Length` announced; `body_too_large` past `maxBytes`
 */
export function consumedBody(req: HostRequest, maxBytes: number, tooLarge: () => ApiError): Buffer {
  if (!req.readableEnded) {
    // Something took some of the stream and let go (or still reads it): what is left is not the body.
    throw alreadyRead("was partly read before Rio's handler ran (a middleware took some of the stream)")
  }
  const kept = asBytes(req.rawBody) ?? asBytes(req.body)
  if (kept === undefined) {
    if (announcesNoBody(req)) return EMPTY
    throw alreadyRead(`was read before Rio's handler ran by a body parser that kept ${whatWasKept(req)}`)
  }
  const announced = req.headers['content-length']
  // A body parser inflates a gzip body (Content-Encoding); only bytes as sent can be counted.
  if (!isEncoded(req) && announced !== undefined && Number(announced) !== kept.length) {
    throw alreadyRead(
      `was read before Rio's handler ran, and the bytes kept on req.${asBytes(req.rawBody) ? 'rawBody' : 'body'} ` +
        `(${kept.length}) are not the ${announced.slice(0, 20)} bytes Content-Length announced`,
    )
  }
  if (kept.length > maxBytes) throw tooLarge()
  return kept
}

function alreadyRead(what: string): ApiError {
  return new ApiError('body_already_read', `the request body ${what}; ${FIX}`)
}

function asBytes(value: unknown): Buffer | undefined {
  if (Buffer.isBuffer(value)) return value
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength)
  return undefined
}

/** `Content-Length: 0`, or a request with neither `Content-Length` nor `Transfer-Encoding`: no body. */
function announcesNoBody(req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return false
  const length = req.headers['content-length']
  return length === undefined || /^\s*0+\s*$/.test(length)
}

function isEncoded(req: IncomingMessage): boolean {
  const encoding = req.headers['content-encoding']
  return encoding !== undefined && encoding.trim().toLowerCase() !== 'identity'
}

/** What the parser left, for the message: the fix differs for an object and for decoded text. */
function whatWasKept(req: HostRequest): string {
  if (typeof req.rawBody === 'string') return 'only decoded text on req.rawBody, not the bytes'
  if (typeof req.body === 'string') return 'only decoded text on req.body, not the bytes'
  if (req.body !== undefined && req.body !== null) return `only a parsed ${typeof req.body} on req.body`
  return 'nothing of it'
}
