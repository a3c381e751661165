import { EventEmitter } from 'eventemitter3'
import type { Handler } from '../handlers/handler.js'
import type { RioEvent } from './event.js'

/** What the dispatcher reports about one attempt. */
export interface DeliveryReport {
  readonly deliveryId: string
  readonly handler: Handler
  readonly event: RioEvent
  /** The attempt number just made (1 for the first). */
  readonly attempt: number
  readonly status: number | null
  readonly error: string | null
  readonly durationMs: number
  /** When the next attempt is due, for `delivery.retrying`. */
  readonly nextAttemptAt: Date | null
}

/**
 * Rio's operational events, for host code, logging and metrics. Listeners run synchronously after
 * the state change is committed; a throwing listener is reported on `error`, never breaks delivery.
 */
export interface RioEventMap {
  /** An event was stored (after COMMIT). */
  'event.emitted': [event: RioEvent, deliveries: number]
  'delivery.succeeded': [report: DeliveryReport]
  /** Succeeded after at least one failed attempt. */
  'delivery.recovered': [report: DeliveryReport]
  /** Failed; another attempt is scheduled. */
  'delivery.retrying': [report: DeliveryReport]
  /** Failed `failingAfterAttempts` times in a row (emitted once per streak, alongside `delivery.retrying`). */
  'delivery.failing': [report: DeliveryReport]
  /** Failed for the last time: no more attempts until re-triggered. */
  'delivery.dead': [report: DeliveryReport]
  /** A handler was disabled: 410 Gone, `webhook-delivery: disable`, failing for too long, or by hand. */
  'handler.disabled': [handler: Handler, reason: string]
  'handler.enabled': [handler: Handler]
  /** A background failure (database, listener); Rio keeps running. */
  error: [error: Error]
}

/** The typed event emitter behind `rio.events`. */
export class RioEventBus extends EventEmitter<RioEventMap> {
  /** Emits without letting a listener's exception escape into the engine. */
  safeEmit<K extends keyof RioEventMap>(name: K, ...args: RioEventMap[K]): void {
    try {
      ;(this.emit as (name: K, ...args: RioEventMap[K]) => boolean)(name, ...args)
    } catch (error) {
      if (name !== 'error' && this.listenerCount('error') > 0) this.emit('error', error as Error)
    }
  }
}
