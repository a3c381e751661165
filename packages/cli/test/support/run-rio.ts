import { run } from '../../src/index.js'

/**
 * Runs `rio …` in this process, its stdout a pipe, or a terminal `columns` wide, and returns its
 * exit code and what it printed on stdout and stderr.
 */
export async function runRio(
  args: string[],
  terminal?: { columns: number },
): Promise<{ code: number; out: string; err: string }> {
  const { stdout, stderr } = process
  const saved = {
    out: stdout.write,
    err: stderr.write,
    isTTY: Object.getOwnPropertyDescriptor(stdout, 'isTTY'),
    columns: Object.getOwnPropertyDescriptor(stdout, 'columns'),
  }
  let out = ''
  let err = ''
  stdout.write = ((chunk: string) => {
    out += chunk
    return true
  }) as typeof stdout.write
  stderr.write = ((chunk: string) => {
    err += chunk
    return true
  }) as typeof stderr.write
  Object.defineProperty(stdout, 'isTTY', { value: terminal !== undefined, configurable: true })
  Object.defineProperty(stdout, 'columns', { value: terminal?.columns, configurable: true })
  try {
    return { code: await run(['node', 'rio', ...args]), out, err }
  } finally {
    stdout.write = saved.out
    stderr.write = saved.err
    for (const key of ['isTTY', 'columns'] as const) {
      const descriptor = saved[key]
      if (descriptor) Object.defineProperty(stdout, key, descriptor)
      else delete (stdout as Partial<NodeJS.WriteStream>)[key]
    }
  }
}
