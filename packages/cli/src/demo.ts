import { createServer, type Server } from 'node:http'
import type { Rio } from '@rio/core'
import { verify } from '@rio/signature'
import { Client } from 'rio-client'

/**
 * The demo: a receiver on a free port that checks every signature, two webhooks to it (one fails
 * each event's first attempt, so a retry shows), a sender, and a few events emitted over HTTP with
 * rio-client — deliveries happen within seconds.
 */
export async function startDemo(
  rio: Rio,
  { url, database, out }: { url: string; database: string; out: (line: string) => void },
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
  out(
    `demo: watch them in the dashboard (${url}/dashboard/), or with \`rio deliveries list --database ${database}\``,
  )
  return {
    close: () =>
      new Promise<void>((resolve) => {
        receiver.closeAllConnections()
        receiver.close(() => resolve())
      }),
  }
}
