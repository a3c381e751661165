/**
 * Counts this process's removals of each sender (`project/name`), so that a credential check a
 * removal overlapped can tell, and so can a request that was checked before its body arrived.
 * Bounded: past `max` removed names it starts over, and every check under way then reads as
 * overlapped (it is made again), never as current.
 */
export class SenderRevocations {
  readonly #counts = new Map<string, number>()
  readonly #max: number
  #epoch = 0

  /** @param max - most removed names remembered @default 10000 */
  constructor(max = 10_000) {
    this.#max = max
  }

  /** Records a removal of `key`. */
  revoke(key: string): void {
    if (this.#counts.size >= this.#max && !this.#counts.has(key)) {
      this.#counts.clear()
      this.#epoch++
    }
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1)
  }

  /** @returns a function telling whether `key` has not been removed since this call */
  watch(key: string): () => boolean {
    const epoch = this.#epoch
    const count = this.#counts.get(key) ?? 0
    return () => this.#epoch === epoch && (this.#counts.get(key) ?? 0) === count
  }
}
