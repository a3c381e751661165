import { randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import { Rio } from '@rio/core'
import type { Command } from 'commander'
import { loadConfig } from '../config.js'
import { createDashboardHandler } from '../dashboard/index.js'
import { startDemo } from '../demo.js'
import { createLogger, type LogFormat, logRio } from '../logging.js'
import { createMetrics } from '../metrics.js'

interface StartOptions {
  database?: string
  port?: string
  host?: string
  adminToken?: string
  demo?: boolean
  logLevel?: string
  logFormat?: LogFormat
}

/** Serves the API, with `/metrics` beside it, on a plain node:http server; resolves once listening. */
async function serve(rio: Rio, options: { port: number; host: string; adminToken: string }) {
  const api = rio.handler({ adminToken: options.adminToken })
  const metrics = createMetrics(rio)
  const dashboard = createDashboardHandler(rio, { adminToken: options.adminToken, basePath: '/dashboard' })
  const server: Server = createServer((req, res) => {
    const path = req.url?.split('?')[0] ?? '/'
    if (req.method === 'GET' && path === '/metrics') metrics.handler(req, res)
    else if (path === '/dashboard' || path.startsWith('/dashboard/')) dashboard(req, res)
    else api(req, res)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, resolve)
  })
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : options.port
  return {
    url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        metrics.stop()
        server.close(() => resolve())
        server.closeIdleConnections()
        setTimeout(() => server.closeAllConnections(), 2000).unref()
      }),
  }
}

/** `rio start [all|web|worker]`: the HTTP API and the dispatcher, together or apart. */
export function addStart(program: Command): void {
  program
    .command('start')
    .description('run Rio standalone: HTTP API (web), dispatcher (worker), or both (all)')
    .argument('[role]', 'all, web or worker', 'all')
    .option('--database <path>', 'SQLite file (env RIO_DATABASE; default ./rio.db)')
    .option('--port <port>', 'port to listen on, 0 picks a free one (env RIO_PORT; default 8009)')
    .option('--host <host>', 'interface to bind (env RIO_HOST; default 127.0.0.1)')
    .option('--admin-token <token>', 'bearer token of the management API (env RIO_ADMIN_TOKEN)')
    .option('--demo', 'also start an example receiver and emit a few events')
    .option('--log-level <level>', 'trace, debug, info, warn, error (env RIO_LOG_LEVEL; default info)')
    .option('--log-format <format>', 'json or pretty (env RIO_LOG_FORMAT; default json, pretty with --demo)')
    .action(async (role: string, options: StartOptions) => {
      if (!['all', 'web', 'worker'].includes(role)) {
        throw new Error(`unknown role "${role}": use all, web or worker`)
      }
      const config = loadConfig({
        database: options.database,
        port: options.port,
        host: options.host,
        adminToken: options.adminToken,
        logLevel: options.logLevel,
        logFormat: options.logFormat,
      })
      const format = config.logFormat ?? (options.demo ? 'pretty' : 'json')
      const adminToken = config.adminToken ?? randomBytes(24).toString('base64url')
      const rio = new Rio({
        database: config.database,
        ...(options.demo ? { retrySchedule: [0, 2000, 10_000, 60_000, 300_000] } : {}),
      })
      const logger = createLogger({ format, level: config.logLevel })
      const unlog = logRio(rio, logger)
      const server =
        role === 'worker' ? undefined : await serve(rio, { port: config.port, host: config.host, adminToken })
      if (role !== 'web') await rio.start()
      // Rio's timers never hold a process open (it is a library); the server does, a worker must.
      const keepAlive = setInterval(() => undefined, 1 << 30)
      const out = (line: string) => process.stdout.write(`${line}\n`)
      out(`rio ${role} on ${config.database}${server ? `, listening on ${server.url}` : ''}`)
      if (server) {
        out(`dashboard: ${server.url}/dashboard/ (log in with the admin token)`)
        out(`admin token: ${config.adminToken ? '(from the configuration)' : adminToken}`)
      }
      const demo = options.demo && server ? await startDemo(rio, server.url, out) : undefined
      let stopping = false
      const stop = async () => {
        if (stopping) return
        stopping = true
        clearInterval(keepAlive)
        await demo?.close()
        await server?.close()
        await rio.stop()
        unlog()
        out('rio stopped')
      }
      process.once('SIGINT', () => void stop())
      process.once('SIGTERM', () => void stop())
    })
}
