import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { type RawConnection, rawConnection, within } from '../../../test/support/raw-connection.js'
import { onCleanup, waitUntil } from '../../core/test/helpers.js'
import { rioEnv, startDashboard } from './dashboard/serve.js'
import { bin, root } from './spawn-rio.js'

const TOKEN = 'server-limits-admin-token-0123456789'

function open(port: number): RawConnection {
  const connection = rawConnection(port)
  onCleanup(() => void connection.socket.destroy())
  return connection
}

function drip(socket: RawConnection['socket'], byte: string): void {
  const timer = setInterval(() => socket.write(byte), 50)
  onCleanup(() => clearInterval(timer))
}

/** `rio start web` with `args` (and `env`) and a project `default` to emit into; its port. */
async function start(args: string[], env: Record<string, string> = {}): Promise<number> {
  const port = Number(new URL(await startDashboard(TOKEN, args, env)).port)
  // Over a connection closed after the answer, so it takes none of maxConnections afterwards.
  expect(await ask(port, request('POST', 'projects', '{"name":"default"}'))).toMatch(/^HTTP\/1\.1 201 /)
  return port
}

/** Sends one request on a fresh connection and waits for the whole answer (`Connection: close`). */
async function ask(port: number, text: string): Promise<string> {
  const client = open(port)
  client.socket.write(text)
  await within(5000, client.closed)
  return client.received()
}

/** An admin request to `/api/v1/<path>` with a JSON body, on a connection closed after it. */
const request = (method: string, path: string, body: string) =>
  `${method} /api/v1/${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n` +
  `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`

const emit = (body: string) => request('POST', 'projects/default/events', body)

function rio(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ['--import', 'tsx', bin, ...args], {
    cwd: root,
    env: rioEnv(env),
    encoding: 'utf8',
    timeout: 30_000,
  })
}

describe('rio start server limits', () => {
  it('applies the limits from flags: header and request timeouts, connections, body size', async () => {
    const port = await start([
      '--headers-timeout-ms',
      '300',
      '--request-timeout-ms',
      '900',
      '--max-connections',
      '2',
      '--max-body-bytes',
      '1000',
    ])
    // Headers dripped past headersTimeoutMs: 408 and closed (Node's own default waits 60–90 s).
    const headers = open(port)
    headers.socket.write('GET /dashboard/ HTTP/1.1\r\nHost: x\r\n')
    drip(headers.socket, 'x')
    expect(await within(3000, headers.closed)).toBeGreaterThanOrEqual(250)
    expect(headers.received()).toMatch(/^HTTP\/1\.1 408 /)
    // A body dripped past requestTimeoutMs (it is within maxBodyBytes): 408 and closed.
    const body = open(port)
    body.socket.write(emit(' '.repeat(900)).slice(0, -900))
    drip(body.socket, ' ')
    expect(await within(4000, body.closed)).toBeGreaterThanOrEqual(850)
    expect(body.received()).toMatch(/^HTTP\/1\.1 408 /)
    // Over maxBodyBytes: 413; within it: 202.
    expect(await ask(port, emit(`{"name":"big","payload":{"x":"${'y'.repeat(1000)}"}}`))).toMatch(
      /^HTTP\/1\.1 413 [\s\S]*body_too_large[\s\S]*1000 bytes/,
    )
    expect(await ask(port, emit('{"name":"small","payload":{}}'))).toMatch(/^HTTP\/1\.1 202 /)
    // Two connections held: a third is closed as soon as it is accepted, with no answer.
    const held = [open(port), open(port)]
    for (const connection of held) {
      connection.socket.write('GET /_health/ HTTP/1.1\r\nHost: x\r\n\r\n')
      await new Promise<void>((resolve) => connection.socket.once('data', () => resolve()))
    }
    const third = open(port)
    third.socket.write('GET /_health/ HTTP/1.1\r\nHost: x\r\n\r\n')
    await within(2000, third.closed)
    expect(third.received()).toBe('')
    for (const connection of held) connection.socket.destroy()
    // The dashboard and /metrics are served beside the API on the same limited server (once the
    // server has seen the held connections close).
    const metrics = await waitUntil(async () => {
      const answer = await ask(port, 'GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
      return answer === '' ? undefined : answer
    }, 'an answer once connections were freed')
    expect(metrics).toMatch(/^HTTP\/1\.1 200 [\s\S]*rio_/)
    expect(await ask(port, 'GET /dashboard/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).toMatch(
      /^HTTP\/1\.1 (200|302|303) /,
    )
  }, 60_000)

  it('takes the limits from RIO_* variables', async () => {
    const port = await start([], { RIO_MAX_BODY_BYTES: '2000', RIO_HEADERS_TIMEOUT_MS: '300' })
    expect(await ask(port, emit(`{"name":"mid","payload":{"x":"${'y'.repeat(1500)}"}}`))).toMatch(
      /^HTTP\/1\.1 202 /,
    )
    const headers = open(port)
    headers.socket.write('GET / HTTP/1.1\r\nHost: x\r\n')
    drip(headers.socket, 'x')
    expect(await within(3000, headers.closed)).toBeGreaterThanOrEqual(250)
    expect(headers.received()).toMatch(/^HTTP\/1\.1 408 /)
  }, 60_000)

  it('refuses limits that contradict each other or are not whole numbers, naming where they came from (exit 2)', () => {
    const crossed = rio(['start', 'web', '--port', '0', '--request-timeout-ms', '1000'], {
      RIO_HEADERS_TIMEOUT_MS: '5000',
    })
    expect(crossed.status, crossed.stdout + crossed.stderr).toBe(2)
    expect(crossed.stderr).toMatch(/headersTimeoutMs must not be longer than requestTimeoutMs/)
    expect(crossed.stderr).toMatch(/headersTimeoutMs from env RIO_HEADERS_TIMEOUT_MS/)
    expect(crossed.stderr).toMatch(/requestTimeoutMs from --request-timeout-ms/)
    const zero = rio(['start', 'web', '--port', '0', '--max-connections', '0'])
    expect(zero.status).toBe(2)
    expect(zero.stderr).toMatch(
      /invalid setting maxConnections \(from --max-connections\): must be a whole number from 1/,
    )
  }, 60_000)
})
