import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ManualClock, Rio } from '../../core/src/index.js'
import { tempDir } from '../../core/test/helpers.js'
import { root, spawnRio } from './spawn-rio.js'

/** This process's environment in another time zone and locale, without RIO_* settings. */
function zoned(zone: string, locale: string): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('RIO_')))
  return { ...env, TZ: zone, LANG: locale, LC_ALL: locale }
}

// Vitest runs in the machine's zone, usually UTC, where local time and UTC agree: these children
// run in zones where they do not, so code that reads or prints local time fails here.
describe('rio on a machine in another time zone', () => {
  it('reads --since without an offset as UTC and prints UTC times, in Chatham (+13:45) with an Arabic locale', async () => {
    const database = join(tempDir(), 'rio.db')
    const clock = new ManualClock(Date.parse('2026-01-31T09:00:00Z'))
    const rio = new Rio({ database, clock })
    for (const at of ['09:00', '09:45', '10:30']) {
      clock.set(Date.parse(`2026-01-31T${at}:00Z`))
      await rio.emit(`at-${at.replace(':', '')}`, { at })
    }
    await rio.stop()

    const run = spawnRio(['events', 'list', '--since', '2026-01-31 09:30', '--database', database], {
      env: zoned('Pacific/Chatham', 'ar_EG.UTF-8'),
    })
    expect(await run.exited, run.output()).toBe(0)
    const rows = run
      .output()
      .split('\n')
      .filter((line) => line.includes('at-'))
    expect(rows.map((line) => /at-\d+/.exec(line)?.[0])).toEqual(['at-1030', 'at-0945'])
    expect(rows.map((line) => /\d{4}-\d\d-\d\dT[\d:]+Z/.exec(line)?.[0])).toEqual([
      '2026-01-31T10:30:00Z',
      '2026-01-31T09:45:00Z',
    ])
  })

  it('opens each pretty log line with the date and time in UTC, in St. John’s (−3:30)', async () => {
    const logging = new URL('../src/logging.ts', import.meta.url).href
    const script = join(tempDir(), 'log.mts')
    writeFileSync(
      script,
      `import { createLogger } from ${JSON.stringify(logging)}\ncreateLogger({ format: 'pretty' }).info('hello')\n`,
    )
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: root,
      env: {
        ...zoned('America/St_Johns', 'de_DE.UTF-8'),
        TSX_TSCONFIG_PATH: join(root, 'tsconfig.check.json'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (chunk) => (out += chunk))
    child.stderr.on('data', (chunk) => (out += chunk))
    const before = Date.now()
    await new Promise((resolve) => child.on('exit', resolve))
    const line = /^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\] INFO: hello$/m.exec(out)
    expect(line, out).not.toBeNull()
    // Logged while the child ran: within seconds of now in UTC, not 3.5 hours off.
    const at = Date.parse(line![1]!)
    expect(at).toBeGreaterThan(before - 60_000)
    expect(at).toBeLessThanOrEqual(Date.now())
  })
})
