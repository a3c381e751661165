import { randomBytes } from 'node:crypto'
import { Rio } from '@rio/core'
import type { Command } from 'commander'
import { startDemo } from '../demo.js'

interface StartOptions {
  database: string
  port: string
  host: string
  adminToken?: string
  demo?: boolean
}

/** `rio start [all|web|worker]`: the HTTP API and the dispatcher, together or apart. */
export function addStart(program: Command): void {
  program
    .command('start')
    .description('run Rio standalone: HTTP API (web), dispatcher (worker), or both (all)')
    .argument('[role]', 'all, web or worker', 'all')
    .option('--database <path>', 'SQLite file', process.env.RIO_DATABASE ?? './rio.db')
    .option('--port <port>', 'port to listen on (0 picks a free one)', process.env.RIO_PORT ?? '8009')
    .option('--host <host>', 'interface to bind', process.env.RIO_HOST ?? '127.0.0.1')
    .option('--admin-token <token>', 'bearer token of the management API', process.env.RIO_ADMIN_TOKEN)
    .option('--demo', 'also start an example receiver and emit a few events')
    .action(async (role: string, options: StartOptions) => {
      if (!['all', 'web', 'worker'].includes(role)) {
        throw new Error(`unknown role "${role}": use all, web or worker`)
      }
      const port = Number(options.port)
      if (!Number.isInteger(port) || port < 0 || port > 65_535)
        throw new Error(`--port must be 0..65535, got ${options.port}`)
      const adminToken = options.adminToken ?? randomBytes(24).toString('base64url')
      const rio = new Rio({
        database: options.database,
        ...(options.demo ? { retrySchedule: [0, 2000, 10_000, 60_000, 300_000] } : {}),
      })
      const server =
        role === 'worker' ? undefined : await rio.listen({ port, host: options.host, adminToken })
      if (role !== 'web') await rio.start()
      // Rio's timers never hold a process open (it is a library); the server does, a worker must.
      const keepAlive = setInterval(() => undefined, 1 << 30)
      const out = (line: string) => process.stdout.write(`${line}\n`)
      out(`rio ${role} on ${options.database}${server ? `, listening on ${server.url}` : ''}`)
      if (server)
        out(`admin token: ${options.adminToken ? '(from --admin-token / RIO_ADMIN_TOKEN)' : adminToken}`)
      const demo = options.demo && server ? await startDemo(rio, server.url, out) : undefined
      let stopping = false
      const stop = async () => {
        if (stopping) return
        stopping = true
        clearInterval(keepAlive)
        await demo?.close()
        await server?.close()
        await rio.stop()
        out('rio stopped')
      }
      process.once('SIGINT', () => void stop())
      process.once('SIGTERM', () => void stop())
    })
}
