// A Fastify service receiving Rio's comment-published webhook. The rioWebhooks plugin keeps the
// raw body, verifies the Standard Webhooks signature, and puts the parsed payload on request.webhook;
// a bad or stale signature never reaches the route.
import { pathToFileURL } from 'node:url'
import { rioWebhooks } from '@rio/signature/fastify'
import Fastify from 'fastify'

export interface Comment {
  readonly id?: number
  readonly content?: string
}

/** Starts the receiver; `onComment` sees every verified comment. */
export async function main(options: {
  secret: string
  port?: number
  host?: string
  onComment?: (comment: Comment, webhookId: string) => void
}): Promise<{ url: string; close(): Promise<void> }> {
  const app = Fastify()
  await app.register(async (scope) => {
    // In a scope of its own: the plugin's raw-body parser applies only to these routes.
    await scope.register(rioWebhooks, { secret: options.secret })
    scope.post('/webhook/comment/antispam', async (request) => {
      const comment = (request.webhook.payload ?? {}) as Comment
      options.onComment?.(comment, request.webhook.id)
      return { is_spam: /spam/i.test(comment.content ?? '') }
    })
  })
  const url = await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' })
  return { url, close: () => app.close() }
}

// Run directly (`pnpm start`), not imported by the test.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const secret = process.env.RIO_WEBHOOK_SECRET
  if (!secret) throw new Error('set RIO_WEBHOOK_SECRET to the handler secret Rio printed')
  const { url } = await main({ secret, port: Number(process.env.PORT ?? 3001) })
  console.log(`antispam receiver on ${url}/webhook/comment/antispam`)
}
