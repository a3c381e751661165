// Base64 without `Buffer`, so the WebCrypto path runs where `node:crypto` and `Buffer` do not.
// Decoding is strict (standard alphabet, optional padding): the Node and WebCrypto paths must accept
// exactly the same strings, and Node's own decoder silently skips characters it does not know.

const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/

/** Decodes strict base64; `undefined` when `text` is not. */
export function decodeBase64(text: string): Uint8Array | undefined {
  if (!STRICT_BASE64.test(text)) return undefined
  const binary = atob(text)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

/**
 * Decodes base64 only in its canonical form, the one {@link encodeBase64} gives: padded, with the
 * unused low bits of the last character zero. `undefined` otherwise, so a signature has exactly one
 * accepted spelling, as `v1` signatures (compared as text) do.
 */
export function decodeCanonicalBase64(text: string): Uint8Array | undefined {
  const bytes = decodeBase64(text)
  return bytes !== undefined && encodeBase64(bytes) === text ? bytes : undefined
}

/** Encodes bytes as padded standard base64. */
export function encodeBase64(bytes: Uint8Array): string {
  let binary = ''
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]!)
  return btoa(binary)
}
