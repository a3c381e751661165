/**
 * A sender service: emits `comment-published` events to a Rio server through `rio-client`, as in
 * the original Rio docs — Rio then calls every handler subscribed to the event (an antispam
 * webhook, a notifier…) without this service knowing about them.
 *
 * Run it: `RIO_DSN=http://<sender>:<secret>@127.0.0.1:8009/<project> pnpm --filter @rio/example-sender start`
 * (`COUNT=5` publishes five comments).
 *
 * @module
 */
import { pathToFileURL } from 'node:url'
import { Client } from 'rio-client'

/** Options of {@link main}. */
export interface SenderOptions {
  /** Where to emit: `http[s]://<sender>:<secret>@<host>[:port][/<prefix>]/<project>`. */
  dsn: string
  /** How many comments to publish. Default 3. */
  count?: number
}

/** The comment published as number `n` (from 1); the first is the original docs' spammer. */
export function comment(n: number): { id: number; ip: string; content: string } {
  return n === 1
    ? { id: 1, ip: '127.0.0.1', content: 'I am a spammer' }
    : { id: n, ip: `192.0.2.${n % 256}`, content: `Comment number ${n}: thanks for the write-up!` }
}

/**
 * Publishes `count` comments as `comment-published` events.
 *
 * Each event's idempotency key comes from the comment's id, so running this again — after a
 * crash, say — makes Rio answer with the same event ids instead of storing the events twice.
 *
 * @param options - `dsn` (required), `count` (default 3)
 * @returns the ids Rio gave the events, in order
 * @throws whatever `rio-client` throws: a `DsnError` for a bad DSN, a `RioHttpError` when Rio
 *   refuses (401: wrong secret), a `ConnectionError` when Rio stays unreachable
 */
export async function main(options: SenderOptions): Promise<{ ids: string[] }> {
  const { dsn, count = 3 } = options
  const client = new Client({ dsn })
  try {
    const ids: string[] = []
    for (let n = 1; n <= count; n++) {
      const { id } = await client.emit('comment-published', comment(n), {
        idempotencyKey: `comment-${n}:published`,
      })
      ids.push(id)
    }
    return { ids }
  } finally {
    await client.close()
  }
}

/**
 * The options of {@link main} from the environment, as `pnpm start` runs it.
 *
 * @param env - `RIO_DSN` (required) and `COUNT` (a whole number ≥ 1; default 3)
 * @returns the options
 * @throws Error naming the variable and what to set it to, when one is missing or not a count
 */
export function optionsFromEnv(env: Record<string, string | undefined>): SenderOptions {
  const dsn = env.RIO_DSN
  if (!dsn)
    throw new Error(
      'set RIO_DSN to the DSN Rio printed when the sender was created (`pnpm start` prints the demo\'s: "sender DSN http://demo-sender:…")',
    )
  const count = env.COUNT === undefined || env.COUNT === '' ? 3 : Number(env.COUNT)
  if (!Number.isInteger(count) || count < 1)
    throw new Error(`COUNT must be a whole number of comments, 1 or more (got ${JSON.stringify(env.COUNT)})`)
  return { dsn, count }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const { ids } = await main(optionsFromEnv(process.env))
    console.log(`emitted ${ids.length} comment-published events: ${ids.join(', ')}`)
  } catch (error) {
    // One line saying what is wrong (rio-client's messages name the fix), not a stack trace.
    console.error(`sender: ${(error as Error).message}`)
    process.exitCode = 1
  }
}
