import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import * as cli from '../src/index.js'
import { progress } from '../src/progress.js'

describe('@rio/cli exports', () => {
  it('exposes exactly this surface', () => {
    expect(Object.keys(cli).sort()).toEqual([
      'CliError',
      'EXIT',
      'UsageError',
      'baseUrl',
      'configPath',
      'createLogger',
      'createMetrics',
      'createProgram',
      'describeFailure',
      'loadConfig',
      'logRio',
      'resolveConfig',
      'run',
      'substituteEnv',
      'syncFile',
    ])
    expect(cli.EXIT).toEqual({ ok: 0, failure: 1, usage: 2, notFound: 3 })
  })

  it('builds every command', () => {
    const names = cli.createProgram().commands.map((c) => c.name())
    expect(names).toEqual([
      'init',
      'start',
      'migrate',
      'project',
      'sender',
      'handler',
      'events',
      'deliveries',
      'recover',
      'health',
      'cleanup',
      'sync',
    ])
  })
})

describe('baseUrl', () => {
  it.each([
    [{ host: '127.0.0.1', port: 8009 }, 'http://127.0.0.1:8009'],
    [{ host: '0.0.0.0', port: 8009 }, 'http://127.0.0.1:8009'],
    [{ host: '::1', port: 1 }, 'http://[::1]:1'],
    [{ host: '0.0.0.0', port: 8009, publicUrl: 'https://rio.example.com/' }, 'https://rio.example.com'],
  ])('turns %o into %s', (config, url) => {
    expect(cli.baseUrl({ publicUrl: undefined, ...config })).toBe(url)
  })
})

describe('progress', () => {
  const stream = (isTTY: boolean) => {
    const s = Object.assign(new PassThrough(), { isTTY }) as unknown as NodeJS.WriteStream
    let written = ''
    ;(s as unknown as PassThrough).on('data', (c) => (written += c))
    return { s, written: () => written }
  }

  it('draws on a terminal and clears the line when done', () => {
    const { s, written } = stream(true)
    const p = progress('working…', { stream: s })
    p.update('removed 500 events…')
    p.done()
    expect(written()).toContain('working…')
    expect(written()).toContain('removed 500 events…')
    expect(written().endsWith('\r\x1b[2K')).toBe(true)
  })

  it('writes nothing when the stream is not a terminal, or when quiet', () => {
    for (const [isTTY, quiet] of [
      [false, false],
      [true, true],
    ] as const) {
      const { s, written } = stream(isTTY)
      const p = progress('working…', { stream: s, quiet })
      p.update('more')
      p.done()
      expect(written()).toBe('')
    }
  })
})
