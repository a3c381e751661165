import { readFileSync } from 'node:fs'
import type { Command } from 'commander'
import { type CommonOptions, common, withRio } from '../context.js'
import { escapeControls } from '../escape-controls.js'

/** `rio sync <file.yaml> [--prune]`: the original Rio's syncproject, made idempotent. */
export function addSync(program: Command): void {
  common(
    program
      .command('sync')
      .argument('<file>', 'YAML declaring projects, senders and handlers ({{ ENV_VAR }} substituted)')
      .option('--prune', 'remove senders and webhooks of the listed projects that the file does not name')
      .description('make the database match a declarative file, printing what changed'),
  ).action(async (file: string, options: CommonOptions & { prune?: boolean }) => {
    // Read and check the file before opening the database: a bad file changes nothing.
    const text = readFileSync(file, 'utf8')
    const { parseSyncFile, syncFile } = await import('../sync-file.js')
    parseSyncFile(text)
    return withRio(
      options,
      async (rio) => {
        const changes = await syncFile(rio, text, { prune: options.prune === true })
        if (options.json) return void process.stdout.write(`${JSON.stringify(changes, null, 2)}\n`)
        const real = changes.filter((c) => c.kind !== 'unchanged')
        process.stdout.write(
          real.length === 0
            ? 'no changes\n'
            : `${real.map((c) => `${c.kind} ${escapeControls(c.what)}`).join('\n')}\n`,
        )
      },
      { create: true },
    )
  })
}
