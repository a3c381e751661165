/**
 * Time as the engine sees it. Injected so retry schedules, leases and timers can be tested without
 * waiting: {@link ManualClock} moves only when a test says so.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number
  /** Calls `fn` after `ms` milliseconds of this clock's time; returns a handle for {@link Clock.clearTimeout}. */
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

/** The wall clock: `Date.now()` and the host's timers (unref'd, so an idle Rio never keeps a process alive). */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const timer = setTimeout(fn, Math.max(0, ms))
    timer.unref?.()
    return timer
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
}

interface ManualTimer {
  readonly at: number
  readonly fn: () => void
  readonly seq: number
}

/**
 * A clock that stands still until {@link ManualClock.advance} is called; for tests of retry
 * schedules and leases.
 *
 * @example
 * ```ts
 * const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'))
 * const rio = new Rio({ database: ':memory:', clock })
 * await clock.advance(5_000) // fires every timer due in the next 5 s, in order
 * ```
 */
export class ManualClock implements Clock {
  #now: number
  #timers = new Map<number, ManualTimer>()
  #seq = 0

  /** @param start - the initial time in ms since the epoch (default: `Date.now()` at construction) */
  constructor(start: number = Date.now()) {
    this.#now = start
  }

  now(): number {
    return this.#now
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const seq = ++this.#seq
    this.#timers.set(seq, { at: this.#now + Math.max(0, ms), fn, seq })
    return seq
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number)
  }

  /** Number of timers waiting to fire. */
  get pendingTimers(): number {
    return this.#timers.size
  }

  /**
   * Moves time forward by `ms`, firing due timers in time order; between timers it yields to the
   * event loop so the work they start (I/O included) can make progress.
   */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms
    for (;;) {
      let next: ManualTimer | undefined
      for (const timer of this.#timers.values()) {
        if (
          timer.at <= target &&
          (!next || timer.at < next.at || (timer.at === next.at && timer.seq < next.seq))
        ) {
          next = timer
        }
      }
      if (!next) break
      this.#timers.delete(next.seq)
      this.#now = Math.max(this.#now, next.at)
      next.fn()
      await new Promise<void>((resolve) => setImmediate(resolve))
    }
    this.#now = target
  }

  /** Sets the time without firing timers (for jumps a test wants to observe step by step). */
  set(now: number): void {
    this.#now = now
  }
}
