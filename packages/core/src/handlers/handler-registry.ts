import type { RioEvent } from '../events/event.js'

/** What a function handler gets besides the event. */
export interface HandlerContext {
  /** The delivery being attempted; stable across retries (use it to de-duplicate). */
  readonly deliveryId: string
  /** 1 for the first attempt. */
  readonly attempt: number
  /** Aborted when the attempt times out or Rio stops. */
  readonly signal: AbortSignal
}

/**
 * An in-process handler. Resolve to succeed; throw to fail and be retried, `UnrecoverableError` to
 * fail for good, `RetryLaterError` to pick the delay.
 */
export type HandlerFunction<P = unknown> = (event: RioEvent<P>, context: HandlerContext) => unknown

/**
 * The functions this process can run, by project and stable name. The database knows every
 * function handler ever registered; only a process that registered one claims its deliveries.
 */
export class HandlerRegistry {
  readonly #functions = new Map<string, HandlerFunction>()

  static key(project: string, name: string): string {
    return `${project}\u0000${name}`
  }

  set(project: string, name: string, fn: HandlerFunction): void {
    this.#functions.set(HandlerRegistry.key(project, name), fn)
  }

  get(project: string, name: string): HandlerFunction | undefined {
    return this.#functions.get(HandlerRegistry.key(project, name))
  }

  delete(project: string, name: string): boolean {
    return this.#functions.delete(HandlerRegistry.key(project, name))
  }

  get size(): number {
    return this.#functions.size
  }
}
