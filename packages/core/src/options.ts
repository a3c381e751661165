import type { Database } from 'better-sqlite3'
import { z } from 'zod'
import { type Clock, systemClock } from './clock.js'
import { formatIssues, RioValidationError } from './errors.js'
import { projectNameSchema } from './events/event-name.js'
import type { Store } from './store/store.js'

/** Svix's schedule: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h — 8 attempts over about 27 h. */
export const DEFAULT_RETRY_SCHEDULE: readonly number[] = [
  0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000,
]

/** Everything a {@link Rio} can be configured with. Parsed once by the constructor, before any I/O. */
export interface RioOptions {
  /**
   * Where events live: a SQLite file path, `':memory:'`, or an open better-sqlite3 `Database` (to
   * share the host's connection and emit inside its transactions).
   * @default './rio.db'
   */
  database?: string | Database
  /** A store to use instead of SQLite (e.g. a PostgreSQL store); `database` is then ignored. */
  store?: Store
  /**
   * SQLite durability: `full` fsyncs every commit (an emit that resolved survives a power cut);
   * `normal` survives a process crash only, and commits faster.
   * @default 'full'
   */
  synchronous?: 'full' | 'normal'
  /** The project `emit()` and `webhook()` use when none is given. @default 'default' */
  project?: string
  /** Largest serialised payload accepted, in bytes. @default 262144 (256 KiB) */
  maxPayloadBytes?: number
  /** Most emits written in one group-commit transaction. @default 1000 */
  maxBatchSize?: number
  /**
   * Deliveries running at once in this process, across all handlers. With more than one handler, a
   * sixteenth of it (at least 1) is kept for handlers with nothing running, one delivery each: slow
   * or hanging endpoints can fill the rest, never all of it, so a healthy handler is not made to wait
   * for their timeouts.
   * @default 256
   */
  concurrency?: number
  /** Default per-handler concurrency for handlers that do not set one. @default 32 */
  handlerConcurrency?: number
  /** Delays in ms before each attempt (the first is taken as immediate). @default {@link DEFAULT_RETRY_SCHEDULE} */
  retrySchedule?: readonly number[]
  /** Up to this fraction is added to each retry delay; never subtracted. @default 0.2 */
  retryJitter?: number
  /** Longest delay a `Retry-After` hint can impose, in ms. @default 36000000 (10 h) */
  maxRetryAfterMs?: number
  /** A timeout or a 429 waits at least this long before the next attempt, in ms. @default 60000 */
  throttleMinDelayMs?: number
  /** Default webhook and function timeout in ms, at most 600000 (10 minutes), as for one handler. @default 15000 */
  timeoutMs?: number
  /**
   * How long a claimed delivery stays owned by this process; a crashed process's claims come back
   * after it. Must exceed `timeoutMs`: the difference is the margin a lease keeps over its attempt
   * (for writing the result). A handler whose own `timeoutMs` is longer than Rio's is claimed for
   * that much longer (`leaseMs + handler timeout - timeoutMs`), so no lease runs out mid-attempt.
   * @default 60000
   */
  leaseMs?: number
  /** How often to look for due deliveries written by other processes, in ms. @default 1000 */
  pollIntervalMs?: number
  /** Deliveries claimed per handler per round. @default 100 */
  claimBatchSize?: number
  /** A handler whose deliveries have all failed for this long is disabled, in ms. @default 432000000 (5 days) */
  disableFailingAfterMs?: number
  /** After this many failed attempts in a row a delivery emits `delivery.failing`. @default 3 */
  failingAfterAttempts?: number
  /** How long `stop()` waits for in-flight deliveries before releasing them, in ms. @default 10000 */
  stopTimeoutMs?: number
  /**
   * Refuse webhook connections to loopback, private, link-local, CGNAT, unspecified, multicast and
   * reserved addresses, checked on the address actually connected to (so DNS rebinding cannot get
   * around it). @default false
   */
  blockPrivateAddresses?: boolean
  /** Bytes of each response body kept with the attempt. @default 4096 */
  maxResponseBytes?: number
  /**
   * Most webhook origins (`scheme://host:port`) with a keep-alive connection pool at once. Sending
   * to one more closes the least recently used origin's pool (after its requests in flight), so
   * handlers at thousands of hosts, created and removed over months, hold no more sockets than
   * this. Raise it above the number of hosts you deliver to continuously: past it, connections
   * (and TLS handshakes) are no longer reused. An idle connection closes after 60 s at most.
   * @default 1000
   */
  maxWebhookOrigins?: number
  /** Injected time source, for tests. @default the system clock */
  clock?: Clock
  /** Random numbers in [0, 1) for retry jitter, for tests. @default Math.random */
  random?: () => number
}

const ms = z.number().int().nonnegative()
const positive = z.number().int().positive()

const optionsSchema: z.ZodType<ResolvedOptions> = z.object({
  database: z.union([
    z.string().min(1),
    z.custom<Database>((v) => typeof v === 'object' && v !== null && 'prepare' in v),
  ]),
  store: z.custom<Store>((v) => typeof v === 'object' && v !== null && 'insertEvents' in v).optional(),
  synchronous: z.enum(['full', 'normal']),
  project: projectNameSchema,
  maxPayloadBytes: positive.max(64 * 1024 * 1024),
  maxBatchSize: positive.max(100_000),
  concurrency: positive.max(100_000),
  handlerConcurrency: positive.max(100_000),
  retrySchedule: z.array(ms).min(1).max(100),
  retryJitter: z.number().min(0).max(10),
  maxRetryAfterMs: ms,
  throttleMinDelayMs: ms,
  timeoutMs: positive.max(600_000),
  leaseMs: positive,
  pollIntervalMs: positive,
  claimBatchSize: positive.max(100_000),
  disableFailingAfterMs: positive,
  failingAfterAttempts: positive,
  stopTimeoutMs: ms,
  blockPrivateAddresses: z.boolean(),
  maxResponseBytes: ms.max(1024 * 1024),
  maxWebhookOrigins: positive.max(1_000_000),
  clock: z.custom<Clock>((v) => typeof v === 'object' && v !== null && 'now' in v && 'setTimeout' in v),
  random: z.custom<() => number>((v) => typeof v === 'function'),
})

/** Options after defaults and validation. */
export type ResolvedOptions = Required<Omit<RioOptions, 'store' | 'retrySchedule'>> & {
  readonly store?: Store
  readonly retrySchedule: readonly number[]
}

const defaults: Omit<ResolvedOptions, 'store'> = {
  database: './rio.db',
  synchronous: 'full',
  project: 'default',
  maxPayloadBytes: 256 * 1024,
  maxBatchSize: 1000,
  concurrency: 256,
  handlerConcurrency: 32,
  retrySchedule: [...DEFAULT_RETRY_SCHEDULE],
  retryJitter: 0.2,
  maxRetryAfterMs: 36_000_000,
  throttleMinDelayMs: 60_000,
  timeoutMs: 15_000,
  leaseMs: 60_000,
  pollIntervalMs: 1000,
  claimBatchSize: 100,
  disableFailingAfterMs: 5 * 24 * 3600 * 1000,
  failingAfterAttempts: 3,
  stopTimeoutMs: 10_000,
  blockPrivateAddresses: false,
  maxResponseBytes: 4096,
  maxWebhookOrigins: 1000,
  clock: systemClock,
  random: Math.random,
}

/**
 * Applies defaults and validates.
 * @throws {@link RioValidationError} (`invalid_options`) naming each bad field
 */
export function resolveOptions(options: RioOptions = {}): ResolvedOptions {
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined))
  const parsed = optionsSchema.safeParse({ ...defaults, ...given })
  if (!parsed.success) {
    throw new RioValidationError(
      'invalid_options',
      `invalid Rio options: ${formatIssues(parsed.error.issues)}`,
      {
        issues: parsed.error.issues,
      },
    )
  }
  if (parsed.data.leaseMs <= parsed.data.timeoutMs) {
    throw new RioValidationError(
      'invalid_options',
      `invalid Rio options: leaseMs (${parsed.data.leaseMs}) must be longer than timeoutMs (${parsed.data.timeoutMs}), or a slow attempt could be claimed twice`,
    )
  }
  return parsed.data
}
