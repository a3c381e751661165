// A Hono app receiving Rio's webhooks through the Web Request API, so the same code runs on Node,
// Bun, Deno, Cloudflare Workers or a Next.js route handler. verifyRequest() reads the raw body
// itself (WebCrypto), so nothing may read it first.
import { createServer } from 'node:http'
import { pathToFileURL } from 'node:url'
import { verifyRequest, webhookResponse } from '@rio/signature/web'
import { Hono } from 'hono'

/** The Hono app: `POST /webhook/comment/antispam`. */
export function createApp(options: { secret: string; onComment?: (content: string) => void }): Hono {
  const app = new Hono()
  app.post('/webhook/comment/antispam', async (c) => {
    try {
      const { payload } = await verifyRequest(c.req.raw, { secret: options.secret })
      const content = String((payload as { content?: unknown } | null)?.content ?? '')
      options.onComment?.(content)
      return c.json({ is_spam: /spam/i.test(content) })
    } catch (error) {
      return webhookResponse(error)
    }
  })
  return app
}

/** Serves the app on node:http (a tiny bridge from IncomingMessage to a Web Request). */
export async function main(options: {
  secret: string
  port?: number
  onComment?: (content: string) => void
}): Promise<{ url: string; close(): Promise<void> }> {
  const app = createApp(options)
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const headers = new Headers()
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v)
    const response = await app.fetch(
      new Request(`http://127.0.0.1${req.url}`, {
        method: req.method ?? 'GET',
        headers,
        ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body: Buffer.concat(chunks) }),
      }),
    )
    res.writeHead(response.status, Object.fromEntries(response.headers))
    res.end(Buffer.from(await response.arrayBuffer()))
  })
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve))
  const address = server.address()
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

// Run directly (`pnpm start`), not imported by the test.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const secret = process.env.RIO_WEBHOOK_SECRET
  if (!secret) throw new Error('set RIO_WEBHOOK_SECRET to the handler secret Rio printed')
  const { url } = await main({ secret, port: Number(process.env.PORT ?? 3002) })
  console.log(`antispam receiver on ${url}/webhook/comment/antispam`)
}
