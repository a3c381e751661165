import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { postLogin, startDashboard } from './dashboard/serve.js'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const bin = fileURLToPath(new URL('../src/bin.ts', import.meta.url))

const TOKEN = 'trust-proxy-admin-token-0123456789'

/** A wrong admin token sent to the management API, as the client `forwardedFor` behind one proxy. */
async function wrongAdmin(api: string, forwardedFor: string): Promise<number> {
  const res = await fetch(`${api}/api/v1/projects`, {
    headers: { authorization: 'Bearer not-the-admin-token-000', 'x-forwarded-for': forwardedFor },
  })
  await res.arrayBuffer()
  return res.status
}

describe('rio start --trust-proxy', () => {
  it('counts failed sign-ins of the API and the dashboard per forwarded client (--trust-proxy, RIO_TRUST_PROXY)', async () => {
    const bases = await Promise.all([
      startDashboard(TOKEN, ['--trust-proxy', '1']),
      startDashboard(TOKEN, [], { RIO_TRUST_PROXY: '1' }),
    ])
    for (const dashboard of bases) {
      const api = dashboard.slice(0, -'/dashboard'.length)
      // The API's limit (20 per minute): one client behind the proxy uses it up, another is unaffected.
      for (let i = 0; i < 20; i++) expect(await wrongAdmin(api, `1.1.1.${i}, 203.0.113.7`)).toBe(401)
      expect(await wrongAdmin(api, '203.0.113.7')).toBe(429)
      expect(await wrongAdmin(api, '203.0.113.8')).toBe(401)
      // The dashboard's (10 per minute), likewise.
      const from = (forwardedFor: string) => ({ 'x-forwarded-for': forwardedFor })
      for (let i = 0; i < 10; i++)
        expect((await postLogin(dashboard, 'wrong-token-000000', from('203.0.113.7'))).status).toBe(401)
      expect((await postLogin(dashboard, TOKEN, from('203.0.113.7'))).status).toBe(429)
      expect((await postLogin(dashboard, TOKEN, from('203.0.113.8'))).status).toBe(303)
    }
  }, 60_000)

  it('documents the setting in `rio start --help`', () => {
    const env = { ...process.env, TSX_TSCONFIG_PATH: join(root, 'tsconfig.check.json') }
    const help = spawnSync(process.execPath, ['--import', 'tsx', bin, 'start', '--help'], {
      cwd: root,
      env,
      encoding: 'utf8',
    })
    expect(help.status, help.stderr).toBe(0)
    expect(help.stdout.replace(/\s+/g, ' ')).toMatch(
      /--trust-proxy <n> .*X-Forwarded-For.*RIO_TRUST_PROXY; default 0/,
    )
  }, 30_000)

  it('reads no X-Forwarded-For by default: one client behind the proxy locks out the rest', async () => {
    const dashboard = await startDashboard(TOKEN, [])
    for (let i = 0; i < 10; i++)
      expect(
        (await postLogin(dashboard, 'wrong-token-000000', { 'x-forwarded-for': '203.0.113.7' })).status,
      ).toBe(401)
    expect((await postLogin(dashboard, TOKEN, { 'x-forwarded-for': '203.0.113.8' })).status).toBe(429)
  }, 60_000)
})
