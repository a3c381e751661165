import { hash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto'
import { promisify } from 'node:util'

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: object,
) => Promise<Buffer>
// N=2^14, r=8: ~30 ms and 16 MiB per check; verified secrets are then cached by SecretVerifier.
const PARAMS = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }

/** A random secret for a new sender or admin token: 32 bytes, base64url. */
export function generateToken(): string {
  return randomBytes(32).toString('base64url')
}

/**
 * Hashes a secret for storage: `scrypt$<salt>$<hash>` (base64url). Senders may bring weak secrets
 * (the original Rio's docs use `example:example`), so a slow salted hash keeps a leaked database from
 * revealing them.
 */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16)
  const hash = await scryptAsync(secret, salt, 32, PARAMS)
  return `scrypt$${salt.toString('base64url')}$${hash.toString('base64url')}`
}

/** Checks a secret against a stored hash in constant time; false for malformed hashes. */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [scheme, salt, hash] = stored.split('$')
  if (scheme !== 'scrypt' || !salt || !hash) return false
  const expected = Buffer.from(hash, 'base64url')
  const actual = await scryptAsync(secret, Buffer.from(salt, 'base64url'), expected.length, PARAMS)
  return actual.length === expected.length && timingSafeEqual(actual, expected)
}

/** A fast fingerprint of a secret for the in-memory cache of verified credentials (never stored). */
export function fingerprint(secret: string): Buffer {
  // One-shot: half the cost of a Hash object (createHash) for a short string, once per request.
  return hash('sha256', secret, 'buffer')
}
