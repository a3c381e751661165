// The one notion of "this name holds a credential" that the CLI's redactions share: query
// parameters in webhook URLs (logs, dashboard, CLI output) and handlers' static headers.

/**
 * Parts of a name that mark its value as a credential: `authorization`, `proxy-authorization`,
 * `x-api-key`, `api_key`, `cookie`, `set-cookie`, `x-session-id`, `access_token`, `client_secret`,
 * `password`, `x-hub-signature`, `sig`, `credentials`, … (case-insensitive, anywhere in the name).
 */
export const CREDENTIAL_NAME = /token|secret|key|passw(?:or)?d|signature|sig|auth|session|credential|cookie/i

/**
 * Whether a query parameter's or a header's value should be shown as `***`, judged by its name.
 * @example
 * ```ts
 * isCredentialName('X-Api-Key') // true
 * isCredentialName('x-team')    // false
 * ```
 */
export function isCredentialName(name: string): boolean {
  return CREDENTIAL_NAME.test(name)
}
