/**
 * The Content-Security-Policy of every dashboard response. Nothing loads unless named: styles,
 * the one script (live refresh) and images come from the dashboard itself, `connect-src 'self'` lets
 * that script fetch the page it refreshes, forms post only to the dashboard, and no other site may
 * frame it. No inline script or style is allowed, so markup injected through a payload could not
 * run even if escaping failed.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "style-src 'self'",
  "script-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ')

/**
 * Headers on every response the dashboard sends (pages, assets, redirects, errors): the CSP, no MIME
 * sniffing, no referrer (URLs hold ids), no framing (clickjacking), no caching (pages show live
 * admin data), and a browsing-context group of its own.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
}
