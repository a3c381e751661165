import type { Command } from 'commander'

/** `rio health --url <server>`: asks a running server; exit 0 healthy, 1 with problems. */
export function addHealth(program: Command): void {
  program
    .command('health')
    .option(
      '--url <url>',
      'the Rio server',
      `http://${process.env.RIO_HOST ?? '127.0.0.1'}:${process.env.RIO_PORT ?? '8009'}`,
    )
    .option('--json', 'print the JSON answer')
    .description('check a running Rio: dispatcher heartbeat, backlog, recent dead deliveries, database')
    .action(async (options: { url: string; json?: boolean }) => {
      let res: Response
      try {
        res = await fetch(new URL('/_health/?full', options.url))
      } catch (error) {
        throw new Error(
          `cannot reach Rio at ${options.url} (${(error as Error).message}); is \`rio start\` running?`,
        )
      }
      const body = (await res.json()) as { problems: string[] }
      if (options.json) process.stdout.write(`${JSON.stringify(body)}\n`)
      else
        process.stdout.write(
          body.problems.length ? `${body.problems.map((p) => `problem: ${p}`).join('\n')}\n` : 'ok\n',
        )
      if (body.problems.length > 0) process.exitCode = 1
    })
}
