import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { Rio } from '../../core/src/index.js'
import { rioCommand, startDemo } from '../src/demo.js'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const sh = promisify(execFile)
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

describe('rioCommand', () => {
  it('prints `rio` when the CLI runs under that name, and node with the script path otherwise', () => {
    expect(rioCommand('/usr/local/bin/rio', '/home/ada')).toBe('rio')
    expect(rioCommand(undefined)).toBe('rio')
    expect(rioCommand('/repo/packages/cli/dist/bin.js', '/repo')).toBe('node packages/cli/dist/bin.js')
    expect(rioCommand('/opt/rio/dist/bin.js', '/home/ada')).toBe('node /opt/rio/dist/bin.js')
    expect(rioCommand("/my repo/it's/bin.js", '/')).toBe(`node 'my repo/it'\\''s/bin.js'`)
  })
})

describe('startDemo', () => {
  it('prints next steps that work as printed: list and show deliveries, emit with curl, add a webhook', async () => {
    const dir = (await sh('mktemp', ['-d'])).stdout.trim()
    cleanups.push(() => sh('rm', ['-rf', dir]))
    const database = join(dir, 'rio.db')
    const rio = new Rio({ database })
    await rio.start()
    const server = await rio.listen({ port: 0, host: '127.0.0.1', adminToken: 'a-long-random-admin-token' })
    cleanups.push(async () => {
      await server.close()
      await rio.stop()
    })
    const lines: string[] = []
    const command = 'node --import tsx packages/cli/src/bin.ts'
    const demo = await startDemo(rio, { url: server.url, database, out: (line) => lines.push(line), command })
    cleanups.push(() => demo.close())
    const output = lines.join('\n')
    const secret = /sender DSN http:\/\/demo-sender:([^@]+)@/.exec(output)![1]!
    expect(output.split(secret).length, 'the secret is printed once, in the DSN').toBe(2)

    // Each printed `rio` line, run by a shell from the repository, as a reader would paste it.
    const env = { ...process.env, TSX_TSCONFIG_PATH: join(root, 'tsconfig.check.json') }
    const paste = (line: string) => sh('sh', ['-c', line.trim()], { cwd: root, env })
    const rioLines = lines.filter((line) => line.startsWith(`  ${command} `))
    expect(rioLines).toHaveLength(3)
    const list = await paste(rioLines[0]!)
    expect(list.stdout).toMatch(/comment-published|succeeded|pending/)
    const id = /^(\d+)\s/m.exec(list.stdout.split('\n').slice(1).join('\n'))![1]!
    const show = await paste(rioLines[1]!.replace('<id>', id).replace(/\s+#.*$/, ''))
    expect(show.stdout).toMatch(/STARTED/)
    const added = await paste(rioLines[2]!)
    expect(added.stdout).toMatch(
      /"mine" \(comment-published → http:\/\/127\.0\.0\.1:3000\/webhook\/comment\/antispam\)/,
    )
    expect(added.stdout).toMatch(/signing secret .*whsec_/)

    // The curl line, with the DSN's secret where it says <secret>.
    const curl = lines.find((line) => line.trim().startsWith('curl '))!
    const [, user, url, body] = /-u '([^']+)' (\S+) .* -d '([^']+)'/.exec(curl)!
    const answer = await fetch(url!, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(user!.replace('<secret>', secret)).toString('base64')}`,
        'content-type': 'application/json',
      },
      body,
    })
    expect(answer.status).toBe(200)
    const { event } = (await answer.json()) as { event: { uuid: string } }
    expect((await rio.getEvent(event.uuid))?.payload).toEqual(JSON.parse(body!))
  }, 60_000)
})
