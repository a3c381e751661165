import { z } from 'zod'

/** Event names: start with a letter or digit, then letters, digits, `.`, `_`, `:` or `-`; at most 128. */
export const EVENT_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/

/** Validates an event name (zod). */
export const eventNameSchema = z
  .string()
  .regex(
    EVENT_NAME_RE,
    'an event name starts with a letter or digit and holds only letters, digits, ".", "_", ":" and "-" (at most 128)',
  )

/** Project names follow the same rule as event names, worded for projects in messages. */
export const projectNameSchema = z
  .string()
  .regex(
    EVENT_NAME_RE,
    'a project name starts with a letter or digit and holds only letters, digits, ".", "_", ":" and "-" (at most 128)',
  )
