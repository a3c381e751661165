#!/usr/bin/env node
import { survivePipeClose } from './closed-pipe.js'
import { run } from './program.js'

// `rio … | head -1`: the reader going away is not a failure of the command.
survivePipeClose(process.stdout)
survivePipeClose(process.stderr)
process.exitCode = await run(process.argv)
