import type { Sender } from '@rio/core'
import type { Command } from 'commander'
import { type CommonOptions, common, print, withRio } from '../context.js'
import { UsageError } from '../errors.js'

type CreateOptions = CommonOptions & { secret?: string; url?: string }

/** `rio sender create <project> [name]` (prints the DSN once), `rio sender list <project>`, `rio sender remove <project> <name>`. */
export function addSender(program: Command): void {
  const sender = program.command('sender').description('credentials that may emit into a project')
  common(
    sender
      .command('create')
      .argument('<project>')
      .argument('[name]', 'sender name', 'sender')
      .option('--secret <secret>', 'bring your own secret (default: a random one)')
      .option(
        '--url <url>',
        'base URL senders reach Rio at, for the DSN (default: publicUrl, else http://<host>:<port> from the configuration)',
      )
      .description('create a sender and print its DSN (the secret is shown only now)'),
  ).action(async (project: string, name: string, options: CreateOptions) => {
    const { baseUrl, loadConfig } = await import('../config.js')
    const url = options.url ?? baseUrl(loadConfig({}))
    const shownUrl = JSON.stringify(url.slice(0, 200))
    if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol))
      throw new UsageError(`--url ${shownUrl} is not an http(s) URL`)
    const { search, hash, username, password } = new URL(url)
    // The DSN appends the project to the path and puts the sender's credentials in: a query or
    // fragment would end up after the project, where rio-client refuses it.
    if (search || hash || username || password)
      throw new UsageError(
        `--url ${shownUrl} has a query, fragment or credentials; give the base URL senders reach Rio at (https://rio.example.com/rio)`,
      )
    return withRio(
      options,
      async (rio) => {
        const { sender, secret } = await rio.createSender(
          project,
          name,
          options.secret ? { secret: options.secret } : {},
        )
        // As the API builds it (encodeURIComponent leaves no "@", ":", "/", "#" or "?" raw), so
        // rio-client's parseDsn() reads back this very sender and secret; the project as written
        // (its name needs no escaping, and `shop%3Aeu` would be no project name to rio-client).
        const base = new URL(url)
        base.username = encodeURIComponent(sender.name)
        base.password = encodeURIComponent(secret)
        base.pathname = `${base.pathname.replace(/\/+$/, '')}/${project}`
        const dsn = base.href
        if (options.json)
          process.stdout.write(`${JSON.stringify({ project, name: sender.name, dsn }, null, 2)}\n`)
        else
          process.stdout.write(
            `created sender "${sender.name}" in project "${project}"\nDSN (shown once): ${dsn}\n`,
          )
      },
      { create: true },
    )
  })
  common(sender.command('list').argument('<project>').description('list the senders of a project')).action(
    (project: string, options: CommonOptions) =>
      withRio(options, async (rio) => {
        // A project that does not exist is exit 3, not an empty list: a typo must not look like "no senders".
        await rio.getProject(project)
        print(
          options,
          (await rio.listSenders(project)).map(({ secretHash: _hash, ...rest }) => rest),
          [
            { header: 'name', value: (s: Omit<Sender, 'secretHash'>) => s.name },
            { header: 'created', value: (s: Omit<Sender, 'secretHash'>) => s.createdAt },
          ],
        )
      }),
  )
  common(
    sender
      .command('remove')
      .argument('<project>')
      .argument('<name>')
      .description('revoke a sender: its DSN stops working (a running server refuses it within a second)'),
  ).action((project: string, name: string, options: CommonOptions) =>
    withRio(options, async (rio) => {
      const { RioNotFoundError } = await import('@rio/core')
      if (!(await rio.removeSender(project, name))) throw new RioNotFoundError('sender', `${project}/${name}`)
      process.stdout.write(
        options.json
          ? `${JSON.stringify({ project, name, removed: true })}\n`
          : `removed sender ${project}/${name}\n`,
      )
    }),
  )
}
