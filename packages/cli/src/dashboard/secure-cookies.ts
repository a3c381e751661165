import type { IncomingMessage } from 'node:http'
import type { TLSSocket } from 'node:tls'

/** Decides, per request, whether the dashboard's cookies are marked `Secure`. */
export type SecureCookiePolicy = (req: IncomingMessage) => boolean

/** `proto=https` in one element of a `Forwarded` header (RFC 7239), quoted or not. */
const FORWARDED_HTTPS = /(?:^|[;,])\s*proto\s*=\s*"?https"?\s*(?=[;,]|$)/i

/**
 * The `secureCookies` setting as a per-request decision. `true` and `false` are final. `'auto'` is
 * `true` when `publicUrl` is https (a proxy terminates TLS in front of this server), or for a
 * request that arrived on a TLS socket, or — only when `trustProxy` says reverse proxies sit in
 * front — for one that a proxy says arrived over https (`X-Forwarded-Proto: https`, or
 * `Forwarded: proto=https`). Without trusted proxies those headers are never read.
 *
 * Any `https` among the headers' entries counts: a proxy may append to or overwrite what the
 * client sent, and the answer only ever adds `Secure`. A client that forges `https` over plain
 * http gets cookies its own browser will not send back; a forged `http` cannot take `Secure` away
 * from a request a proxy saw arrive over https.
 * @param setting - `'auto'`, `true` or `false`
 * @param publicUrl - the URL people reach the server at, when configured
 * @param trustProxy - how many reverse proxies are in front (the dashboard's `trustProxy`) @default 0
 */
export function secureCookiePolicy(
  setting: 'auto' | boolean,
  publicUrl: string | undefined,
  trustProxy = 0,
): SecureCookiePolicy {
  if (setting !== 'auto') return () => setting
  if (publicUrl && new URL(publicUrl).protocol === 'https:') return () => true
  const overTls = (req: IncomingMessage) => (req.socket as Partial<TLSSocket>).encrypted === true
  if (trustProxy === 0) return overTls
  return (req) => overTls(req) || forwardedHttps(req)
}

/** Whether a proxy's `X-Forwarded-Proto` or `Forwarded` header says the request came over https. */
function forwardedHttps(req: IncomingMessage): boolean {
  const proto = req.headers['x-forwarded-proto']
  const protos = (Array.isArray(proto) ? proto : proto === undefined ? [] : [proto]).flatMap((value) =>
    value.split(','),
  )
  if (protos.some((entry) => entry.trim().toLowerCase() === 'https')) return true
  const forwarded = req.headers.forwarded
  return forwarded !== undefined && FORWARDED_HTTPS.test(forwarded)
}
