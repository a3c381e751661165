import type { Command } from 'commander'
import { type CommonOptions, common, withRio } from '../context.js'
import { CliError, CommandStatus, EXIT, UsageError } from '../errors.js'
import { escapeControls } from '../escape-controls.js'

interface HealthOptions extends CommonOptions {
  url?: string
}

/** Asks a running server: `GET <url>/_health/?full` answers `{ ok, problems }` (500 when there are problems). */
async function askServer(url: string): Promise<readonly string[]> {
  if (!URL.canParse(url)) throw new UsageError(`--url "${url}" is not a URL`)
  // Below the URL's path: behind a proxy at https://host/rio the server answers /rio/_health/.
  const base = new URL(url)
  base.pathname = base.pathname.replace(/\/*$/, '/')
  let res: Response
  try {
    res = await fetch(new URL('_health/?full', base), { signal: AbortSignal.timeout(10_000) })
  } catch (error) {
    throw new CliError(
      `cannot reach Rio at ${url} (${(error as Error).message}); is \`rio start\` running?`,
      EXIT.failure,
      'check the URL, or run `rio health` without --url to check the database directly',
    )
  }
  const body = (await res.json().catch(() => undefined)) as { problems?: unknown } | undefined
  if (!body || !Array.isArray(body.problems))
    throw new CliError(`${url} answered ${res.status} without a health report; is it a Rio server?`)
  return body.problems.map(String)
}

/**
 * `rio health [--url <server>]`: exit 0 healthy, 1 with problems. With `--url` it asks a running
 * server (which also knows whether its dispatcher is alive); without, it checks the database
 * directly: backlog, deliveries dead in the last hour, writability.
 */
export function addHealth(program: Command): void {
  common(
    program
      .command('health')
      .option('--url <url>', 'ask a running Rio server instead of opening the database')
      .description('check Rio: dispatcher heartbeat (with --url), backlog, recent dead deliveries, database')
      .addHelpText('after', '\nExit status: 0 healthy, 1 problems found (or Rio unreachable).'),
  ).action(async (options: HealthOptions) => {
    const problems = options.url
      ? await askServer(options.url)
      : await withRio(options, async (rio) => (await rio.health()).problems)
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ ok: problems.length === 0, problems })}\n`)
    } else {
      process.stdout.write(
        problems.length ? `${problems.map((p) => `problem: ${escapeControls(p)}`).join('\n')}\n` : 'ok\n',
      )
    }
    if (problems.length > 0) throw new CommandStatus(EXIT.failure)
  })
}
