/**
 * Time as the engine sees it. Injected so retry schedules, leases and timers can be tested without
 * waiting: {@link ManualClock} moves only when a test says so.
 *
 * Two kinds of time: {@link Clock.now} is the wall clock, for times that are stored or shown (an
 * event's `createdAt`, a retry's `nextAttemptAt`); it may be stepped by NTP or jump after a suspend.
 * {@link Clock.monotonic} only ever moves forward at a steady rate, for durations kept in memory
 * (rate-limit windows, cache lifetimes), so a step of the wall clock neither stretches nor cuts them.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number
  /**
   * Milliseconds from an arbitrary origin, never going back and unmoved by steps of the wall clock
   * (`performance.now()` on the system clock). Optional, for clocks written before it existed: Rio
   * then measures durations with {@link Clock.now}.
   */
  monotonic?(): number
  /**
   * Calls `fn` after `ms` milliseconds of monotonic time (a step of the wall clock neither hastens
   * nor delays it); returns a handle for {@link Clock.clearTimeout}.
   */
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

/**
 * The monotonic time source of `clock`: its {@link Clock.monotonic}, or its `now()` for a clock
 * that has none.
 * @param clock - the injected clock
 * @returns a function reading ms that never jump with the wall clock (when the clock has one)
 */
export function monotonicOf(clock: Clock): () => number {
  return clock.monotonic ? () => clock.monotonic!() : () => clock.now()
}

/**
 * The wall clock: `Date.now()`, `performance.now()` for durations, and the host's timers (monotonic,
 * unref'd, so an idle Rio never keeps a process alive).
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimeout(fn, ms) {
    const timer = setTimeout(fn, Math.max(0, ms))
    timer.unref?.()
    return timer
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
}

interface ManualTimer {
  /** Due at this monotonic time. */
  readonly at: number
  readonly fn: () => void
  readonly seq: number
}

/**
 * A clock that stands still until {@link ManualClock.advance} is called; for tests of retry
 * schedules and leases. Its wall clock can also be stepped on its own ({@link ManualClock.jump}),
 * as NTP or a resumed VM steps a host's, leaving monotonic time and timers where they were.
 *
 * @example
 * ```ts
 * const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'))
 * const rio = new Rio({ database: ':memory:', clock })
 * await clock.advance(5_000) // fires every timer due in the next 5 s, in order
 * clock.jump(-3_600_000) // NTP steps the wall clock back an hour; no timer fires or moves
 * ```
 */
export class ManualClock implements Clock {
  #now: number
  #monotonic = 0
  #timers = new Map<number, ManualTimer>()
  #seq = 0

  /** @param start - the initial wall time in ms since the epoch (default: `Date.now()` at construction) */
  constructor(start: number = Date.now()) {
    this.#now = start
  }

  now(): number {
    return this.#now
  }

  /** Milliseconds this clock has been advanced by since it was made; jumps do not count. */
  monotonic(): number {
    return this.#monotonic
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const seq = ++this.#seq
    this.#timers.set(seq, { at: this.#monotonic + Math.max(0, ms), fn, seq })
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
   * Moves time forward by `ms`, wall and monotonic alike, firing due timers in time order; between
   * timers it yields to the event loop so the work they start (I/O included) can make progress.
   */
  async advance(ms: number): Promise<void> {
    const target = this.#monotonic + ms
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
      this.#step(next.at)
      next.fn()
      await new Promise<void>((resolve) => setImmediate(resolve))
    }
    this.#step(target)
  }

  /**
   * Steps the wall clock by `ms` (back when negative) without moving monotonic time or firing
   * timers: what an NTP step, or a VM resumed after a suspend, does to a host's clock.
   */
  jump(ms: number): void {
    this.#now += ms
  }

  /**
   * Sets the time to `now` without firing timers: those due by then fire at the next
   * {@link ManualClock.advance} (`advance(0)` fires them). Forward, monotonic time moves with the
   * wall clock, as `set` always did; back, only the wall clock moves, since monotonic time never
   * goes back. To step the wall clock alone, as NTP does, use {@link ManualClock.jump}.
   */
  set(now: number): void {
    if (now > this.#now) this.#monotonic += now - this.#now
    this.#now = now
  }

  /** Moves monotonic time to `at` (never back), and the wall clock with it. */
  #step(at: number): void {
    if (at <= this.#monotonic) return
    this.#now += at - this.#monotonic
    this.#monotonic = at
  }
}
