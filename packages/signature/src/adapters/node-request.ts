import type { IncomingMessage } from 'node:http'
import { WebhookUsageError, WebhookVerificationError } from '../errors.js'
import { verify } from '../verify.js'
import type { ResolvedWebhookOptions } from './options.js'
import { toWebhook, type Webhook } from './webhook.js'

/** An incoming request, possibly already read by a body parser that kept the bytes. */
export type NodeRequest = IncomingMessage & { body?: unknown; rawBody?: unknown }

/** `verifyNodeRequest()` with options already checked (the Express middleware checks them once). */
export async function verifyNodeRequestWith(
  req: NodeRequest,
  options: ResolvedWebhookOptions,
): Promise<Webhook<unknown, Buffer>> {
  const body = await rawBody(req, options.maxBodyBytes)
  return toWebhook(verify(body, req.headers, options.secret, options), req.headers['content-type'])
}

const EMPTY = Buffer.alloc(0)

async function rawBody(req: NodeRequest, limit: number): Promise<Buffer> {
  const captured = asBytes(req.rawBody) ?? asBytes(req.body)
  if (captured !== undefined) return captured
  if (req.readableEnded || req.readableDidRead) {
    // A body parser read a body announced as empty (Rio's form of an empty payload): nothing was lost.
    if (req.readableEnded && announcesNoBody(req)) return EMPTY
    const parsed = req.body !== undefined && req.body !== null
    throw new WebhookUsageError(
      'raw_body_unavailable',
      (parsed
        ? `the request body was already parsed into ${typeof req.body === 'object' ? 'an object' : typeof req.body} by a body parser (such as express.json() or express.urlencoded()), and the signature covers the raw bytes. `
        : 'the request body stream was already read by something else, and the signature covers the raw bytes. ') +
        "Fix: mount express.raw({ type: '*/*' }) on this route before verifyWebhook(), or mount verifyWebhook() before express.json(); " +
        'in Fastify, register rioWebhooks from @rio/signature/fastify instead of reading request.raw',
    )
  }
  return readStream(req, limit)
}

/** `Content-Length: 0`, or neither `Content-Length` nor `Transfer-Encoding`: a request without a body. */
function announcesNoBody(req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return false
  const length = req.headers['content-length']
  return length === undefined || /^\s*0+\s*$/.test(length)
}

function asBytes(value: unknown): Buffer | undefined {
  if (Buffer.isBuffer(value)) return value
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength)
  if (typeof value === 'string') return Buffer.from(value)
  return undefined
}

function readStream(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'])
  if (declared > limit) return Promise.reject(tooLarge(limit))
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const done = () => {
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('error', onError)
      req.off('close', onClose)
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        // Stop collecting; the stream keeps flowing into nothing, so the response can still be sent.
        done()
        reject(tooLarge(limit))
      } else chunks.push(chunk)
    }
    const onEnd = () => {
      done()
      resolve(Buffer.concat(chunks, size))
    }
    const onError = (error: Error) => {
      done()
      reject(error)
    }
    const onClose = () => {
      done()
      reject(new Error('the client closed the connection before sending the whole webhook body'))
    }
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', onError)
    req.on('close', onClose)
    // A middleware may have paused the stream (`req.pause()`): 'data' listeners alone do not
    // restart it, and the request would wait for the server's timeout.
    req.resume()
  })
}

function tooLarge(limit: number): WebhookVerificationError {
  return new WebhookVerificationError(
    'body_too_large',
    `the body is larger than maxBodyBytes (${limit} bytes)`,
  )
}
