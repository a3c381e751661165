import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root, where the CLI runs in tests. */
export const root = fileURLToPath(new URL('../../../', import.meta.url))
export const bin = fileURLToPath(new URL('../src/bin.ts', import.meta.url))

/** A `rio` child process with its output collected. */
export interface RioProcess {
  readonly child: ChildProcess
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>
  /** Everything it printed so far, stdout and stderr interleaved. */
  output(): string
  /** Waits (at most `timeoutMs`) until the output matches; throws with the output if it exits first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>
}

/**
 * Runs `rio …` from the sources (through tsx) in a child process, from the repository root.
 * @param args - the command line after `rio`
 * @param options.env - the environment (default: this process's)
 * @param options.track - called with the child, so the caller can kill it after its test
 * @param options.imports - modules Node preloads (`--import`) after tsx, e.g. loader hooks that
 *   see every module as tsx resolved it
 */
export function spawnRio(
  args: readonly string[],
  options: {
    env?: NodeJS.ProcessEnv
    track?: (child: ChildProcess) => void
    imports?: readonly string[]
  } = {},
): RioProcess {
  const imports = (options.imports ?? []).flatMap((url) => ['--import', url])
  const child = spawn(process.execPath, ['--import', 'tsx', ...imports, bin, ...args], {
    cwd: root,
    env: { ...(options.env ?? process.env), TSX_TSCONFIG_PATH: join(root, 'tsconfig.check.json') },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  options.track?.(child)
  let out = ''
  child.stdout!.on('data', (c) => (out += c))
  child.stderr!.on('data', (c) => (out += c))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const waitFor = async (pattern: RegExp, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs
    while (!pattern.test(out)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no ${pattern} in:\n${out}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    return pattern.exec(out)!
  }
  return { child, exited, waitFor, output: () => out }
}
