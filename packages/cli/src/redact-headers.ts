import { isCredentialName } from './credential-name.js'

/**
 * A handler's static headers fit to print: every name kept, the value of each credential-like
 * one (`authorization`, `cookie`, `x-api-key`, …: {@link isCredentialName}) replaced by `***`,
 * other values kept as they are. The admin API (`GET /api/v1/handlers/<id>`) returns them in full.
 * @example
 * ```ts
 * redactHeaders({ authorization: 'Bearer abc', 'x-team': 'erp' }) // { authorization: '***', 'x-team': 'erp' }
 * ```
 */
export function redactHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name, isCredentialName(name) ? '***' : value]),
  )
}
