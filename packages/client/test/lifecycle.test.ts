// rio-client in the lifecycles of the processes that send: a script that emits and ends, a
// process frozen between invocations, a client made per request. Scripts run as child processes,
// so whether something holds the process open shows as the time it takes to exit.
import { type ChildProcess, spawn } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import type { Socket } from 'node:net'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { Client } from '../src/index.ts'

const script = fileURLToPath(new URL('./fixtures/sender-script.ts', import.meta.url))
const root = fileURLToPath(new URL('../../../', import.meta.url))

const servers: Server[] = []
const children: ChildProcess[] = []
const clients: Client[] = []

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
  await Promise.all(clients.splice(0).map((client) => client.close()))
  for (const server of servers.splice(0)) {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
})

/** A Rio stand-in storing one event per idempotency key, keeping idle connections a minute. */
async function rio(status = 202): Promise<{
  port: number
  dsn: string
  requests: { key: string }[]
  stored: Set<string>
  sockets: Set<Socket>
  connections: () => number
}> {
  const requests: { key: string }[] = []
  const stored = new Set<string>()
  const sockets = new Set<Socket>()
  let connections = 0
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      const key = String(req.headers['idempotency-key'])
      requests.push({ key })
      if (status !== 202) {
        res.writeHead(status, { 'content-type': 'application/json' })
        res.end('{"error":{"code":"unavailable","message":"down for maintenance"}}')
        return
      }
      const duplicate = stored.has(key)
      stored.add(key)
      res.writeHead(202, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ id: `evt_${key}`, duplicate }))
    })
  })
  server.keepAliveTimeout = 60_000
  server.on('connection', (socket: Socket) => {
    connections++
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    port,
    dsn: `http://sender:secret@127.0.0.1:${port}/shop`,
    requests,
    stored,
    sockets,
    connections: () => connections,
  }
}

interface Step {
  step: string
  at: number
  result?: unknown
  error?: string
  attempts?: number
}

/** Runs the sender script; resolves with its steps and the ms from `from` (a step) to its exit. */
function run(
  dsn: string,
  scenario: string,
  options: object = {},
  onStep: (step: Step) => void = () => {},
): Promise<{ steps: Step[]; exitedAfter: (step: string) => number; code: number | null }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, dsn, scenario, JSON.stringify(options)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  const steps: Step[] = []
  const seen = new Map<string, number>()
  let out = ''
  let err = ''
  child.stderr!.on('data', (chunk) => (err += chunk))
  child.stdout!.on('data', (chunk) => {
    out += chunk
    let newline = out.indexOf('\n')
    while (newline >= 0) {
      const step = JSON.parse(out.slice(0, newline)) as Step
      out = out.slice(newline + 1)
      steps.push(step)
      seen.set(step.step, performance.now())
      onStep(step)
      newline = out.indexOf('\n')
    }
  })
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('exit', (code) => {
      const exited = performance.now()
      if (code !== 0) reject(new Error(`the script exited with ${code}: ${err}`))
      resolve({ steps, code, exitedAfter: (step) => exited - (seen.get(step) ?? Number.NaN) })
    })
  })
}

describe('a script that emits and ends', () => {
  it.each([
    ['without close()', 'emit'],
    ['with close()', 'emit-close'],
  ])('exits at once %s, though Rio would keep the connection open a minute', async (_what, scenario) => {
    const server = await rio()
    const { steps, exitedAfter } = await run(server.dsn, scenario)
    expect(steps.find((step) => step.step === 'emitted')).toMatchObject({ result: { duplicate: false } })
    // Held by a kept-alive connection, it would exit only when Rio drops it, a minute later.
    expect(exitedAfter('done')).toBeLessThan(3_000)
    expect(steps.some((step) => step.step === 'unhandled')).toBe(false)
  })

  it('stays alive while an emit it did not wait for is retrying, and exits when retrying stops', async () => {
    const server = await rio(503)
    const { steps, exitedAfter } = await run(server.dsn, 'fire-and-forget', {
      retryDelayMs: 200,
      retryMaxDelayMs: 200,
      retries: 100,
      retryBudgetMs: 1_500,
    })
    const emitted = steps.find((step) => step.step === 'emitted')!
    // The script's own code was done at once; the pending emit held the process, not longer.
    expect(steps.find((step) => step.step === 'done')!.at).toBeLessThan(emitted.at)
    expect(emitted).toMatchObject({ error: 'server_error' })
    expect(emitted.at).toBeGreaterThanOrEqual(1_400)
    expect(server.requests.length).toBeGreaterThan(3)
    expect(exitedAfter('emitted')).toBeLessThan(1_000)
  })
})

describe.each([
  ['undici', {}],
  ['fetch', { fetch: 'global' }],
])('a process frozen between two emits, over %s', (_name, transport) => {
  it('sends the second emit on a new connection when Rio closed the idle one while the process was frozen', async () => {
    const server = await rio()
    // No retries: the emit after the thaw must not need one (nor fail) for the stale connection.
    const { steps } = await run(server.dsn, 'frozen', { retries: 0, ...transport }, (step) => {
      // Rio (or a load balancer) closes the kept-alive connection while the sender is frozen.
      if (step.step === 'frozen') for (const socket of server.sockets) socket.destroy()
    })
    const emits = steps.filter((step) => step.step === 'emitted')
    expect(emits).toHaveLength(2)
    for (const emit of emits) expect(emit).toMatchObject({ result: { duplicate: false } })
    expect(server.stored.size).toBe(2)
    expect(server.requests.length).toBe(2)
    expect(server.connections()).toBe(2)
  })
})

describe('a client made per request', () => {
  it('reuses the connections of the clients before it rather than opening one more each', async () => {
    const server = await rio()
    for (let batch = 0; batch < 10; batch++) {
      // Requests reach a handler through I/O: by then the last answers' connections are idle again.
      await new Promise((resolve) => setImmediate(resolve))
      await Promise.all(
        Array.from({ length: 10 }, async (_, index) => {
          // The anti-pattern, as a serverless handler writes it: a client per request, never closed.
          const client = new Client({ dsn: server.dsn })
          await client.emit('request.handled', { batch, index })
        }),
      )
    }
    expect(server.stored.size).toBe(100)
    // One agent per process, as fetch has: at most one connection per emit in flight at once.
    expect(server.connections()).toBeLessThanOrEqual(10)
    expect(server.sockets.size).toBeLessThanOrEqual(10)
  })
})
