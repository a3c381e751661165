import type { IncomingMessage } from 'node:http'
import { RioNotFoundError } from '../../errors.js'
import type { Sender } from '../../store/store.js'
import type { ResolvedApiOptions } from '../api-options.js'
import { createdSenderSchema, senderListSchema } from '../response-schemas.js'
import { type ApiContext, json, type Route } from '../route.js'
import { createSenderSchema, parseBody, pathParams, projectParam } from '../schemas.js'
import { readJson } from './read-json.js'

/** A sender as the API shows it: never the secret or its hash. */
function senderJson(sender: Sender) {
  return { project: sender.project, name: sender.name, createdAt: sender.createdAt }
}

const HOST = /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/

/**
 * The base URL of the DSNs this request gets: `publicUrl` when configured, else the request's
 * `Host` header, else (missing, not a plain host, or not a valid URL authority such as `x:99999`
 * or `[1.2.3.4]`) the socket's local address; then the path the API was reached under. Worked out
 * before the sender is written, so a bad `Host` header can never fail the request after the secret
 * was created.
 * @param prefix - the path the API was reached under (`ApiContext.prefix`): `basePath`, after the
 *   mount path a framework stripped (`app.use('/rio', …)` without `basePath` still gives `/rio`)
 */
export function dsnBase(req: IncomingMessage, options: ResolvedApiOptions, prefix = options.basePath): URL {
  if (options.publicUrl !== undefined) return new URL(options.publicUrl)
  const scheme = 'encrypted' in req.socket && req.socket.encrypted === true ? 'https' : 'http'
  const header = req.headers.host
  if (header && HOST.test(header)) {
    const fromHeader = parseUrl(`${scheme}://${header}${prefix}`)
    if (fromHeader) return fromHeader
  }
  // An IPv6 zone (`fe80::1%eth0`) is not allowed in a URL: drop it.
  const address = (req.socket.localAddress ?? '127.0.0.1').replace(/%.*$/, '')
  const host = `${address.includes(':') ? `[${address}]` : address}:${req.socket.localPort ?? 80}`
  return parseUrl(`${scheme}://${host}${prefix}`) ?? new URL(`${scheme}://127.0.0.1${prefix}`)
}

/**
 * The DSN a sender puts in its configuration: `http://<name>:<secret>@<host><basePath>/<project>`.
 * @param base - from {@link dsnBase}
 */
export function buildDsn(base: URL, project: string, name: string, secret: string): string {
  const url = new URL(base)
  // As written: a project name (letters, digits, ".", "_", ":", "-") needs no escaping in a path, and
  // rio-client reads the last segment as it stands (`shop%3Aeu` is no project name).
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${project}`
  url.username = encodeURIComponent(name)
  url.password = encodeURIComponent(secret)
  return url.href
}

function parseUrl(text: string): URL | null {
  try {
    return new URL(text)
  } catch {
    return null
  }
}

async function list(ctx: ApiContext) {
  ctx.auth.requireAdmin(ctx.req)
  const project = (await ctx.rio.getProject(projectParam(ctx.params.project))).name
  return json(200, { data: (await ctx.rio.listSenders(project)).map(senderJson) })
}

async function create(ctx: ApiContext) {
  ctx.auth.requireAdmin(ctx.req)
  const project = (await ctx.rio.getProject(projectParam(ctx.params.project))).name
  const input = parseBody(createSenderSchema, await readJson(ctx))
  const base = dsnBase(ctx.req, ctx.options, ctx.prefix)
  const { sender, secret } = await ctx.rio.createSender(project, input.name, {
    ...(input.secret !== undefined ? { secret: input.secret } : {}),
  })
  return json(201, {
    sender: senderJson(sender),
    secret,
    dsn: buildDsn(base, project, sender.name, secret),
  })
}

async function remove(ctx: ApiContext) {
  ctx.auth.requireAdmin(ctx.req)
  const project = projectParam(ctx.params.project)
  const name = String(ctx.params.name)
  if (!(await ctx.rio.removeSender(project, name))) {
    throw new RioNotFoundError('sender', `${project}/${name}`)
  }
  return { status: 204 }
}

/** Managing the credentials allowed to emit into a project (admin). */
export const senderRoutes: readonly Route[] = [
  {
    method: 'GET',
    path: '/api/v1/projects/:project/senders',
    handle: list,
    doc: {
      operationId: 'listSenders',
      summary: "List a project's senders",
      tag: 'Senders',
      auth: 'admin',
      params: { project: pathParams.project },
      responses: {
        200: {
          description: '`{ data: Sender[] }`; a Sender is `{ project, name, createdAt }`, never its secret',
          schema: senderListSchema,
        },
        404: 'not_found: no such project',
      },
    },
  },
  {
    method: 'POST',
    path: '/api/v1/projects/:project/senders',
    handle: create,
    doc: {
      operationId: 'createSender',
      summary: 'Create a sender',
      description:
        'The secret is shown once, in the answer, with the DSN to configure the sender with (`http[s]://<name>:<secret>@<host><basePath>/<project>`, from publicUrl or the Host header); only its hash is stored.',
      tag: 'Senders',
      auth: 'admin',
      params: { project: pathParams.project },
      body: { required: true, content: { 'application/json': createSenderSchema } },
      responses: {
        201: {
          description: '`{ sender, secret, dsn }`: the secret is shown this once',
          schema: createdSenderSchema,
        },
        404: 'not_found: no such project',
        409: 'conflict: the project has a sender of that name',
      },
    },
  },
  {
    method: 'DELETE',
    path: '/api/v1/projects/:project/senders/:name',
    handle: remove,
    doc: {
      operationId: 'deleteSender',
      summary: 'Revoke a sender',
      description:
        'Refused at once by this process; other processes on the same database refuse it within a second.',
      tag: 'Senders',
      auth: 'admin',
      params: { project: pathParams.project, name: pathParams.senderName },
      responses: {
        204: { description: 'revoked', body: 'none' },
        404: 'not_found: no such project or sender',
      },
    },
  },
]
