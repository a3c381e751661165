import { createServer, type Server } from 'node:http'
import { basename, isAbsolute, relative } from 'node:path'
import type { Rio } from '@rio/core'
import { verify } from '@rio/signature'
import { Client } from 'rio-client'

/**
 * How to run this very `rio` again from the shell: `rio` when it was started under that name (an
 * installed package's bin), else `node <path of the script>` — from a clone, `rio` is on no PATH
 * (pnpm links the bin only when `dist/bin.js` existed at install time), so printing a bare `rio`
 * would send a newcomer to "command not found".
 *
 * @param script - the script node runs (`process.argv[1]`)
 * @param cwd - where the command will be typed (default: the current directory)
 * @returns a command prefix such as `node packages/cli/dist/bin.js`
 */
export function rioCommand(script: string | undefined, cwd: string = process.cwd()): string {
  if (!script || basename(script) === 'rio') return 'rio'
  const near = relative(cwd, script)
  const path = near && !near.startsWith('..') && !isAbsolute(near) ? near : script
  return `node ${shellQuote(path)}`
}

/** A path as one POSIX shell word: as it is when it holds only safe characters, else single-quoted. */
function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`
}

/**
 * The demo: a receiver on a free port that checks every signature, two webhooks to it (one fails
 * each event's first attempt, so a retry shows), a sender, and a few events emitted over HTTP with
 * rio-client — deliveries happen within seconds.
 */
export async function startDemo(
  rio: Rio,
  {
    url,
    database,
    out,
    command = rioCommand(process.argv[1]),
  }: {
    url: string
    database: string
    out: (line: string) => void
    /** How the printed next steps invoke the CLI; default from {@link rioCommand}. */
    command?: string
  },
): Promise<{ close(): Promise<void> }> {
  const seen = new Set<string>()
  const secrets: Record<string, string> = {}
  const receiver: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const path = req.url ?? '/'
      const secret = secrets[path]
      try {
        if (!secret) throw new Error('unknown path')
        const { id } = verify(Buffer.concat(chunks), req.headers, secret)
        if (path === '/webhook/notify' && !seen.has(id)) {
          seen.add(id)
          out(`receiver: ${path} ${id} signature ok — answering 503 once, Rio will retry`)
          res.writeHead(503, { 'retry-after': '2' }).end('try again')
          return
        }
        out(`receiver: ${path} ${id} signature ok — 200`)
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"is_spam":false}')
      } catch (error) {
        out(`receiver: ${path} refused: ${(error as Error).message}`)
        res.writeHead(401).end()
      }
    })
  })
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  const address = receiver.address()
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`

  const antispam = await rio.webhook('comment-published', {
    project: 'demo',
    name: 'antispam',
    url: `${base}/webhook/antispam`,
  })
  const notify = await rio.webhook('comment-*', {
    project: 'demo',
    name: 'notify',
    url: `${base}/webhook/notify`,
    contentType: 'form',
  })
  secrets['/webhook/antispam'] = antispam.secrets[0]!
  secrets['/webhook/notify'] = notify.secrets[0]!
  await rio.removeSender('demo', 'demo-sender')
  const { secret } = await rio.createSender('demo', 'demo-sender')
  const { host } = new URL(url)
  const dsn = `http://demo-sender:${secret}@${host}/demo`
  out(`demo: receiver on ${base}; sender DSN ${dsn}`)

  const client = new Client({ dsn })
  for (const [n, content] of ['Hello Rio', 'I am a spammer', 'Nice post!'].entries()) {
    const { id } = await client.emit('comment-published', { id: n + 1, ip: '127.0.0.1', content })
    out(`demo: emitted comment-published ${id}`)
  }
  await client.close()
  const db = shellQuote(database)
  for (const line of [
    `demo: watch them in the dashboard (${url}/dashboard/), or in another terminal, from this directory:`,
    `  ${command} deliveries list --database ${db}`,
    `  ${command} deliveries show <id> --database ${db}     # every attempt; \`deliveries retry <id>\` re-triggers one`,
    // The secret stays in the DSN line alone: what the demo prints is also its log.
    `demo: emit one yourself, with the DSN's secret (the original Rio route; the JSON one is POST ${url}/api/v1/projects/demo/events):`,
    `  curl -u 'demo-sender:<secret>' ${url}/event/demo/emit/comment-published -H 'content-type: application/json' -d '{"id":4,"content":"hello"}'`,
    `demo: point a webhook of your own at it (prints the signing secret for your receiver; examples/express-receiver listens there):`,
    `  ${command} handler add demo comment-published http://127.0.0.1:3000/webhook/comment/antispam --name mine --database ${db}`,
  ])
    out(line)
  return {
    close: () =>
      new Promise<void>((resolve) => {
        receiver.closeAllConnections()
        receiver.close(() => resolve())
      }),
  }
}
