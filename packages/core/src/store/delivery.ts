/** Where a delivery is in its life. `cancelled`: its handler was removed before it finished. */
export type DeliveryStatus = 'pending' | 'in_flight' | 'succeeded' | 'dead' | 'cancelled'

/** One event for one handler. */
export interface Delivery {
  readonly id: string
  readonly eventId: string
  readonly handlerId: string
  readonly project: string
  readonly status: DeliveryStatus
  /** Attempts made so far. */
  readonly attempts: number
  /** When the next attempt is due (pending), or null. */
  readonly nextAttemptAt: Date | null
  /** Until when the process that claimed it owns it (in_flight), or null. */
  readonly leaseUntil: Date | null
  readonly lastStatus: number | null
  readonly lastError: string | null
  readonly createdAt: Date
  readonly updatedAt: Date
  readonly finishedAt: Date | null
}

/** One try of a delivery. */
export interface Attempt {
  readonly id: number
  readonly deliveryId: string
  /** 1 for the first attempt. */
  readonly number: number
  readonly startedAt: Date
  readonly durationMs: number
  /** HTTP status, or null for function handlers and failures before a response. */
  readonly status: number | null
  /** At most the first 4 KiB of the response body. */
  readonly responseBody: string | null
  readonly error: string | null
}

/**
 * The error recorded for an attempt that was lost: its claimant's lease ran out before it recorded
 * a result, because that process crashed, was killed or stalled. It counts as a failed attempt.
 */
export const LOST_ATTEMPT_ERROR =
  'attempt lost: the process that claimed it stopped or stalled before recording a result (lease expired)'
