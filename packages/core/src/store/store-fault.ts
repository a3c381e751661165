/**
 * Store faults: a write that failed because the database as a whole cannot take writes right now
 * (full disk, I/O error, write lock held elsewhere, file deleted), as opposed to something wrong
 * with what was written (a key already taken). Every other write would fail alike until the fault
 * is cleared, so callers neither retry parts of a batch one by one nor drop what they meant to
 * write: they wait, back off, and try again.
 * @module
 */

import { RioDatabaseError, type RioDatabaseFault } from '../errors.js'

/** What kept the database from being written; see {@link RioDatabaseFault}. */
export type StoreFault = RioDatabaseFault

/**
 * The fault of a {@link RioDatabaseError} a store threw, or undefined when it is not a store fault
 * (it is about the data written, or not from a store at all).
 */
export function storeFault(error: unknown): StoreFault | undefined {
  return error instanceof RioDatabaseError ? error.fault : undefined
}

/**
 * The writes that have failed with a store fault since the last write that stored something (or,
 * for a lock held too long or a moved file, since any write that went through).
 */
export interface WriteFailure {
  /** When the first of them failed (ms since epoch, the wall clock). */
  readonly since: number
  /** When the last of them failed (ms since epoch, the wall clock). */
  readonly at: number
  /** How many failed. */
  readonly count: number
  readonly fault: StoreFault
  /** The last one's error message. */
  readonly message: string
}

/**
 * One sentence for a health report about failed writes: since when, how many, and the last error
 * (which names the cause and the fix).
 */
export function describeWriteFailure(failure: WriteFailure): string {
  const writes = failure.count === 1 ? '1 write has' : `${failure.count} writes have`
  return `${writes} failed since ${new Date(failure.since).toISOString()}, the last at ${new Date(failure.at).toISOString()}: ${failure.message}`
}
