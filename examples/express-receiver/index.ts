/**
 * An antispam receiver for Rio's `comment-published` event, in Express: Rio POSTs each new comment
 * to `/webhook/comment/antispam`, signed; the receiver checks the signature and answers
 * `{ "is_spam": true | false }` by a toy rule.
 *
 * Run it: `RIO_WEBHOOK_SECRET=whsec_… pnpm --filter @rio/example-express-receiver start`
 *
 * @module
 */
import type { AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'
import { verifyWebhook } from '@rio/signature/express'
import express from 'express'

/** Options of {@link main}. */
export interface ReceiverOptions {
  /** Port to listen on; 0 picks a free one. Default 3000. */
  port?: number
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string
  /** The endpoint's signing secret (`whsec_…`), as shown when the handler was registered in Rio. */
  secret: string
  /** Called with each verified comment payload, before the answer is sent. */
  onComment?: (payload: unknown) => void
}

/** A running receiver. */
export interface RunningReceiver {
  /** The antispam endpoint's URL, to register as the webhook handler's URL in Rio. */
  url: string
  close(): Promise<void>
}

// 'spammer': the original Rio docs' example comment, `I am a spammer`, which examples/sender publishes first.
const SPAM_WORDS = ['spammer', 'viagra', 'casino', 'free money', 'click here', 'crypto giveaway']

/**
 * The toy rule: a comment is spam when it uses a known spam phrase or carries more than two links.
 *
 * @param text - the comment's text
 * @returns whether to treat it as spam
 */
export function isSpam(text: string): boolean {
  const lower = text.toLowerCase()
  const links = lower.match(/https?:\/\//g)?.length ?? 0
  return links > 2 || SPAM_WORDS.some((word) => lower.includes(word))
}

/**
 * Starts the receiver.
 *
 * @param options - `secret` (required), `port` (default 3000), `host` (default 127.0.0.1), `onComment`
 * @returns the endpoint URL and a `close()` that stops the server
 */
export async function main(options: ReceiverOptions): Promise<RunningReceiver> {
  const { port = 3000, host = '127.0.0.1', secret, onComment } = options
  const app = express()

  // verifyWebhook() reads the raw body itself: keep express.json() off this route (or mount it
  // after), since the signature covers the bytes exactly as Rio sent them.
  app.post('/webhook/comment/antispam', verifyWebhook({ secret }), (req, res) => {
    const { payload } = req.webhook!
    onComment?.(payload)
    res.json({ is_spam: isSpam(commentText(payload)) })
  })

  const server = app.listen(port, host)
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve)
    server.once('error', reject)
  })
  const { port: bound } = server.address() as AddressInfo
  return {
    url: `http://${host}:${bound}/webhook/comment/antispam`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      }),
  }
}

// Rio sends the event payload as given to emit(): flat `{ id, ip, content }` from examples/sender
// and the demo, or `{ comment: { content } }` from a sender that nests it.
function commentText(payload: unknown): string {
  const fields = (payload ?? {}) as { comment?: { content?: unknown }; content?: unknown }
  const content = fields.comment?.content ?? fields.content
  return typeof content === 'string' ? content : ''
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const secret = process.env.RIO_WEBHOOK_SECRET
  if (!secret) throw new Error('set RIO_WEBHOOK_SECRET to the endpoint secret Rio shows for this handler')
  const { url } = await main({ secret, port: Number(process.env.PORT ?? 3000) })
  console.log(`antispam receiver listening on ${url}`)
}
