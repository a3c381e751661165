/**
 * `rio sync`'s file: parsing and checking a declarative YAML file, and making a database match it.
 * Apart from the command, so that `rio` loads yaml and zod only when it syncs.
 * @module
 */
import type { Rio, WebhookHandler } from '@rio/core'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import { UsageError } from './errors.js'
import { redactHandlerName, redactUrl } from './redact-url.js'

const handlerSchema = z
  .object({
    pattern: z.string(),
    url: z.string(),
    method: z.enum(['POST', 'PUT', 'GET']).optional(),
    contentType: z.enum(['json', 'form', 'form-payload']).optional(),
    secret: z.string().optional(),
    headers: z.record(z.string(), z.string()).optional(),
    timeoutMs: z.number().int().positive().optional(),
    concurrency: z.number().int().positive().optional(),
    rateLimit: z.number().positive().optional(),
    enabled: z.boolean().optional(),
  })
  .strict()
const projectSchema = z
  .object({
    senders: z.record(z.string(), z.object({ secret: z.string().min(6) }).strict()).optional(),
    handlers: z.record(z.string(), handlerSchema).optional(),
  })
  .strict()
const fileSchema = z.object({ projects: z.record(z.string(), projectSchema) }).strict()
type SyncSpec = z.infer<typeof fileSchema>

/** The original Rio's `syncproject` file: one project, senders with tokens, actions with webhooks. */
const legacySchema = z
  .object({
    project: z.string(),
    senders: z.array(z.object({ slug: z.string(), token: z.string().min(6) }).strict()).optional(),
    actions: z
      .array(
        z
          .object({
            slug: z.string(),
            webhooks: z
              .array(
                z
                  .object({
                    method: z.enum(['POST', 'PUT', 'GET']).default('POST'),
                    url: z.string(),
                    headers: z.record(z.string(), z.string()).optional(),
                  })
                  .strict(),
              )
              .optional(),
          })
          .strict(),
      )
      .optional(),
  })
  .strict()

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g

/**
 * Replaces `{{ NAME }}` in every string of parsed YAML (keys too) with the environment variable
 * NAME, so secrets and URLs stay out of the file. Substituting after parsing means a value can hold
 * any character (quotes, `#`, `: `) without changing the file's structure.
 * @throws {@link UsageError} naming every variable that is not set
 */
export function substituteEnv<T>(data: T, env: NodeJS.ProcessEnv = process.env): T {
  const missing = new Set<string>()
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string') {
      return value.replace(PLACEHOLDER, (_m, name: string) => {
        const found = env[name]
        if (found === undefined) missing.add(name)
        return found ?? ''
      })
    }
    if (Array.isArray(value)) return value.map(walk)
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [walk(k), walk(v)]))
    }
    return value
  }
  const out = walk(data) as T
  if (missing.size > 0) {
    throw new UsageError(
      `the sync file uses environment variables that are not set: ${[...missing].join(', ')}`,
      'export them (e.g. from your secret store) and run again',
    )
  }
  return out
}

/** One line of what `rio sync` did. */
export interface SyncChange {
  readonly kind: 'created' | 'updated' | 'removed' | 'unchanged'
  readonly what: string
}

const compared = (h: WebhookHandler) =>
  JSON.stringify([
    h.pattern,
    h.url,
    h.method,
    h.contentType,
    h.secrets,
    h.headers,
    h.timeoutMs,
    h.concurrency,
    h.rateLimit,
    h.enabled,
  ])

/** Turns an original Rio `syncproject` file into the `projects:` form. */
function fromLegacy(legacy: z.infer<typeof legacySchema>): SyncSpec {
  const handlers: Record<string, z.infer<typeof handlerSchema>> = {}
  for (const action of legacy.actions ?? []) {
    for (const webhook of action.webhooks ?? []) {
      // The original sent forms unless the webhook's Content-Type header asked for JSON.
      const headers = Object.fromEntries(
        Object.entries(webhook.headers ?? {}).filter(([k]) => k.toLowerCase() !== 'content-type'),
      )
      const json = Object.entries(webhook.headers ?? {}).some(
        ([k, v]) => k.toLowerCase() === 'content-type' && /json/i.test(v),
      )
      const name = `${action.slug}${webhook.method === 'POST' ? '' : ` ${webhook.method}`} ${webhook.url}`
      handlers[name] = {
        pattern: action.slug,
        url: webhook.url,
        method: webhook.method,
        contentType: json ? 'json' : 'form',
        ...(Object.keys(headers).length ? { headers } : {}),
      }
    }
  }
  const senders = Object.fromEntries((legacy.senders ?? []).map((s) => [s.slug, { secret: s.token }]))
  return { projects: { [legacy.project]: { senders, handlers } } }
}

/** Parses a sync file (either form), substitutes `{{ ENV }}` and validates it. @throws {@link UsageError} */
export function parseSyncFile(text: string, env: NodeJS.ProcessEnv = process.env): SyncSpec {
  let data: unknown
  try {
    data = parseYaml(text)
  } catch (error) {
    // A syntax error's message quotes the lines around it, which may hold a secret: the position
    // alone is given (as for rio.yaml).
    throw new UsageError(
      `the sync file is not valid YAML: ${(error as Error).message.split(':\n\n')[0]}`,
      text.includes('{{') ? 'quote values that start with {{, e.g. secret: "{{ SECRET }}"' : undefined,
    )
  }
  const substituted = substituteEnv(data, env)
  const legacy = typeof substituted === 'object' && substituted !== null && 'project' in substituted
  const parsed = legacy ? legacySchema.safeParse(substituted) : fileSchema.safeParse(substituted)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new UsageError(
      `invalid sync file at ${issue.path.join('.') || '(top)'}: ${issue.message}`,
      legacy
        ? 'an original Rio file holds project, senders (slug, token) and actions (slug, webhooks)'
        : 'the file holds projects: <name>: { senders: <name>: { secret }, handlers: <name>: { pattern, url, … } }',
    )
  }
  return legacy ? fromLegacy(parsed.data as z.infer<typeof legacySchema>) : (parsed.data as SyncSpec)
}

/**
 * Makes the database match a sync file: projects, senders and webhooks; with `prune`, senders and
 * webhooks of the listed projects that the file does not name are removed. Idempotent: a second
 * run changes nothing and reports every item `unchanged`.
 * @param text - YAML, in the `projects:` form or the original Rio's `syncproject` form
 * @returns one entry per project, sender and handler
 * @throws {@link UsageError} for a bad file or a missing variable; Rio's errors for bad values
 */
export async function syncFile(
  rio: Rio,
  text: string,
  options: { prune?: boolean; env?: NodeJS.ProcessEnv } = {},
): Promise<SyncChange[]> {
  const spec = parseSyncFile(text, options.env)
  const changes: SyncChange[] = []
  const known = new Set((await rio.listProjects()).map((p) => p.name))
  for (const [project, declared] of Object.entries(spec.projects)) {
    if (!known.has(project)) {
      await rio.createProject(project)
      changes.push({ kind: 'created', what: `project ${project}` })
    } else {
      changes.push({ kind: 'unchanged', what: `project ${project}` })
    }
    const senders = new Map((await rio.listSenders(project)).map((s) => [s.name, s]))
    for (const [name, sender] of Object.entries(declared.senders ?? {})) {
      const label = `sender ${project}/${name}`
      if (senders.has(name)) {
        if ((await rio.authenticateSender(project, name, sender.secret)).ok)
          changes.push({ kind: 'unchanged', what: label })
        else {
          await rio.removeSender(project, name)
          await rio.createSender(project, name, { secret: sender.secret })
          changes.push({ kind: 'updated', what: `${label} (new secret)` })
        }
      } else {
        await rio.createSender(project, name, { secret: sender.secret })
        changes.push({ kind: 'created', what: label })
      }
      senders.delete(name)
    }
    // By id: Rio finds a handler by any form of its name (NFC, or an older one as stored), so the
    // handler a declaration changed is the one it returns, whatever form the file writes.
    const stored = new Map(
      (await rio.listHandlers({ project, kind: 'webhook' })).map((h) => [h.id, h as WebhookHandler]),
    )
    const handlers = new Map(stored)
    for (const [name, { pattern, secret, ...rest }] of Object.entries(declared.handlers ?? {})) {
      const after = await rio.webhook(pattern, { ...rest, name, project, ...(secret ? { secret } : {}) })
      const before = stored.get(after.id)
      // Names that just repeat the subscription (the default, and original Rio files) are not shown
      // twice. URLs are redacted as in the logs: this output ends up in CI logs.
      const url = redactUrl(after.url)
      const label =
        name === `${pattern} ${after.url}`
          ? `handler ${project}: ${pattern} → ${url}`
          : `handler ${project}/${redactHandlerName(after)} (${pattern} → ${url})`
      const kind = !before ? 'created' : compared(before) === compared(after) ? 'unchanged' : 'updated'
      changes.push({ kind, what: label })
      handlers.delete(after.id)
    }
    if (options.prune) {
      for (const name of senders.keys()) {
        await rio.removeSender(project, name)
        changes.push({ kind: 'removed', what: `sender ${project}/${name}` })
      }
      for (const handler of handlers.values()) {
        await rio.removeHandler(handler.id)
        changes.push({
          kind: 'removed',
          what: `handler ${project}/${redactHandlerName(handler)}`,
        })
      }
    }
  }
  return changes
}
