import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import { isScalar, parseDocument } from 'yaml'
import { z } from 'zod'
import { UsageError } from './errors.js'
import { redactUrl } from './redact-url.js'

/** Settings of the standalone server, after precedence: flags > `RIO_*` env > config file > defaults. */
export interface Config {
  /** The SQLite file; relative paths in the config file are taken from the file's directory. */
  database: string
  port: number
  host: string
  /** Bearer token of the management API and the dashboard; generated per run when unset. */
  adminToken: string | undefined
  /** The URL other services reach Rio at, for DSNs (e.g. `https://rio.example.com`). */
  publicUrl: string | undefined
  logLevel: string
  logFormat: 'json' | 'pretty' | undefined
  /**
   * When the dashboard's cookies are marked `Secure`: `auto` (the request arrived over TLS,
   * `publicUrl` is https, or with `trustProxy` set a proxy's `X-Forwarded-Proto` says https),
   * `true` (always) or `false` (never).
   */
  secureCookies: 'auto' | boolean
  /**
   * How many reverse proxies sit in front of `rio start` (0 to 10). With N > 0 the failed-sign-in
   * limits of the API and the dashboard count each client by the address the proxies wrote into
   * `X-Forwarded-For` (the Nth from the right) rather than by the proxy's own; 0 never reads it.
   */
  trustProxy: number
  /** Largest request body the API reads, in bytes (413 past it); `@rio/core`'s default (1 MiB) when unset. */
  maxBodyBytes: number | undefined
  /** Time to send a request's headers, in ms (408 after; 0 turns it off); 20 s when unset. */
  headersTimeoutMs: number | undefined
  /** Time to send a whole request, in ms (408 after; 0 turns it off); scaled to `maxBodyBytes` when unset. */
  requestTimeoutMs: number | undefined
  /** Connections open at once; 10 000 when unset. */
  maxConnections: number | undefined
  /** Bytes of request bodies held at once while they arrive (503 past it); 128 MiB when unset. */
  maxBufferedBodyBytes: number | undefined
}

/** The settings that bound what clients may send and hold, passed to `rio.listen()` as they are. */
export const SERVER_LIMIT_KEYS = [
  'maxBodyBytes',
  'headersTimeoutMs',
  'requestTimeoutMs',
  'maxConnections',
  'maxBufferedBodyBytes',
] as const

/** Where each setting came from: `default`, the file's path, `env RIO_…` or `--flag`. */
export type ConfigSources = Record<keyof Config, string>

const PORT = 'must be a whole number from 0 to 65535 in decimal digits (0 picks a free port)'
const TRUST_PROXY =
  'must be a whole number from 0 to 10 in decimal digits: how many reverse proxies are in front of Rio'

/**
 * A whole number of decimal digits within `min`…`max` (from flags, env and rio.yaml alike, as the
 * port), or unset for `@rio/core`'s default.
 */
function wholeNumber(min: number, max: number, what: string) {
  const message = `must be a whole number from ${min} to ${max} in decimal digits: ${what}`
  return z.preprocess(
    (value) => (typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : value),
    z.number({ error: message }).int(message).min(min, message).max(max, message).optional(),
  )
}

const DAY_MS = 24 * 3600 * 1000

const schema = z
  .object({
    database: z.string().min(1),
    // Flags and env give text; rio.yaml gives the text as written (see readFile).
    port: z.preprocess(
      (value) => (typeof value === 'string' && /^\d{1,5}$/.test(value) ? Number(value) : value),
      z.number({ error: PORT }).int(PORT).min(0, PORT).max(65_535, PORT),
    ),
    host: z.string().min(1),
    adminToken: z
      .string()
      .min(16, 'must be at least 16 characters (`rio init` generates one)')
      .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
      .optional(),
    publicUrl: z.url({ protocol: /^https?$/ }).optional(),
    logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']),
    logFormat: z.enum(['json', 'pretty']).optional(),
    // Flags and env give strings; rio.yaml gives YAML booleans (or the strings).
    secureCookies: z.preprocess(
      (value) => (value === 'true' ? true : value === 'false' ? false : value),
      z.union([z.literal('auto'), z.boolean()], { error: 'must be auto, true or false' }),
    ),
    // Like the port: decimal digits from flags, env and rio.yaml alike.
    trustProxy: z.preprocess(
      (value) => (typeof value === 'string' && /^\d{1,2}$/.test(value) ? Number(value) : value),
      z.number({ error: TRUST_PROXY }).int(TRUST_PROXY).min(0, TRUST_PROXY).max(10, TRUST_PROXY),
    ),
    maxBodyBytes: wholeNumber(1, 1024 ** 3, 'the largest request body in bytes'),
    headersTimeoutMs: wholeNumber(0, DAY_MS, 'ms to send the headers, 0 for no limit'),
    requestTimeoutMs: wholeNumber(0, DAY_MS, 'ms to send a whole request, 0 for no limit'),
    maxConnections: wholeNumber(1, 10_000_000, 'connections open at once'),
    maxBufferedBodyBytes: wholeNumber(1, Number.MAX_SAFE_INTEGER, 'bytes of request bodies held at once'),
  })
  .strict()

const DEFAULTS = {
  database: './rio.db',
  port: 8009,
  host: '127.0.0.1',
  logLevel: 'info',
  secureCookies: 'auto',
  trustProxy: 0,
}
const KEYS = [
  'database',
  'port',
  'host',
  'adminToken',
  'publicUrl',
  'logLevel',
  'logFormat',
  'secureCookies',
  'trustProxy',
  ...SERVER_LIMIT_KEYS,
] as const
const ENV: Record<string, keyof Config> = {
  RIO_DATABASE: 'database',
  RIO_PORT: 'port',
  RIO_HOST: 'host',
  RIO_ADMIN_TOKEN: 'adminToken',
  RIO_PUBLIC_URL: 'publicUrl',
  RIO_LOG_LEVEL: 'logLevel',
  RIO_LOG_FORMAT: 'logFormat',
  RIO_SECURE_COOKIES: 'secureCookies',
  RIO_TRUST_PROXY: 'trustProxy',
  RIO_MAX_BODY_BYTES: 'maxBodyBytes',
  RIO_HEADERS_TIMEOUT_MS: 'headersTimeoutMs',
  RIO_REQUEST_TIMEOUT_MS: 'requestTimeoutMs',
  RIO_MAX_CONNECTIONS: 'maxConnections',
  RIO_MAX_BUFFERED_BODY_BYTES: 'maxBufferedBodyBytes',
}

/**
 * The config file: `RIO_CONF` names a directory holding `rio.yaml` (as in the original Rio) or the
 * file itself; without it, `./rio.yaml` when present.
 */
export function configPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.RIO_CONF) {
    const target = resolve(env.RIO_CONF)
    const isFile = existsSync(target) && statSync(target).isFile()
    return isFile ? target : join(target, 'rio.yaml')
  }
  return existsSync('rio.yaml') ? resolve('rio.yaml') : undefined
}

function readFile(file: string, env: NodeJS.ProcessEnv): Record<string, unknown> {
  if (!existsSync(file)) {
    throw new UsageError(
      `RIO_CONF points at ${file}, which does not exist`,
      `create it with \`rio init ${env.RIO_CONF ?? dirname(file)}\`, or unset RIO_CONF`,
    )
  }
  let doc: ReturnType<typeof parseDocument>
  let data: unknown
  try {
    doc = parseDocument(readFileSync(file, 'utf8'))
    if (doc.errors.length > 0) throw doc.errors[0]
    data = doc.toJS()
  } catch (error) {
    // A syntax error's message quotes the lines around it, which may hold the admin token (this
    // message goes to `rio start`'s log): the position alone is given.
    const message = (error as Error).message.split(':\n\n')[0]
    throw new UsageError(`cannot read ${file}: ${message}`, 'fix the YAML syntax')
  }
  if (data === null || data === undefined) return {}
  if (typeof data !== 'object' || Array.isArray(data))
    throw new UsageError(`${file} must hold a YAML mapping of settings (key: value lines)`)
  // Numbers as written: YAML reads `0x50`, `+80`, `1e2` and `80.0` as the number 80 or 100.
  for (const key of ['port', 'trustProxy', ...SERVER_LIMIT_KEYS]) {
    const node = doc.get(key, true)
    if (isScalar(node) && typeof node.value === 'number' && node.source !== undefined)
      (data as Record<string, unknown>)[key] = node.source
  }
  return data as Record<string, unknown>
}

/**
 * The refused value, quoted so that a stray space or a `\r` from an env file shows (`; got "80\r"`).
 * The admin token is never echoed, only its length; a URL's credentials are redacted.
 */
function shownValue(key: string, value: unknown): string {
  if (value === undefined) return ''
  if (key === 'adminToken')
    return typeof value === 'string' ? `; got ${value.length} characters (not shown)` : ''
  // A string is quoted; a YAML number, list or mapping is shown as JSON.
  if (typeof value !== 'string') return `; got ${JSON.stringify(value)?.slice(0, 200) ?? typeof value}`
  const shown = key === 'publicUrl' ? redactUrl(value) : value
  return `; got ${JSON.stringify(shown.length > 200 ? `${shown.slice(0, 200)}…` : shown)}`
}

/**
 * Resolves the configuration: each key from the first of flags, environment, file, defaults, and
 * where it came from. A relative `database` in the file is taken relative to the file's directory.
 * @throws {@link UsageError} naming the bad key and where its value came from
 */
export function resolveConfig(
  flags: Partial<Record<keyof Config, unknown>>,
  env: NodeJS.ProcessEnv = process.env,
): { config: Config; sources: ConfigSources } {
  const merged: Record<string, unknown> = { ...DEFAULTS }
  const sources = Object.fromEntries(KEYS.map((k) => [k, 'default'])) as ConfigSources
  const source = sources as Record<string, string>
  const file = configPath(env)
  if (file) {
    for (const [key, value] of Object.entries(readFile(file, env))) {
      merged[key] =
        key === 'database' && typeof value === 'string' && !isAbsolute(value) && value !== ':memory:'
          ? join(dirname(file), value)
          : value
      source[key] = file
    }
  }
  for (const [name, key] of Object.entries(ENV)) {
    if (env[name] !== undefined && env[name] !== '') {
      merged[key] = env[name]
      sources[key] = `env ${name}`
    }
  }
  for (const [key, value] of Object.entries(flags)) {
    if (value !== undefined) {
      merged[key] = value
      source[key] = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`
    }
  }
  const parsed = schema.safeParse(merged)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    if (issue.code === 'unrecognized_keys') {
      throw new UsageError(
        `unknown setting ${issue.keys.join(', ')} (in ${file ?? 'the config file'})`,
        `the settings are ${KEYS.join(', ')}`,
      )
    }
    const key = String(issue.path[0] ?? '')
    throw new UsageError(
      `invalid setting ${key} (from ${source[key] ?? 'the config file'}): ${issue.message}${shownValue(key, merged[key])}`,
    )
  }
  return {
    config: {
      adminToken: undefined,
      publicUrl: undefined,
      logFormat: undefined,
      maxBodyBytes: undefined,
      headersTimeoutMs: undefined,
      requestTimeoutMs: undefined,
      maxConnections: undefined,
      maxBufferedBodyBytes: undefined,
      ...parsed.data,
    },
    sources,
  }
}

/** {@link resolveConfig} without the sources. */
export function loadConfig(
  flags: Partial<Record<keyof Config, unknown>>,
  env: NodeJS.ProcessEnv = process.env,
): Config {
  return resolveConfig(flags, env).config
}

/** The base URL other services reach Rio at: `publicUrl`, else from host and port. */
export function baseUrl(config: Pick<Config, 'publicUrl' | 'host' | 'port'>): string {
  if (config.publicUrl) return config.publicUrl.replace(/\/+$/, '')
  // A wildcard bind is not an address a client can use; on this machine, loopback is.
  const host = ['0.0.0.0', '::', ''].includes(config.host) ? '127.0.0.1' : config.host
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.port}`
}
