/**
 * The `rio` program and {@link run}: every command's options and help are defined here up front,
 * while each command loads what it runs on (`@rio/core`, the dashboard, pino …) only when it runs,
 * so `rio --version`, `rio --help` and a usage error answer without loading any of it.
 * @module
 */

import { Command, CommanderError } from 'commander'
import { addBackup } from './commands/backup.js'
import { addCheck } from './commands/check.js'
import { addCleanup } from './commands/cleanup.js'
import { addDeliveries } from './commands/deliveries.js'
import { addEvents } from './commands/events.js'
import { addHandler } from './commands/handler.js'
import { addHealth } from './commands/health.js'
import { addInit } from './commands/init.js'
import { addMigrate } from './commands/migrate.js'
import { addProject } from './commands/project.js'
import { addSender } from './commands/sender.js'
import { addStart } from './commands/start.js'
import { addSync } from './commands/sync.js'
import { CommandStatus, describeCliFailure, EXIT } from './errors.js'
import { escapeControls } from './escape-controls.js'

/** Builds the `rio` program. */
export function createProgram(): Command {
  const program = new Command('rio')
    .description('Rio: durable event fan-out to webhooks and in-process handlers')
    .version('0.1.0')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `
Configuration: flags > RIO_* environment > rio.yaml (in $RIO_CONF, or here) > defaults.
Exit codes: 0 done, 1 failed (or unhealthy), 2 usage or configuration error, 3 not found.`,
    )
  addInit(program)
  addStart(program)
  addMigrate(program)
  addProject(program)
  addSender(program)
  addHandler(program)
  addEvents(program)
  addDeliveries(program)
  addHealth(program)
  addCleanup(program)
  addBackup(program)
  addCheck(program)
  addSync(program)
  return program
}

/** `command` and every command below it. */
function commandsOf(command: Command): Command[] {
  return [command, ...command.commands.flatMap(commandsOf)]
}

/**
 * Runs the `rio` command with `argv` (as `process.argv`). Expected failures print one line (and a
 * hint) on stderr — a JSON object with `--json`, the argument parser's own errors (unknown command
 * or option, missing argument) included — never a stack; unexpected ones are rethrown. Each call
 * returns its own exit code and leaves `process.exitCode` as it was: setting it is the caller's
 * choice. (`rio start` is the exception: it serves on after returning 0, and on SIGINT/SIGTERM sets
 * `process.exitCode` as it stops.)
 * @returns the exit code: {@link EXIT} (0 done, 1 failed, 2 usage error, 3 not found)
 * @example
 * ```ts
 * process.exitCode = await run(['node', 'rio', 'deliveries', 'list', '--failed', '--json'])
 * ```
 */
export async function run(argv: readonly string[]): Promise<number> {
  const json = argv.includes('--json')
  const program = createProgram()
  // With --json, the parser's complaints are reported below as JSON: Commander prints none of its own.
  if (json) {
    for (const command of commandsOf(program))
      command.configureOutput({ outputError: () => {} }).showHelpAfterError(false)
  }
  // The command that ran, as typed (`deliveries retry`): some hints depend on it.
  let ran: string | undefined
  program.hook('preAction', (_program, action) => {
    const names: string[] = []
    for (let c: Command | null = action; c && c !== program; c = c.parent) names.unshift(c.name())
    ran = names.join(' ')
  })
  try {
    await program.parseAsync(argv as string[])
    return EXIT.ok
  } catch (error) {
    if (error instanceof CommandStatus) return error.exitCode
    // Help or version; or, without --json, an error Commander has already printed.
    if (error instanceof CommanderError && (error.exitCode === 0 || !json))
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage
    // The CLI's own failures are described without loading `@rio/core`; only Rio's and the
    // system's need its error classes (and a Rio error means it is loaded already).
    const failure =
      describeCliFailure(error) ?? (await import('./describe-failure.js')).describeFailure(error, ran)
    if (!failure) throw error
    if (json) {
      const { code, message, hint } = failure
      process.stderr.write(`${JSON.stringify({ error: { code, message, ...(hint ? { hint } : {}) } })}\n`)
    } else {
      // Messages quote what they were given: a server's answer, a stored name, an argument.
      const hint = failure.hint ? `hint: ${escapeControls(failure.hint)}\n` : ''
      process.stderr.write(`rio: ${escapeControls(failure.message)}\n${hint}`)
    }
    return failure.exitCode
  }
}
