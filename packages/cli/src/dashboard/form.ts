import type { IncomingMessage } from 'node:http'
import { RioError } from '@rio/core'

/** The largest form body read; the dashboard's forms hold a token and a few short fields. */
const MAX_FORM_BYTES = 16 * 1024

/**
 * Reads an `application/x-www-form-urlencoded` request body.
 * @throws {@link RioError} `payload_too_large` past 16 KiB (the rest is not read)
 */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let size = 0
  const chunks: Buffer[] = []
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_FORM_BYTES) throw new RioError('payload_too_large', 'the form is larger than 16 KiB')
    chunks.push(chunk as Buffer)
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
}
