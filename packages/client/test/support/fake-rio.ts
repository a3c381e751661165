import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { setTimeout as delay } from 'node:timers/promises'

/**
 * What the fake does with the next request instead of serving it:
 * - `{ status }` answers that status (with Rio's JSON error body unless `body` is given),
 *   `delayMs` later when given;
 * - `{ status, huge: true }` answers that status with an endless body;
 * - `{ status, stall: true }` sends the status and the start of a body, then nothing more;
 * - `drop` closes the connection without answering, storing nothing;
 * - `store-then-drop` stores the event, then closes the connection (the answer is lost);
 * - `{ restart: ms }` stores the event, drops the connection, stops listening and listens again
 *   on the same port `ms` later;
 * - `hang` never answers.
 */
export type Fault =
  | {
      status: number
      /** An array sends the header once per value. */
      headers?: Record<string, string | string[]>
      body?: string
      huge?: boolean
      stall?: boolean
      delayMs?: number
    }
  | 'drop'
  | 'store-then-drop'
  | { restart: number }
  | 'hang'

/** A request as the fake received it. */
export interface RecordedRequest {
  method: string
  url: string
  headers: IncomingHttpHeaders
  body: string
}

/** An event the fake stored: once per idempotency key. */
export interface StoredEvent {
  id: string
  name: string
  payload: unknown
  key: string | undefined
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/

/**
 * A tiny Rio on 127.0.0.1 that implements the emit contract: Basic auth, `POST
 * {prefix}/api/v1/projects/{project}/events`, single and batch bodies, one stored event per
 * idempotency key, 202 with ids. Tests queue faults with {@link FakeRio.fail}.
 */
export class FakeRio {
  readonly requests: RecordedRequest[] = []
  readonly #events = new Map<string, StoredEvent>()
  readonly #faults: Fault[] = []
  readonly #sockets = new Set<Socket>()
  readonly #options: Required<FakeRioOptions>
  #server: Server
  #port = 0
  #nextId = 1
  #closed = false
  /** Bytes written into endless bodies, and whether the client hung up on them. */
  hugeBytesWritten = 0
  /** TCP connections accepted so far, to see keep-alive at work. */
  connections = 0

  private constructor(options: FakeRioOptions) {
    this.#options = { sender: 'sender', secret: 'secret', project: 'shop', prefix: '', ...options }
    this.#server = this.#createServer()
  }

  /** Starts a fake on a free port. */
  static async start(options: FakeRioOptions = {}): Promise<FakeRio> {
    const rio = new FakeRio(options)
    await rio.#listen(0)
    return rio
  }

  get port(): number {
    return this.#port
  }

  /** Every stored event, in the order stored. */
  get events(): StoredEvent[] {
    return [...this.#events.values()]
  }

  /** A DSN for this fake; parts can be overridden (a wrong secret, a version segment). */
  dsn(parts: { sender?: string; secret?: string; project?: string; prefix?: string; version?: string } = {}) {
    const { sender, secret, project, prefix } = { ...this.#options, ...parts }
    const version = parts.version === undefined ? '' : `/${parts.version}`
    return `http://${encodeURIComponent(sender)}:${encodeURIComponent(secret)}@127.0.0.1:${this.#port}${prefix}${version}/${project}`
  }

  /** Queues faults: each of the next requests gets one, in order; later ones are served. */
  fail(...faults: Fault[]): void {
    this.#faults.push(...faults)
  }

  async close(): Promise<void> {
    this.#closed = true
    await this.#stop()
  }

  #createServer(): Server {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8')
        this.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body })
        this.#handle(req.method ?? '', req.url ?? '', req.headers, body, res)
      })
    })
    server.on('connection', (socket) => {
      this.connections++
      this.#sockets.add(socket)
      socket.on('close', () => this.#sockets.delete(socket))
    })
    return server
  }

  #handle(
    method: string,
    url: string,
    headers: IncomingHttpHeaders,
    body: string,
    res: ServerResponse,
  ): void {
    const { sender, secret, project, prefix } = this.#options
    const expected = `Basic ${Buffer.from(`${sender}:${secret}`).toString('base64')}`
    if (headers.authorization !== expected) {
      return void error(res, 401, 'unauthorized', 'unknown sender or wrong secret')
    }
    if (method !== 'POST' || url !== `${prefix}/api/v1/projects/${project}/events`) {
      return void error(res, 404, 'route_not_found', `no route for ${method} ${url}`)
    }
    const fault = this.#faults.shift()
    if (fault === 'hang') return
    if (fault === 'drop') return void res.socket?.destroy()
    if (fault !== undefined && typeof fault === 'object' && 'status' in fault) {
      if (fault.huge) return void this.#endless(res, fault.status)
      if (fault.stall) {
        res.writeHead(fault.status, { 'content-type': 'application/json' })
        res.write('{"id":')
        return
      }
      const answer = () => {
        res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers })
        res.end(
          fault.body ?? JSON.stringify({ error: { code: 'fault', message: `injected ${fault.status}` } }),
        )
      }
      if (fault.delayMs === undefined) answer()
      else setTimeout(answer, fault.delayMs)
      return
    }
    let json: { name?: unknown; payload?: unknown; idempotencyKey?: string; events?: unknown[] }
    try {
      json = JSON.parse(body)
    } catch {
      return void error(res, 400, 'malformed_json', 'the body is not JSON')
    }
    const header = typeof headers['idempotency-key'] === 'string' ? headers['idempotency-key'] : undefined
    let answer: unknown
    if (Array.isArray(json.events)) {
      const items = json.events as { name: string; payload: unknown; idempotencyKey?: string }[]
      if (items.length > 1000 || items.some((item) => !NAME.test(item.name))) {
        return void error(res, 400, 'invalid_request', 'bad batch')
      }
      answer = {
        ids: items.map(
          (item, i) =>
            this.#store(item.name, item.payload, item.idempotencyKey ?? (header && `${header}:${i}`)).id,
        ),
      }
    } else {
      if (typeof json.name !== 'string' || !NAME.test(json.name)) {
        return void error(res, 400, 'invalid_event_name', 'bad name', [{ path: 'name', message: 'bad name' }])
      }
      const { id, duplicate } = this.#store(json.name, json.payload, json.idempotencyKey ?? header)
      answer = { id, duplicate }
    }
    if (fault === 'store-then-drop') return void res.socket?.destroy()
    if (fault !== undefined && typeof fault === 'object' && 'restart' in fault) {
      res.socket?.destroy()
      void this.#restart(fault.restart)
      return
    }
    res.writeHead(202, { 'content-type': 'application/json' })
    res.end(JSON.stringify(answer))
  }

  #store(name: string, payload: unknown, key: string | undefined): { id: string; duplicate: boolean } {
    const existing = key === undefined ? undefined : this.#events.get(key)
    if (existing) return { id: existing.id, duplicate: true }
    const event = { id: `evt_${this.#nextId++}`, name, payload, key }
    this.#events.set(key ?? event.id, event)
    return { id: event.id, duplicate: false }
  }

  #endless(res: ServerResponse, status: number): void {
    res.writeHead(status, { 'content-type': 'text/html' })
    const chunk = Buffer.alloc(64 * 1024, 'x')
    const write = () => {
      while (!res.destroyed) {
        this.hugeBytesWritten += chunk.length
        if (!res.write(chunk)) return void res.once('drain', write)
      }
    }
    write()
  }

  async #restart(downMs: number): Promise<void> {
    await this.#stop()
    await delay(downMs)
    if (this.#closed) return
    this.#server = this.#createServer()
    await this.#listen(this.#port)
  }

  async #stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }

  #listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject)
      this.#server.listen(port, '127.0.0.1', () => {
        this.#port = (this.#server.address() as AddressInfo).port
        resolve()
      })
    })
  }
}

/** Options of {@link FakeRio.start}. */
export interface FakeRioOptions {
  sender?: string
  secret?: string
  project?: string
  /** A path prefix the API sits under, e.g. `/rio`. */
  prefix?: string
}

function error(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  issues?: { path: string; message: string }[],
): void {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify({ error: { code, message, ...(issues ? { issues } : {}) } }))
}
