import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { sign } from '../../src/index.ts'

/** Starts `server` on 127.0.0.1 on a free port; resolves to its base URL. */
export async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** Closes `server`, dropping idle keep-alive connections so it does not wait for them. */
export function close(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()))
    server.closeAllConnections()
  })
}

export const CURRENT_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
export const PREVIOUS_SECRET = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD'
export const UNRELATED_SECRET = 'whsec_dW5yZWxhdGVkIHNlY3JldCBieXRlcw=='
export const PRIVATE_KEY = 'whsk_nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A='
export const PUBLIC_KEY = 'whpk_11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo='

export interface SignedPost {
  body: string
  contentType?: string
  secret?: string | string[]
  /** Unix seconds; defaults to now. */
  timestamp?: number
  /** Sent instead of `body`, which is what was signed. */
  sentBody?: string
  /** Header values to replace (`undefined` removes the header). */
  headers?: Record<string, string | undefined>
}

export interface Answer {
  status: number
  json: unknown
}

/** POSTs a request signed the way Rio signs it, and reads the JSON answer. */
export async function signedPost(url: string, request: SignedPost): Promise<Answer> {
  const signed = sign({
    id: 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W',
    timestamp: request.timestamp ?? Math.floor(Date.now() / 1000),
    body: request.body,
    secret: request.secret ?? CURRENT_SECRET,
  })
  const headers: Record<string, string> = { 'content-type': request.contentType ?? 'application/json' }
  for (const [name, value] of Object.entries({ ...signed, ...request.headers })) {
    if (value !== undefined) headers[name] = value
  }
  const response = await fetch(url, { method: 'POST', headers, body: request.sentBody ?? request.body })
  const text = await response.text()
  let json: unknown = text
  try {
    json = JSON.parse(text)
  } catch {
    // Not JSON (e.g. an HTML error page): keep the text for the assertion message.
  }
  return { status: response.status, json }
}
