import { channel } from 'node:diagnostics_channel'

/**
 * `node:diagnostics_channel` channels Rio publishes on. Subscribe for logging or metrics; when
 * nobody listens, publishing costs one property check.
 *
 * - `rio:emit` — `{ event, deliveries }` after an event is committed
 * - `rio:delivery:attempt` — `{ deliveryId, handler, event, attempt }` before an attempt
 * - `rio:delivery:result` — `{ deliveryId, handler, event, attempt, status, error, durationMs, outcome,
 *   responseBody }` after it (`responseBody`: the first bytes of the answer, or null)
 */
export const diagnostics = {
  emit: channel('rio:emit'),
  attempt: channel('rio:delivery:attempt'),
  result: channel('rio:delivery:result'),
} as const
