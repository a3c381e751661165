import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Rio, ServerMount } from '@rio/core'
import type { Command } from 'commander'
import type { Config, ConfigSources, SERVER_LIMIT_KEYS } from '../config.js'
import { EXIT, UsageError } from '../errors.js'
import { configAccessNote, databaseAccessNote } from '../file-access.js'
import type { LogFormat } from '../logging.js'
import type { createMetrics } from '../metrics.js'

interface StartOptions {
  database?: string
  port?: string
  host?: string
  adminToken?: string
  publicUrl?: string
  demo?: boolean
  logLevel?: string
  logFormat?: LogFormat
  secureCookies?: string
  trustProxy?: string
  maxBodyBytes?: string
  headersTimeoutMs?: string
  requestTimeoutMs?: string
  maxConnections?: string
  maxBufferedBodyBytes?: string
}

const ROLES = ['all', 'web', 'worker'] as const
type Role = (typeof ROLES)[number]
/** Demo mode retries within seconds so a newcomer sees a failed attempt turn into a success. */
const DEMO_RETRY_SCHEDULE = [0, 2000, 10_000, 60_000, 300_000]

function tokenLine(config: Config, sources: ConfigSources, generated: string): string {
  if (config.adminToken) return `admin token: from ${sources.adminToken}`
  return `admin token: ${generated} (generated for this run; set adminToken in rio.yaml or RIO_ADMIN_TOKEN to keep one)`
}

/**
 * Shows `secret` as `***` in this process's command line as `ps` and `/proc/<pid>/cmdline` show it
 * to every user of the machine (on Linux, setting the title rewrites the arguments' memory; other
 * systems may keep showing them). It was visible from the process's start until now.
 */
function maskInProcessList(secret: string): void {
  const args = [process.argv0, ...process.execArgv, ...process.argv.slice(1)]
  try {
    process.title = args.map((arg) => arg.split(secret).join('***')).join(' ')
  } catch {
    // No title to set (a platform without one): the warning logged at start still says it.
  }
}

/**
 * What an operator should hear at start about who else can read Rio's secrets: an admin token
 * given on the command line, a database or config file that every user may read.
 */
async function exposureWarnings(database: string, sources: ConfigSources): Promise<string[]> {
  const { configPath } = await import('../config.js')
  const warnings: string[] = []
  if (sources.adminToken === '--admin-token')
    warnings.push(
      'the admin token was given with --admin-token: other users of this machine could read it in the process list (ps, /proc/<pid>/cmdline) while Rio started, and it stays in your shell history; set RIO_ADMIN_TOKEN, or adminToken in rio.yaml (mode 600), instead',
    )
  const files = databaseAccessNote(database)
  if (files) warnings.push(files)
  const file = configPath()
  const config = file && sources.adminToken === file ? configAccessNote(file) : null
  if (config) warnings.push(config)
  return warnings
}

/**
 * A listen failure (`EADDRINUSE`, `EADDRNOTAVAIL`, `ENOTFOUND`, `EACCES`) names the address and where
 * its host and port came from, so an operator knows which of flag, environment or rio.yaml to fix.
 * The system's `code` is kept (it is the `--json` error code).
 */
function listenError(error: unknown, config: Config, sources: ConfigSources): unknown {
  const system = error as NodeJS.ErrnoException
  if (!(error instanceof Error) || typeof system.code !== 'string') return error
  error.message = `cannot listen on ${config.host}:${config.port} (host from ${sources.host}, port from ${sources.port}): ${error.message}`
  return error
}

/**
 * The limits from flags, env or rio.yaml, as `rio.listen()` takes them; unset ones keep
 * `@rio/core`'s defaults (so a larger `maxBodyBytes` alone also lengthens `requestTimeoutMs`).
 */
async function serverLimits(
  config: Config,
): Promise<Partial<Record<(typeof SERVER_LIMIT_KEYS)[number], number>>> {
  const { SERVER_LIMIT_KEYS } = await import('../config.js')
  return Object.fromEntries(
    SERVER_LIMIT_KEYS.flatMap((key) => (config[key] === undefined ? [] : [[key, config[key]]])),
  )
}

/**
 * A limit `rio.listen()` refuses as a whole (`headersTimeoutMs` longer than `requestTimeoutMs`)
 * is a usage error naming where the values came from.
 */
async function limitsError(error: unknown, sources: ConfigSources): Promise<unknown> {
  const [{ RioValidationError }, { SERVER_LIMIT_KEYS }] = await Promise.all([
    import('@rio/core'),
    import('../config.js'),
  ])
  if (!(error instanceof RioValidationError)) return error
  const from = SERVER_LIMIT_KEYS.filter((key) => sources[key] !== 'default')
    .map((key) => `${key} from ${sources[key]}`)
    .join(', ')
  return new UsageError(`${error.message}${from ? ` (${from})` : ''}`)
}

/** What the server answers besides the API: `/metrics`, and the dashboard. */
async function mounts(
  rio: Rio,
  adminToken: string,
  config: Config,
  metrics: ReturnType<typeof createMetrics>,
): Promise<ServerMount[]> {
  const { createDashboardHandler } = await import('../dashboard/index.js')
  const dashboard = createDashboardHandler(rio, {
    adminToken,
    basePath: '/dashboard',
    secureCookies: config.secureCookies,
    trustProxy: config.trustProxy,
    ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
  })
  return [
    { path: '/metrics', handler: (req: IncomingMessage, res: ServerResponse) => metrics.handler(req, res) },
    { path: '/dashboard', handler: dashboard },
  ]
}

/** `rio start [all|web|worker]`: the HTTP API and the dispatcher, together or apart. */
export function addStart(program: Command): void {
  program
    .command('start')
    .description('run Rio standalone: HTTP API (web), dispatcher (worker), or both (all)')
    .argument('[role]', 'all, web (API only: stores emits) or worker (dispatcher only)', 'all')
    .option('--database <path>', 'SQLite file (env RIO_DATABASE; default ./rio.db)')
    .option('--port <port>', 'port to listen on, 0 picks a free one (env RIO_PORT; default 8009)')
    .option('--host <host>', 'interface to bind (env RIO_HOST; default 127.0.0.1)')
    .option(
      '--admin-token <token>',
      'bearer token of the management API and dashboard (env RIO_ADMIN_TOKEN); other users of the machine can see a flag in the process list while Rio starts: prefer RIO_ADMIN_TOKEN or adminToken in rio.yaml',
    )
    .option('--public-url <url>', 'the URL senders reach Rio at, for DSNs (env RIO_PUBLIC_URL)')
    .option('--demo', 'also start an example receiver, a sender and two webhooks, and emit a few events')
    .option('--log-level <level>', 'trace, debug, info, warn, error (env RIO_LOG_LEVEL; default info)')
    .option('--log-format <format>', 'json or pretty (env RIO_LOG_FORMAT; default json, pretty with --demo)')
    .option(
      '--secure-cookies <when>',
      'mark dashboard cookies Secure: auto (over TLS, an https public URL, or with --trust-proxy a proxy saying https), true or false (env RIO_SECURE_COOKIES; default auto)',
    )
    .option(
      '--trust-proxy <n>',
      'how many reverse proxies are in front of Rio, 0 to 10: failed sign-ins are then counted per client by the Nth X-Forwarded-For address from the right; must match your setup (env RIO_TRUST_PROXY; default 0: the header is never read)',
    )
    .option(
      '--max-body-bytes <bytes>',
      'largest request body the API reads (env RIO_MAX_BODY_BYTES; default 1048576)',
    )
    .option(
      '--headers-timeout-ms <ms>',
      "time a client has to send a request's headers, 0 for none (env RIO_HEADERS_TIMEOUT_MS; default 20000)",
    )
    .option(
      '--request-timeout-ms <ms>',
      'time a client has to send a whole request, 0 for none (env RIO_REQUEST_TIMEOUT_MS; default 20000 plus 1 s per 8000 bytes of --max-body-bytes: 152000)',
    )
    .option('--max-connections <n>', 'connections open at once (env RIO_MAX_CONNECTIONS; default 10000)')
    .option(
      '--max-buffered-body-bytes <bytes>',
      'bytes of request bodies held in memory at once while they arrive; past it 503 (env RIO_MAX_BUFFERED_BODY_BYTES; default 134217728)',
    )
    .addHelpText(
      'after',
      '\nSeveral processes may share one database file: e.g. one `rio start web` and two `rio start worker`.\nSIGINT or SIGTERM stops gracefully (a second one stops at once).',
    )
    .action(async (role: string, options: StartOptions) => {
      if (!ROLES.includes(role as Role))
        throw new UsageError(`unknown role "${role}": use all, web or worker`)
      if (options.demo && role !== 'all')
        throw new UsageError('--demo needs both the API and the dispatcher: use `rio start --demo`')
      if (options.adminToken) maskInProcessList(options.adminToken)
      // What `rio start` runs on, loaded when it runs: building the program (`rio --help`) needs none of it.
      const [{ resolveConfig }, { Rio }, { createLogger, logRio }, { createMetrics }] = await Promise.all([
        import('../config.js'),
        import('@rio/core'),
        import('../logging.js'),
        import('../metrics.js'),
      ])
      const { config, sources } = resolveConfig({
        database: options.database,
        port: options.port,
        host: options.host,
        adminToken: options.adminToken,
        publicUrl: options.publicUrl,
        logLevel: options.logLevel,
        logFormat: options.logFormat,
        secureCookies: options.secureCookies,
        trustProxy: options.trustProxy,
        maxBodyBytes: options.maxBodyBytes,
        headersTimeoutMs: options.headersTimeoutMs,
        requestTimeoutMs: options.requestTimeoutMs,
        maxConnections: options.maxConnections,
        maxBufferedBodyBytes: options.maxBufferedBodyBytes,
      })
      const format = config.logFormat ?? (options.demo ? 'pretty' : 'json')
      const adminToken = config.adminToken ?? randomBytes(24).toString('base64url')
      // A demo never writes into a real database by accident: without a chosen one it gets a scratch file.
      const scratch =
        options.demo && sources.database === 'default' ? mkdtempSync(join(tmpdir(), 'rio-demo-')) : undefined
      const database = scratch ? join(scratch, 'rio.db') : config.database
      const rio = new Rio({
        database,
        ...(options.demo ? { retrySchedule: DEMO_RETRY_SCHEDULE } : {}),
      })
      const logger = createLogger({ format, level: config.logLevel })
      for (const warning of await exposureWarnings(database, sources)) logger.warn(warning)
      const unlog = logRio(rio, logger)
      // A worker serves nothing; its deliveries show in the logs (and in the web process's backlog).
      const metrics = role === 'worker' ? undefined : createMetrics(rio)
      let server: Awaited<ReturnType<typeof rio.listen>> | undefined
      try {
        if (metrics) {
          server = await rio
            .listen({
              adminToken,
              trustProxy: config.trustProxy,
              ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
              ...(await serverLimits(config)),
              mounts: await mounts(rio, adminToken, config, metrics),
              port: config.port,
              host: config.host,
              // Requests in progress get 2 s to finish on SIGINT/SIGTERM.
              closeTimeoutMs: 2000,
            })
            .catch(async (error: unknown) => {
              throw listenError(await limitsError(error, sources), config, sources)
            })
        }
        if (role !== 'web') await rio.start()
      } catch (error) {
        metrics?.stop()
        unlog()
        await rio.stop()
        if (scratch) rmSync(scratch, { recursive: true, force: true })
        throw error
      }
      // Rio's timers never hold a process open (it is a library); the server does, a worker must.
      const keepAlive = setInterval(() => undefined, 1 << 30)
      const out = (line: string) => process.stdout.write(`${line}\n`)
      let demo: { close(): Promise<void> } | undefined
      let stopping = false
      const stop = async (reason: string) => {
        if (stopping) {
          out(`rio: ${reason} again, stopping now`)
          process.exit(EXIT.failure)
        }
        stopping = true
        out(`rio: ${reason}, stopping (attempts in flight get up to ${rio.options.stopTimeoutMs / 1000} s)`)
        clearInterval(keepAlive)
        try {
          await demo?.close()
          await server?.close()
          await rio.stop()
          if (scratch) rmSync(scratch, { recursive: true, force: true })
          out('rio stopped')
          process.exitCode = EXIT.ok
        } catch (error) {
          logger.error({ err: error }, `stopping failed: ${(error as Error).message}`)
          process.exitCode = EXIT.failure
        } finally {
          metrics?.stop()
          unlog()
        }
        // Everything is closed; if a stray handle still holds the loop, do not hang the supervisor.
        setTimeout(() => process.exit(), 5000).unref()
      }
      // Before the banner: a supervisor may signal as soon as it reads "listening on", and a signal
      // with no listener yet ends the process at once (the default action), without a graceful stop.
      process.on('SIGINT', () => void stop('SIGINT'))
      process.on('SIGTERM', () => void stop('SIGTERM'))
      out(`rio ${role} on ${database}${server ? `, listening on ${server.url}` : ''}`)
      if (server) {
        out(`dashboard: ${server.url}/dashboard/ (log in with the admin token)`)
        out(`metrics: ${server.url}/metrics`)
        out(tokenLine(config, sources, adminToken))
      }

      if (options.demo && server) {
        if (scratch) out(`demo database: ${database} (deleted on exit; pass --database to keep one)`)
        try {
          const { startDemo } = await import('../demo.js')
          demo = await startDemo(rio, { url: server.url, database, out })
        } catch (error) {
          // A half-started demo must not leave a server running behind a failed command.
          await stop('the demo could not start')
          throw error
        }
      }
    })
}
