import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'

/** Settings of the standalone server, after precedence: flags > `RIO_*` env > config file > defaults. */
export interface Config {
  database: string
  port: number
  host: string
  adminToken: string | undefined
  logLevel: string
  logFormat: 'json' | 'pretty' | undefined
}

const schema = z
  .object({
    database: z.string().min(1),
    port: z.coerce.number().int().min(0).max(65_535),
    host: z.string().min(1),
    adminToken: z.string().min(16, 'must be at least 16 characters').optional(),
    logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']),
    logFormat: z.enum(['json', 'pretty']).optional(),
  })
  .strict()

const DEFAULTS = { database: './rio.db', port: 8009, host: '127.0.0.1', logLevel: 'info' }
const ENV: Record<string, keyof Config> = {
  RIO_DATABASE: 'database',
  RIO_PORT: 'port',
  RIO_HOST: 'host',
  RIO_ADMIN_TOKEN: 'adminToken',
  RIO_LOG_LEVEL: 'logLevel',
  RIO_LOG_FORMAT: 'logFormat',
}

/** The config file: `$RIO_CONF/rio.yaml` when `RIO_CONF` is set (as in the original Rio), else `./rio.yaml` if present. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.RIO_CONF) return join(resolve(env.RIO_CONF), 'rio.yaml')
  return existsSync('rio.yaml') ? resolve('rio.yaml') : undefined
}

/**
 * Resolves the configuration: each key from the first of flags, environment, file, defaults.
 * A relative `database` in the file is taken relative to the file's directory.
 * @throws Error naming the bad key and where its value came from
 */
export function loadConfig(
  flags: Partial<Record<keyof Config, unknown>>,
  env: NodeJS.ProcessEnv = process.env,
): Config {
  const merged: Record<string, unknown> = { ...DEFAULTS }
  const source: Record<string, string> = Object.fromEntries(Object.keys(DEFAULTS).map((k) => [k, 'default']))
  const file = configPath(env)
  if (file) {
    if (!existsSync(file))
      throw new Error(`RIO_CONF points at ${file}, which does not exist; run \`rio init ${env.RIO_CONF}\``)
    const data = (parseYaml(readFileSync(file, 'utf8')) ?? {}) as Record<string, unknown>
    if (typeof data !== 'object' || Array.isArray(data))
      throw new Error(`${file} must hold a YAML mapping of settings`)
    for (const [key, value] of Object.entries(data)) {
      merged[key] =
        key === 'database' && typeof value === 'string' && !value.startsWith('/') && value !== ':memory:'
          ? join(resolve(file, '..'), value)
          : value
      source[key] = file
    }
  }
  for (const [name, key] of Object.entries(ENV)) {
    if (env[name] !== undefined && env[name] !== '') {
      merged[key] = env[name]
      source[key] = `env ${name}`
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
    const key = String(issue.path[0] ?? '')
    throw new Error(
      `invalid setting ${key || '(unknown)'} (from ${source[key] ?? file ?? 'the config file'}): ${issue.message}`,
    )
  }
  return { adminToken: undefined, logFormat: undefined, ...parsed.data }
}
