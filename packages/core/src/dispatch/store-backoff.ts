/** The longest the dispatcher waits between tries while the database cannot be written. */
export const MAX_STORE_BACKOFF_MS = 30_000

/**
 * How long the dispatcher waits before its next write while the database cannot be written (full
 * disk, write lock held by another process, file deleted): `baseMs`, doubled with each failure in a
 * row, at most {@link MAX_STORE_BACKOFF_MS} (or `baseMs`, if larger). A full disk is not hammered
 * once per poll for hours, and a lock held elsewhere does not cost a blocking busy timeout every
 * poll; a local emit that commits still wakes the dispatcher at once.
 */
export class StoreBackoff {
  readonly #baseMs: number
  #failures = 0

  /** @param baseMs - the first wait, the dispatcher's poll interval */
  constructor(baseMs: number) {
    this.#baseMs = baseMs
  }

  /** Failures in a row so far. */
  get failures(): number {
    return this.#failures
  }

  /** Counts a failed write; returns how long to wait before the next try, in ms. */
  failed(): number {
    this.#failures++
    const max = Math.max(this.#baseMs, MAX_STORE_BACKOFF_MS)
    return Math.min(max, this.#baseMs * 2 ** Math.min(this.#failures - 1, 30))
  }

  /** Ends the streak: the database took a write. */
  succeeded(): void {
    this.#failures = 0
  }
}
