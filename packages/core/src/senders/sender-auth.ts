import { timingSafeEqual } from 'node:crypto'
import { fingerprint, verifySecret } from './secret-hash.js'

interface Verified {
  readonly hash: string
  readonly fingerprint: Buffer
}

/** Checks a secret against a stored hash (scrypt by default). */
export type SecretCheck = (secret: string, storedHash: string) => Promise<boolean>

/**
 * Verifies credentials against stored scrypt hashes, remembering what verified so each request
 * after the first costs one SHA-256 instead of one scrypt. Entries are keyed by the stored hash,
 * so a rotated secret (new hash) is checked afresh. Concurrent checks of the same credentials share
 * one scrypt: a sender that opens with 32 requests at once (a client's connection pool) would
 * otherwise start 32 scrypts of 16 MiB each before the first one could be remembered.
 */
export class SecretVerifier {
  readonly #verified = new Map<string, Verified>()
  readonly #inFlight = new Map<string, Promise<boolean>>()
  readonly #max: number
  readonly #check: SecretCheck

  /**
   * @param max - most remembered credentials @default 10000
   * @param check - the slow check @default verifySecret (scrypt)
   */
  constructor(max = 10_000, check: SecretCheck = verifySecret) {
    this.#max = max
    this.#check = check
  }

  async verify(key: string, secret: string, storedHash: string): Promise<boolean> {
    const print = fingerprint(secret)
    const cached = this.#verified.get(key)
    if (cached && cached.hash === storedHash && timingSafeEqual(cached.fingerprint, print)) return true
    // The same secret for the same stored hash gives the same answer: share a check in progress.
    const flight = `${key}\n${storedHash}\n${print.toString('base64')}`
    let checking = this.#inFlight.get(flight)
    if (!checking) {
      checking = this.#check(secret, storedHash).finally(() => this.#inFlight.delete(flight))
      this.#inFlight.set(flight, checking)
    }
    if (!(await checking)) return false
    if (!this.#verified.has(key) && this.#verified.size >= this.#max) {
      this.#verified.delete(this.#verified.keys().next().value!)
    }
    this.#verified.set(key, { hash: storedHash, fingerprint: print })
    return true
  }

  forget(key: string): void {
    this.#verified.delete(key)
  }
}
