#!/usr/bin/env node
// The `rio` command. This file is checked in, so a package manager links it when it installs the
// workspace, before `dist/` is built (pnpm links a bin only if its file exists at install time).
try {
  await import('../dist/bin.js')
} catch (error) {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/bin.js')) {
    process.stderr.write('rio: the CLI is not built yet: run `pnpm run build` at the repository root\n')
    process.exitCode = 1
  } else throw error
}
