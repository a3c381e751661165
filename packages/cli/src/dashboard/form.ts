import type { IncomingMessage } from 'node:http'
import { RioError } from '@rio/core'

/** The largest form body read; the dashboard's forms hold a token and a few short fields. */
const MAX_FORM_BYTES = 16 * 1024

/** A request as a host framework hands it over: its body parser's result and the raw bytes it kept. */
type HostRequest = IncomingMessage & { readonly body?: unknown; readonly rawBody?: unknown }

/**
 * The form's body was read by a body parser of the host app (`express.urlencoded()`) before the
 * dashboard's handler, which kept no raw bytes: a mistake in the host's set-up, so the handler
 * reports it on `rio.events` and answers 500 rather than acting on an empty form.
 */
export class FormAlreadyReadError extends Error {
  override name = 'FormAlreadyReadError'
  readonly code = 'body_already_read'
}

/**
 * Reads an `application/x-www-form-urlencoded` request body: from the stream, or from the raw
 * bytes a host's body parser kept as a `Buffer` on `req.rawBody` or `req.body` (`express.raw()`).
 * @throws {@link RioError} `payload_too_large` past 16 KiB (the rest is not read)
 * @throws {@link FormAlreadyReadError} when something else read the stream and kept no raw bytes
 */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const bytes = req.readableEnded || req.readableDidRead ? keptBytes(req) : await readStream(req)
  return new URLSearchParams(bytes.toString('utf8'))
}

async function readStream(req: IncomingMessage): Promise<Buffer> {
  let size = 0
  const chunks: Buffer[] = []
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_FORM_BYTES) throw tooLarge()
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks)
}

/** The bytes a body parser that read the stream kept, or none when the request announced no body. */
function keptBytes(req: HostRequest): Buffer {
  const kept = [req.rawBody, req.body].find((value) => value instanceof Uint8Array)
  if (req.readableEnded && kept instanceof Uint8Array) {
    if (kept.byteLength > MAX_FORM_BYTES) throw tooLarge()
    return Buffer.from(kept.buffer, kept.byteOffset, kept.byteLength)
  }
  const length = req.headers['content-length']
  const empty =
    req.headers['transfer-encoding'] === undefined && (length === undefined || /^\s*0+\s*$/.test(length))
  if (req.readableEnded && empty) return Buffer.alloc(0)
  throw new FormAlreadyReadError(
    `the dashboard's form body was ${req.readableEnded ? 'read' : 'partly read'} before its handler ran, by a body parser of the host app (such as express.urlencoded()) that kept no raw bytes; ` +
      'mount the dashboard before any body parser, or keep the raw bytes as a Buffer on req.rawBody',
  )
}

function tooLarge(): RioError {
  return new RioError('payload_too_large', 'the form is larger than 16 KiB')
}
