import { describe, expect, it } from 'vitest'
import { isCredentialName } from '../src/credential-name.js'
import { redactHeaders } from '../src/redact-headers.js'

describe('redactHeaders', () => {
  it.each([
    'authorization',
    'Proxy-Authorization',
    'cookie',
    'Set-Cookie',
    'x-api-key',
    'x-access-token',
    'x-webhook-secret',
    'x-password',
    'x-hub-signature-256',
    'x-auth',
    'x-session-id',
    'x-credentials',
  ])('shows the value of %s as ***', (name) => {
    expect(isCredentialName(name)).toBe(true)
    expect(redactHeaders({ [name]: 'value', 'x-team': 'erp' })).toEqual({ [name]: '***', 'x-team': 'erp' })
  })

  it.each(['x-team', 'content-language', 'x-tenant', 'user-agent'])('keeps the value of %s', (name) => {
    expect(isCredentialName(name)).toBe(false)
    expect(redactHeaders({ [name]: 'value' })).toEqual({ [name]: 'value' })
  })
})
