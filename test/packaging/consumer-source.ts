/**
 * A user's program built from the READMEs' samples, type-checked against the installed tarballs
 * (not the workspace's sources). A string, not a file of the workspace: `tsconfig.check.json` maps
 * the packages to their sources, and this must see only what `pnpm pack` ships. Fastify's adapter
 * is left out: fastify's types add a second to each of the two checks.
 */
export const CONSUMER_SOURCE = `
import { createServer } from 'node:http'
import Database from 'better-sqlite3'
import express from 'express'
import { createLogger, createMetrics, logRio, run } from '@rio/cli'
import { createDashboardHandler } from '@rio/cli/dashboard'
import { Rio, type RioOptions, UnrecoverableError, VERSION } from '@rio/core'
import { generateSecret, sign, verify, WebhookVerificationError } from '@rio/signature'
import { verifyWebhook } from '@rio/signature/express'
import { errorResponse, verifyNodeRequest } from '@rio/signature/node'
import { verifyRequest, webhookResponse } from '@rio/signature/web'
import { Client, RioHttpError, ServerError } from 'rio-client'

type IsAny<T> = 0 extends 1 & T ? true : false
// @rio/core's types name better-sqlite3's: without them the database option and rio.db are \`any\`.
export const optionIsTyped: IsAny<RioOptions['database']> = false
export const dbIsTyped: IsAny<Rio['db']> = false
export const version: string = VERSION

// @rio/core
declare const audit: { write(name: string, payload: unknown): Promise<void> }
const rio = new Rio({ database: ':memory:' })
const hook = await rio.webhook('comment-published', { url: 'https://antispam.internal/webhook/comment' })
console.log(hook.secrets[0])
rio.on('comment-*', 'audit-log', async (event, { attempt }) => {
  if (attempt > 3) throw new UnrecoverableError('gave up')
  await audit.write(event.name, event.payload)
})
rio.events.on('delivery.dead', (report) => console.log(report.handler.name, report.event.id))
const db = new Database(':memory:')
const embedded = new Rio({ database: db })
const publish = db.transaction((comment: { content: string }) => {
  db.prepare('INSERT INTO comments (content) VALUES (?)').run(comment.content)
  embedded.emitSync('comment-published', comment)
})
void publish
const { id } = await rio.emit('comment-published', { ip: '127.0.0.1', content: 'hi' })
console.log(id)

// @rio/signature and its adapters
const secret = generateSecret()
const headers = sign({ id: 'msg_1', timestamp: new Date(), body: '{}', secret })
try {
  const { body } = verify('{}', headers, secret)
  console.log(JSON.parse(body.toString()))
} catch (error) {
  if (error instanceof WebhookVerificationError) console.log(error.reason)
}
const app = express()
app.post('/webhook/comment', verifyWebhook({ secret }), (req, res) => {
  const comment = req.webhook!.payload as { content: string }
  res.json({ is_spam: comment.content.includes('spam') })
})
createServer(async (req, res) => {
  try {
    const webhook = await verifyNodeRequest(req, { secret })
    res.end(webhook.id)
  } catch (error) {
    if (!(error instanceof WebhookVerificationError)) throw error
    const { status, body } = errorResponse(error)
    res.writeHead(status).end(JSON.stringify(body))
  }
})
export async function POST(request: Request): Promise<Response> {
  try {
    const { payload } = await verifyRequest(request, { secret })
    return Response.json({ ok: true, payload })
  } catch (error) {
    return webhookResponse(error)
  }
}

// rio-client
const client = new Client({ dsn: 'http://sender:secret@127.0.0.1:8009/demo' })
try {
  const { duplicate } = await client.emit('order-paid', { orderId: 1234 }, { idempotencyKey: 'order-1234:paid' })
  console.log(duplicate)
} catch (error) {
  if (error instanceof RioHttpError && error.status === 401) throw new Error('RIO_DSN has a wrong secret')
  if (error instanceof ServerError && error.code === 'rate_limited') console.log(error.retryAfterMs)
}
await client.close()

// @rio/cli
process.exitCode = await run(['node', 'rio', 'deliveries', 'list', '--failed', '--json'])
logRio(rio, createLogger({ level: 'info' }))
const metrics = createMetrics(rio)
const adminToken = 'an-admin-token-of-some-length'
const dashboard = createDashboardHandler(rio, { adminToken })
const api = rio.handler({ adminToken })
createServer((req, res) => dashboard(req, res, () => api(req, res)))
createServer(metrics.handler)
`
