import type { Handler, Rio } from '@rio/core'
import type { Command } from 'commander'
import { type CommonOptions, common, parseCount, parsePositive, print, withRio } from '../context.js'
import { UsageError } from '../errors.js'
import { escapeControls } from '../escape-controls.js'
import { redactHeaders } from '../redact-headers.js'
import { redactHandlerName, redactUrl } from '../redact-url.js'

const columns = [
  { header: 'id', value: (h: Handler) => h.id },
  { header: 'project', value: (h: Handler) => h.project },
  { header: 'name', value: (h: Handler) => h.name, shrink: true },
  { header: 'kind', value: (h: Handler) => h.kind },
  { header: 'pattern', value: (h: Handler) => h.pattern },
  { header: 'url', value: (h: Handler) => (h.kind === 'webhook' ? h.url : null), shrink: true },
  {
    header: 'enabled',
    value: (h: Handler) => (h.enabled ? 'yes' : `no (${h.disabledReason ?? 'manual'})`),
    shrink: true,
  },
  { header: 'failing since', value: (h: Handler) => h.failingSince },
]

/**
 * A handler fit to print, in a table or as JSON (which ends up in tickets and CI logs too): its URL,
 * and a name that holds it (the default `<pattern> <url>`), redacted as the logs and the dashboard
 * do; the values of credential-like static headers (`authorization`, `x-api-key`, cookies, …) shown
 * as `***`; its signing secrets hidden unless `secrets` (only `handler add` prints the secret, once).
 * The admin API (`GET /api/v1/handlers/<id>`) returns all of them in full.
 */
function shown(handler: Handler, { secrets = false }: { secrets?: boolean } = {}): Handler {
  if (handler.kind !== 'webhook') return handler
  return {
    ...handler,
    name: redactHandlerName(handler),
    url: redactUrl(handler.url),
    headers: redactHeaders(handler.headers),
    secrets: secrets ? handler.secrets : handler.secrets.map(() => '(hidden)'),
  }
}

/** How many handlers `handler list` reads at a time. */
const LIST_PAGE = 1000

/**
 * Every handler (of `project`, when given), by project and name, fit to print: read a page at a
 * time, so each page's rows are let go once redacted, rather than all 10 000 read at once.
 */
async function everyHandler(rio: Rio, project: string | undefined): Promise<Handler[]> {
  const all: Handler[] = []
  let after: string | undefined
  for (;;) {
    const page = await rio.listHandlers({ ...(project ? { project } : {}), after, limit: LIST_PAGE })
    for (const h of page) all.push(shown(h))
    if (page.length < LIST_PAGE) return all
    after = page.at(-1)!.id
  }
}

interface AddOptions extends CommonOptions {
  name?: string
  contentType?: 'json' | 'form' | 'form-payload'
  method?: 'POST' | 'PUT' | 'GET'
  header: string[]
  timeout?: string
  concurrency?: string
  rateLimit?: string
  secret?: string
}

/** `rio handler add|list|enable|disable|remove`. */
export function addHandler(program: Command): void {
  const handler = program.command('handler').description('webhooks subscribed to events')
  common(
    handler
      .command('add')
      .argument('<project>')
      .argument('<pattern>', 'event name, or a pattern with * (comment.*, *)')
      .argument('<url>', 'http(s) URL; may hold {{ payload.x }}')
      .option('--name <name>', 'stable name (default: "<pattern> <url>")')
      .option('--content-type <type>', 'json, form or form-payload')
      .option('--method <method>', 'POST, PUT or GET')
      .option(
        '--header <k=v>',
        'static header (repeatable)',
        (v: string, all: string[]) => [...all, v],
        [] as string[],
      )
      .option('--timeout <ms>', 'request timeout in ms')
      .option('--concurrency <n>', 'deliveries at once, in each process that dispatches')
      .option(
        '--rate-limit <n>',
        'deliveries started per second, in each process that dispatches (fractions allowed)',
      )
      .option('--secret <secret>', 'signing secret (default: generated, printed once)')
      .description('add (or update) a webhook; prints its signing secret'),
  ).action((project: string, pattern: string, url: string, options: AddOptions) =>
    withRio(
      options,
      async (rio) => {
        const headers = Object.fromEntries(
          options.header.map((h) => {
            const at = h.indexOf('=')
            // Never echo the argument: a mistyped `--header "authorization: Bearer …"` holds a credential.
            if (at < 1) {
              throw new UsageError(
                `a --header value is not name=value (got ${h.length} characters${h.includes(':') ? ' with ":"' : ''}); write --header "authorization=Bearer …"`,
              )
            }
            return [h.slice(0, at), h.slice(at + 1)]
          }),
        )
        const created = await rio.webhook(pattern, {
          project,
          url,
          headers,
          ...(options.name ? { name: options.name } : {}),
          ...(options.contentType ? { contentType: options.contentType } : {}),
          ...(options.method ? { method: options.method.toUpperCase() as 'POST' | 'PUT' | 'GET' } : {}),
          ...(options.timeout ? { timeoutMs: parseCount(options.timeout, '--timeout') } : {}),
          ...(options.concurrency ? { concurrency: parseCount(options.concurrency, '--concurrency') } : {}),
          ...(options.rateLimit ? { rateLimit: parsePositive(options.rateLimit, '--rate-limit') } : {}),
          ...(options.secret ? { secret: options.secret } : {}),
        })
        if (options.json)
          process.stdout.write(`${JSON.stringify(shown(created, { secrets: true }), null, 2)}\n`)
        else
          process.stdout.write(
            `${formatOne(shown(created))}signing secret (give it to the receiver): ${created.secrets[0]}\n`,
          )
      },
      { create: true },
    ),
  )
  common(handler.command('list').option('--project <project>').description('list handlers')).action(
    (options: CommonOptions & { project?: string }) =>
      withRio(options, async (rio) => {
        if (options.project) await rio.getProject(options.project) // exit 3 for a typo, not "(none)"
        print(options, await everyHandler(rio, options.project), columns)
      }),
  )
  for (const verb of ['enable', 'disable', 'remove'] as const) {
    common(handler.command(verb).argument('<id>').description(`${verb} a handler`)).action(
      (id: string, options: CommonOptions) =>
        withRio(options, async (rio) => {
          if (verb === 'remove') {
            const { cancelled } = await rio.removeHandler(id)
            process.stdout.write(
              options.json
                ? `${JSON.stringify({ id, cancelled })}\n`
                : `removed ${id}; ${cancelled} unfinished deliveries cancelled\n`,
            )
            return
          }
          const changed = verb === 'enable' ? await rio.enableHandler(id) : await rio.disableHandler(id)
          print(options, shown(changed), columns)
        }),
    )
  }

  function formatOne(h: Handler): string {
    const text = `handler ${h.id} "${h.name}" (${h.pattern} → ${h.kind === 'webhook' ? h.url : 'function'}) in project ${h.project}`
    return `${escapeControls(text)}\n`
  }
}
