import { readFileSync } from 'node:fs'
import type { Rio, WebhookHandler } from '@rio/core'
import type { Command } from 'commander'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import { type CommonOptions, common, withRio } from '../context.js'

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
const fileSchema = z
  .object({
    projects: z.record(
      z.string(),
      z
        .object({
          senders: z.record(z.string(), z.object({ secret: z.string().min(6) }).strict()).optional(),
          handlers: z.record(z.string(), handlerSchema).optional(),
        })
        .strict(),
    ),
  })
  .strict()

/**
 * Replaces `{{ NAME }}` with the environment variable NAME (so secrets and URLs stay out of the
 * file). @throws Error naming every variable that is not set
 */
export function substituteEnv(text: string, env: NodeJS.ProcessEnv = process.env): string {
  const missing = new Set<string>()
  const out = text.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_m, name: string) => {
    const value = env[name]
    if (value === undefined) missing.add(name)
    return value ?? ''
  })
  if (missing.size > 0)
    throw new Error(`the sync file uses environment variables that are not set: ${[...missing].join(', ')}`)
  return out
}

type Change = { kind: 'created' | 'updated' | 'removed' | 'unchanged'; what: string }

const same = (a: WebhookHandler, b: WebhookHandler) =>
  JSON.stringify([
    a.pattern,
    a.url,
    a.method,
    a.contentType,
    a.secrets,
    a.headers,
    a.timeoutMs,
    a.concurrency,
    a.rateLimit,
    a.enabled,
  ]) ===
  JSON.stringify([
    b.pattern,
    b.url,
    b.method,
    b.contentType,
    b.secrets,
    b.headers,
    b.timeoutMs,
    b.concurrency,
    b.rateLimit,
    b.enabled,
  ])

/** Makes the database match the file: projects, senders and webhooks; `prune` removes the rest. */
export async function syncFile(
  rio: Rio,
  text: string,
  options: { prune?: boolean; env?: NodeJS.ProcessEnv } = {},
): Promise<Change[]> {
  const parsed = fileSchema.safeParse(parseYaml(substituteEnv(text, options.env)))
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new Error(`invalid sync file at ${issue.path.join('.') || '(top)'}: ${issue.message}`)
  }
  const changes: Change[] = []
  const known = new Set((await rio.listProjects()).map((p) => p.name))
  for (const [project, spec] of Object.entries(parsed.data.projects)) {
    if (!known.has(project)) {
      await rio.createProject(project)
      changes.push({ kind: 'created', what: `project ${project}` })
    }
    const senders = new Map((await rio.listSenders(project)).map((s) => [s.name, s]))
    for (const [name, sender] of Object.entries(spec.senders ?? {})) {
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
    const handlers = new Map(
      (await rio.listHandlers({ project, kind: 'webhook' })).map((h) => [h.name, h as WebhookHandler]),
    )
    for (const [name, { pattern, secret, ...rest }] of Object.entries(spec.handlers ?? {})) {
      const before = handlers.get(name)
      const after = await rio.webhook(pattern, { ...rest, name, project, ...(secret ? { secret } : {}) })
      const label = `handler ${project}/${name} (${pattern} → ${after.url})`
      changes.push({ kind: !before ? 'created' : same(before, after) ? 'unchanged' : 'updated', what: label })
      handlers.delete(name)
    }
    if (options.prune) {
      for (const name of senders.keys()) {
        await rio.removeSender(project, name)
        changes.push({ kind: 'removed', what: `sender ${project}/${name}` })
      }
      for (const handler of handlers.values()) {
        await rio.removeHandler(handler.id)
        changes.push({ kind: 'removed', what: `handler ${project}/${handler.name}` })
      }
    }
  }
  return changes
}

/** `rio sync <file.yaml> [--prune]`: the original Rio's syncproject, made idempotent. */
export function addSync(program: Command): void {
  common(
    program
      .command('sync')
      .argument('<file>', 'YAML declaring projects, senders and handlers ({{ ENV_VAR }} substituted)')
      .option('--prune', 'remove senders and webhooks of the listed projects that the file does not name')
      .description('make the database match a declarative file, printing what changed'),
  ).action((file: string, options: CommonOptions & { prune?: boolean }) =>
    withRio(options, async (rio) => {
      const changes = await syncFile(rio, readFileSync(file, 'utf8'), { prune: options.prune === true })
      if (options.json) return void process.stdout.write(`${JSON.stringify(changes, null, 2)}\n`)
      const real = changes.filter((c) => c.kind !== 'unchanged')
      process.stdout.write(
        real.length === 0 ? 'no changes\n' : `${real.map((c) => `${c.kind} ${c.what}`).join('\n')}\n`,
      )
    }),
  )
}
