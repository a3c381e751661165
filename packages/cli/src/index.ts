/**
 * `@rio/cli`: the `rio` command, and {@link run} for tests and hosts.
 * @module
 */

import { RioError } from '@rio/core'
import { Command, CommanderError } from 'commander'
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

/** Builds the `rio` program. */
export function createProgram(): Command {
  const program = new Command('rio')
    .description('Rio: durable event fan-out to webhooks and in-process handlers')
    .version('0.1.0')
    .exitOverride()
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
  addSync(program)
  return program
}

/**
 * Runs the `rio` command with `argv` (as `process.argv`).
 * @returns the exit code: 0 done, 1 failed, 2 usage error
 */
export async function run(argv: readonly string[]): Promise<number> {
  try {
    await createProgram().parseAsync(argv as string[])
    return typeof process.exitCode === 'number' ? process.exitCode : 0
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2
    // Expected failures get one line that says what to do; only bugs get a stack.
    if (error instanceof RioError || (error instanceof Error && !(error instanceof TypeError))) {
      process.stderr.write(`rio: ${error.message}\n`)
      return 1
    }
    throw error
  }
}
