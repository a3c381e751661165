import { connect } from 'node:net'
import type { ListenOptions, Rio, RioOptions, RioServer } from '../../src/index.js'
import { makeRio, onCleanup } from '../helpers.js'

/** The admin token every test server is started with. */
export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef'

/** Headers authenticating as the admin. */
export const admin = { authorization: `Bearer ${ADMIN_TOKEN}` } as const

/** An HTTP Basic `Authorization` header value. */
export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
}

/** A Rio on a temp SQLite file serving its API on 127.0.0.1:0; both closed after the test. */
export async function startApi(
  options: { rio?: RioOptions; api?: ListenOptions } = {},
): Promise<{ rio: Rio; server: RioServer; url: string }> {
  const rio = makeRio(options.rio)
  const server = await rio.listen({ port: 0, adminToken: ADMIN_TOKEN, ...options.api })
  // Cleanups run last-registered first: the server closes before the Rio stops.
  onCleanup(() => server.close())
  return { rio, server, url: server.url }
}

/** A response with its body read: parsed JSON when the server said JSON, else text. */
export interface Answer {
  readonly status: number
  readonly headers: Headers
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies
  readonly body: any
}

/** `fetch` that reads the body. */
export async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(url, init)
  const text = await res.text()
  const json = res.headers.get('content-type')?.startsWith('application/json')
  return { status: res.status, headers: res.headers, body: json && text ? JSON.parse(text) : text }
}

/**
 * Sends raw bytes over TCP and returns the status and body (for requests fetch refuses to make). The
 * request must say `Connection: close`: the answer is read until the server closes the socket.
 */
export async function raw(url: string, request: string | Buffer): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    // Not half-closed: the server closes a half-closed socket before a slow answer (scrypt) is written.
    const socket = connect(Number(port), hostname, () => socket.write(request))
    const chunks: Buffer[] = []
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('error', reject)
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1])
      resolve({ status, body: text.slice(text.indexOf('\r\n\r\n') + 4) })
    })
  })
}

/** POST a JSON body. */
export function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  return call(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
}

/** How many events the Rio holds (all projects). */
export async function eventCount(rio: Rio): Promise<number> {
  return (await rio.listEvents({ limit: 1000 })).length
}

/** A project with a sender; returns the sender's Basic header. */
export async function withSender(rio: Rio, project = 'shop', name = 'checkout', secret = 'checkout-secret') {
  await rio.createProject(project).catch(() => undefined)
  await rio.createSender(project, name, { secret })
  return { project, name, secret, authorization: basic(name, secret) }
}

/** An API with project `shop` and a sender `legacy` in it, for the original route's tests. */
export async function startLegacyApi() {
  const { rio, url } = await startApi()
  const sender = await withSender(rio, 'shop', 'legacy', 'legacy-secret')
  return { rio, url, authorization: sender.authorization }
}
