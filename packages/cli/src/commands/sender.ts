import type { Sender } from '@rio/core'
import type { Command } from 'commander'
import { type CommonOptions, common, print, withRio } from '../context.js'

/** `rio sender create <project> [name]` (prints the DSN once) and `rio sender list <project>`. */
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
        'base URL of the Rio server, for the DSN',
        `http://${process.env.RIO_HOST ?? '127.0.0.1'}:${process.env.RIO_PORT ?? '8009'}`,
      )
      .description('create a sender and print its DSN (the secret is shown only now)'),
  ).action((project: string, name: string, options: CommonOptions & { secret?: string; url: string }) =>
    withRio(options, async (rio) => {
      const { sender, secret } = await rio.createSender(
        project,
        name,
        options.secret ? { secret: options.secret } : {},
      )
      const base = new URL(options.url)
      base.username = encodeURIComponent(sender.name)
      base.password = encodeURIComponent(secret)
      const dsn = `${base.toString().replace(/\/$/, '')}/${project}`
      if (options.json)
        process.stdout.write(`${JSON.stringify({ project, name: sender.name, dsn }, null, 2)}\n`)
      else
        process.stdout.write(
          `created sender "${sender.name}" in project "${project}"\nDSN (shown once): ${dsn}\n`,
        )
    }),
  )
  common(sender.command('list').argument('<project>').description('list the senders of a project')).action(
    (project: string, options: CommonOptions) =>
      withRio(options, async (rio) =>
        print(
          options,
          (await rio.listSenders(project)).map(({ secretHash: _hash, ...rest }) => rest),
          [
            { header: 'name', value: (s: Omit<Sender, 'secretHash'>) => s.name },
            { header: 'created', value: (s: Omit<Sender, 'secretHash'>) => s.createdAt },
          ],
        ),
      ),
  )
}
