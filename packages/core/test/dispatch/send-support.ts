import type { WebhookRequest } from '../../src/dispatch/webhook-request.js'
import { WebhookSender, type WebhookSenderOptions } from '../../src/dispatch/webhook-sender.js'
import { onCleanup } from '../helpers.js'

/** A {@link WebhookSender} closed after the test. */
export function sender(options?: WebhookSenderOptions): WebhookSender {
  const s = new WebhookSender(options)
  onCleanup(() => s.close())
  return s
}

/** A JSON POST of `body` to `url`, as `buildWebhookRequest` would make it. */
export const post = (url: string, body = '{"id":1}'): WebhookRequest => ({
  method: 'POST',
  url,
  headers: { 'content-type': 'application/json' },
  body,
})
