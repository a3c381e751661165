import { timingSafeEqual } from 'node:crypto'
import { fingerprint, verifySecret } from './secret-hash.js'

interface Verified {
  readonly hash: string
  readonly fingerprint: Buffer
}

/**
 * Verifies credentials against stored scrypt hashes, remembering what verified so each request
 * after the first costs one SHA-256 instead of one scrypt. Entries are keyed by the stored hash,
 * so a rotated secret (new hash) is checked afresh.
 */
export class SecretVerifier {
  readonly #verified = new Map<string, Verified>()
  readonly #max: number

  /** @param max - most remembered credentials @default 10000 */
  constructor(max = 10_000) {
    this.#max = max
  }

  async verify(key: string, secret: string, storedHash: string): Promise<boolean> {
    const print = fingerprint(secret)
    const cached = this.#verified.get(key)
    if (cached && cached.hash === storedHash && timingSafeEqual(cached.fingerprint, print)) return true
    if (!(await verifySecret(secret, storedHash))) return false
    if (this.#verified.size >= this.#max) this.#verified.delete(this.#verified.keys().next().value!)
    this.#verified.set(key, { hash: storedHash, fingerprint: print })
    return true
  }

  forget(key: string): void {
    this.#verified.delete(key)
  }
}
