import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'

/** A request listener. */
export type Listener = (req: IncomingMessage, res: ServerResponse) => void

/** A handler served under a path prefix (`/metrics`, `/dashboard`), ahead of the API. */
export interface Mount {
  readonly path: string
  readonly handle: Listener
}

/** A listening {@link serve} server. */
export interface Served {
  /** `http://host:port`, with the port actually bound. */
  readonly url: string
  readonly port: number
  /** Stops accepting, ends idle keep-alive sockets now and busy ones after `graceMs`. */
  close(): Promise<void>
}

function matches(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`)
}

/**
 * Serves the API with other handlers mounted beside it on one `node:http` server: a request goes
 * to the first mount whose path prefixes it, everything else to `api`.
 * @throws the listen error (e.g. `EADDRINUSE`) when the port cannot be bound
 */
export async function serve(options: {
  api: Listener
  mounts?: readonly Mount[]
  port: number
  host: string
  graceMs?: number
}): Promise<Served> {
  const mounts = options.mounts ?? []
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!
    const mount = mounts.find((m) => matches(path, m.path))
    ;(mount ? mount.handle : options.api)(req, res)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : options.port
  const host = options.host.includes(':') ? `[${options.host}]` : options.host
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeIdleConnections()
        setTimeout(() => server.closeAllConnections(), options.graceMs ?? 2000).unref()
      }),
  }
}
