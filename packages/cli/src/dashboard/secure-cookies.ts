import type { IncomingMessage } from 'node:http'
import type { TLSSocket } from 'node:tls'

/** Decides, per request, whether the dashboard's cookies are marked `Secure`. */
export type SecureCookiePolicy = (req: IncomingMessage) => boolean

/**
 * The `secureCookies` setting as a per-request decision. `true` and `false` are final. `'auto'` is
 * `true` when `publicUrl` is https (a proxy terminates TLS in front of this server), else `true`
 * only for a request that arrived on a TLS socket. `X-Forwarded-Proto` is never read: any client
 * can send it, and a forged `http` would strip `Secure` from a cookie that needs it.
 * @param setting - `'auto'`, `true` or `false`
 * @param publicUrl - the URL people reach the server at, when configured
 */
export function secureCookiePolicy(
  setting: 'auto' | boolean,
  publicUrl: string | undefined,
): SecureCookiePolicy {
  if (setting !== 'auto') return () => setting
  if (publicUrl && new URL(publicUrl).protocol === 'https:') return () => true
  return (req) => (req.socket as Partial<TLSSocket>).encrypted === true
}
