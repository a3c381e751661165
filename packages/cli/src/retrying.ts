import type { Delivery } from '@rio/core'

/**
 * Whether a delivery is "retrying": pending after at least one attempt, waiting for the next one
 * (stored as `pending`; Rio has no status of its own for it). The one definition the dashboard's
 * Failed view and `rio deliveries list --status retrying` share.
 * @param delivery - a delivery as listed
 * @returns `true` for a pending delivery with `attempts > 0`
 */
export function isRetrying(delivery: Delivery): boolean {
  return delivery.status === 'pending' && delivery.attempts > 0
}
