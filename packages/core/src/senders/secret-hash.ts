import { hash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto'
import { promisify } from 'node:util'

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: object,
) => Promise<Buffer>

/** scrypt's cost: N = 2^`ln`, block size `r`, parallelism `p`. */
interface ScryptCost {
  readonly ln: number
  readonly r: number
  readonly p: number
}

// N=2^14, r=8: 16 MiB and ~30 ms per check (the scrypt paper's interactive setting); verified
// secrets are then cached by SecretVerifier. Generated secrets are 256 random bits, which no cost
// setting protects further; the cost is for secrets a user brought (6 characters at least).
const COST: ScryptCost = { ln: 14, r: 8, p: 1 }

/** The most memory a stored hash may make one check use (128 × N × r bytes): 16 times Rio's cost. */
const MAX_MEMORY = 256 * 1024 * 1024

/**
 * Stored parameters: `ln=14,r=8,p=1`, as in the PHC string format. Hashes written before Rio
 * stored them have none and were made with N=2^14, r=8, p=1.
 */
const COST_FIELD = /^ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})$/

/** A random secret for a new sender or admin token: 32 bytes, base64url. */
export function generateToken(): string {
  return randomBytes(32).toString('base64url')
}

function options({ ln, r, p }: ScryptCost): object {
  // scrypt needs 128 × N × r bytes; Node refuses above `maxmem` (32 MiB by default).
  return { N: 2 ** ln, r, p, maxmem: Math.max(64 * 1024 * 1024, 2 * 128 * 2 ** ln * r) }
}

/**
 * Hashes a secret for storage: `scrypt$ln=14,r=8,p=1$<salt>$<hash>` (base64url, a 16-byte salt and
 * a 32-byte hash). Senders may bring weak secrets (the original Rio's docs use `example:example`),
 * so a slow salted hash keeps a leaked database from revealing them. The cost is stored with the
 * hash, so a later Rio can raise it for new secrets and still check the old ones.
 */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16)
  const derived = await scryptAsync(secret, salt, 32, options(COST))
  return `scrypt$ln=${COST.ln},r=${COST.r},p=${COST.p}$${salt.toString('base64url')}$${derived.toString('base64url')}`
}

/** The cost, salt and hash of a stored hash, or null when it is not one {@link verifySecret} can check. */
function parseStored(stored: string): { cost: ScryptCost; salt: Buffer; expected: Buffer } | null {
  const parts = stored.split('$')
  if (parts[0] !== 'scrypt' || (parts.length !== 3 && parts.length !== 4)) return null
  let cost = COST
  if (parts.length === 4) {
    const [, ln, r, p] = (COST_FIELD.exec(parts[1]!) ?? []).map(Number)
    if (ln === undefined || r === undefined || p === undefined) return null
    cost = { ln, r, p }
  }
  const { ln, r, p } = cost
  // A hash this Rio could never have written (a database edited by hand): refused, not run.
  if (ln < 10 || ln > 20 || r < 1 || r > 16 || p < 1 || p > 16 || 128 * 2 ** ln * r > MAX_MEMORY) return null
  const salt = Buffer.from(parts.at(-2)!, 'base64url')
  const expected = Buffer.from(parts.at(-1)!, 'base64url')
  if (salt.length < 8 || expected.length < 16 || expected.length > 64) return null
  return { cost, salt, expected }
}

/**
 * Checks a secret against a stored hash ({@link hashSecret}'s, or the older `scrypt$<salt>$<hash>`)
 * in constant time; false for a malformed hash, or one asking for a cost out of bounds.
 */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const parsed = parseStored(stored)
  if (!parsed) return false
  const { cost, salt, expected } = parsed
  const actual = await scryptAsync(secret, salt, expected.length, options(cost))
  return timingSafeEqual(actual, expected)
}

/** A fast fingerprint of a secret for the in-memory cache of verified credentials (never stored). */
export function fingerprint(secret: string): Buffer {
  // One-shot: half the cost of a Hash object (createHash) for a short string, once per request.
  return hash('sha256', secret, 'buffer')
}
