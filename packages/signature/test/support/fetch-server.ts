import { createServer, type Server } from 'node:http'
import { Readable } from 'node:stream'

/**
 * A node:http server that hands each request to a Web `fetch` handler (Hono's `app.fetch`, a
 * Next.js-style route handler) as a real streamed `Request`, and writes its `Response` back.
 */
export function fetchServer(handler: (request: Request) => Promise<Response>): Server {
  return createServer(async (req, res) => {
    const headers = new Headers()
    for (const [name, value] of Object.entries(req.headers)) {
      for (const item of Array.isArray(value) ? value : [value])
        if (item !== undefined) headers.append(name, item)
    }
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD'
    const request = new Request(`http://${req.headers.host}${req.url}`, {
      method: req.method,
      headers,
      body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : null,
      duplex: 'half',
    } as RequestInit)
    const response = await handler(request)
    res.writeHead(response.status, Object.fromEntries(response.headers))
    res.end(Buffer.from(await response.arrayBuffer()))
  })
}
