import { execFile } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join, posix } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CONSUMER_SOURCE } from './consumer-source.js'
import { extractTo, readTarball, type TarballFile } from './tarball.js'

// What a user installs from npm: each package as `pnpm pack` (which `pnpm publish` uploads) writes
// it, unpacked into a project outside the workspace whose dependencies resolve only to what the
// packed manifests declare (linked from the workspace's node_modules: no network). Needs `dist/`:
// `pnpm run check` builds before it tests.

const execFileAsync = promisify(execFile)
const root = fileURLToPath(new URL('../../', import.meta.url))
const DIRS = ['signature', 'client', 'core', 'cli'] as const
type Dir = (typeof DIRS)[number]

/**
 * Every subpath each package documents and the module in `dist/` it loads; a change here is a
 * change of the public surface (each entry module's export list is pinned by its package's tests).
 */
const ENTRIES: Record<Dir, Record<string, string>> = {
  signature: {
    '.': 'index',
    './express': 'adapters/express',
    './fastify': 'adapters/fastify',
    './node': 'adapters/node',
    './web': 'adapters/web',
  },
  client: { '.': 'index' },
  core: { '.': 'index' },
  cli: { '.': 'index', './dashboard': 'dashboard/index' },
}

interface ExportTarget {
  readonly types: string
  readonly default: string
}

interface Manifest {
  readonly name: string
  readonly version: string
  readonly description?: string
  readonly keywords?: string[]
  readonly license?: string
  readonly type?: string
  readonly sideEffects?: boolean
  readonly engines?: { node?: string }
  readonly publishConfig?: { access?: string }
  readonly exports: Record<string, ExportTarget>
  readonly bin?: Record<string, string>
  readonly dependencies?: Record<string, string>
  readonly peerDependencies?: Record<string, string>
  readonly optionalDependencies?: Record<string, string>
  readonly devDependencies?: Record<string, string>
}

interface Packed {
  readonly dir: Dir
  readonly manifest: Manifest
  readonly files: Map<string, TarballFile>
}

/** pnpm as this test was started with (`pnpm run …` sets npm_execpath), else the one on PATH. */
function pnpm(args: string[]): [string, string[]] {
  const execPath = process.env.npm_execpath
  if (execPath && basename(execPath).startsWith('pnpm')) {
    return /\.[cm]?js$/.test(execPath) ? [process.execPath, [execPath, ...args]] : [execPath, args]
  }
  return ['pnpm', args]
}

/** The environment for child processes, without the caller's Rio settings. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CI: 'true' }
  for (const name of Object.keys(env)) if (name.startsWith('RIO_')) delete env[name]
  return env
}

/** Packs every package with one `pnpm pack`, as `pnpm publish` would, into `destination`. */
async function packAll(destination: string): Promise<Packed[]> {
  const names = Object.fromEntries(
    DIRS.map((dir) => [
      (JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) as Manifest).name,
      dir,
    ]),
  )
  const filters = Object.keys(names).flatMap((name) => ['--filter', name])
  const [command, args] = pnpm([
    '--recursive',
    ...filters,
    'pack',
    '--json',
    '--pack-destination',
    destination,
  ])
  const { stdout } = await execFileAsync(command, args, { cwd: root, env: childEnv() })
  const results = JSON.parse(stdout.slice(stdout.indexOf('['))) as { name: string; filename: string }[]
  expect(results.map((r) => r.name).sort()).toEqual(Object.keys(names).sort())
  return results.map(({ name, filename }) => {
    const files = readTarball(readFileSync(join(destination, basename(filename))))
    const manifestFile = files.find((file) => file.path === 'package.json')
    if (!manifestFile) throw new Error(`the tarball of ${name} has no package.json`)
    const manifest = JSON.parse(manifestFile.content.toString()) as Manifest
    return { dir: names[name]!, manifest, files: new Map(files.map((file) => [file.path, file])) }
  })
}

/** Links `name` in `modules` to `target`, as a package manager does. */
function link(modules: string, name: string, target: string): void {
  mkdirSync(dirname(join(modules, name)), { recursive: true })
  symlinkSync(target, join(modules, name), 'junction')
}

/**
 * Unpacks every tarball into `project/node_modules` and links each dependency a packed manifest
 * declares (other than Rio's own packages, which come from the tarballs) to the workspace's copy.
 * @param extra - more packages the user has installed, by name, from the workspace root
 */
function install(project: string, packages: readonly Packed[], extra: readonly string[] = []): void {
  const modules = join(project, 'node_modules')
  const ours = new Set(packages.map((p) => p.manifest.name))
  const links = new Map<string, string>()
  for (const { dir, manifest, files } of packages) {
    extractTo([...files.values()], join(modules, manifest.name))
    for (const dep of Object.keys(manifest.dependencies ?? {})) {
      if (!ours.has(dep)) links.set(dep, realpathSync(join(root, 'packages', dir, 'node_modules', dep)))
    }
  }
  for (const name of extra) links.set(name, realpathSync(join(root, 'node_modules', name)))
  for (const [name, target] of links) link(modules, name, target)
  writeFileSync(join(project, 'package.json'), '{ "name": "consumer", "private": true, "type": "module" }\n')
}

/** `>=20.18.1` → [20, 18, 1]; undefined for any other form of range. */
function minimumOf(range: string): number[] | undefined {
  const match = /^\s*>=\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?\s*$/.exec(range)
  return match ? [1, 2, 3].map((i) => Number(match[i] ?? 0)) : undefined
}

function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0)
  return 0
}

/** The bare specifiers a module imports: static, re-exported and dynamic (`import('undici')`). */
function importsOf(source: string): string[] {
  const patterns = [
    /^(?:import|export)\b.*?\bfrom\s*(['"])([^'"]+)\1;?$/gm, // tsc prints each declaration on one line
    /^import\s*(['"])([^'"]+)\1;?$/gm,
    /\bimport\(\s*(['"])([^'"]+)\1\s*\)/g,
  ]
  const found = new Set<string>()
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) found.add(match[2]!)
  return [...found].filter((specifier) => !specifier.startsWith('.'))
}

/** The package a bare specifier names: `@rio/signature/web` → `@rio/signature`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/')
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!
}

/** An entry point's export names, or why it failed to load. */
type Loaded = string[] | { error: string }

/** `import()` or `require()` each entry in a child Node, from `project`. */
async function loadEntries(
  project: string,
  entries: readonly string[],
  how: 'import' | 'require',
): Promise<Record<string, Loaded>> {
  const load =
    how === 'import'
      ? 'Object.keys(await import(e))'
      : 'Object.keys(require(e)).filter((k) => k !== "__esModule")' // require(esm) adds __esModule beside a default export
  const script = `const out = {}
for (const e of JSON.parse(process.env.ENTRIES)) {
  try { out[e] = ${load}.sort() } catch (error) { out[e] = { error: \`\${error.code}: \${error.message}\` } }
}
console.log(JSON.stringify(out))`
  const flags = how === 'import' ? ['--input-type=module'] : []
  const { stdout } = await execFileAsync(process.execPath, [...flags, '-e', script], {
    cwd: project,
    env: { ...childEnv(), ENTRIES: JSON.stringify(entries) },
  })
  return JSON.parse(stdout) as Record<string, Loaded>
}

function entryNames(p: Packed): string[] {
  return Object.keys(p.manifest.exports).map((subpath) => p.manifest.name + subpath.slice(1))
}

/** Type-checks `CONSUMER_SOURCE` against the tarballs in a project of its own; tsc's output. */
async function typeCheck(project: string, options: Record<string, string>): Promise<string> {
  install(project, packed, ['@types/node', 'express', '@types/express'])
  writeFileSync(join(project, 'consumer.ts'), CONSUMER_SOURCE)
  // skipLibCheck, as most projects set it: checking every library's types takes 5 times as long, and
  // the consumer's own assertions catch a type that degrades to \`any\`.
  const compilerOptions = {
    ...options,
    target: 'es2022',
    lib: ['es2023'],
    types: ['node'],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
  }
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['consumer.ts'] }))
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
  return execFileAsync(process.execPath, [tsc, '-p', project], { cwd: project }).then(
    ({ stdout }) => stdout,
    (error: { stdout?: string }) => error.stdout || String(error),
  )
}

let tmp: string
let packed: Packed[]
let runtime: string
/** Each entry point's export names, by `import()` and (where Node can) by `require()`. */
let imported: Record<string, Loaded>
let required: Record<string, Loaded> | undefined
/** tsc's output per moduleResolution; started early, as it takes the longest. */
let typeChecks: Record<'node16' | 'bundler', Promise<string>>

beforeAll(async () => {
  for (const dir of DIRS) {
    if (!existsSync(join(root, 'packages', dir, 'dist', 'index.js'))) {
      throw new Error(`packages/${dir}/dist is missing: run \`pnpm run build\` before this test`)
    }
  }
  tmp = mkdtempSync(join(tmpdir(), 'rio-packaging-'))
  const tarballs = join(tmp, 'tarballs')
  mkdirSync(tarballs)
  packed = await packAll(tarballs)
  runtime = join(tmp, 'runtime')
  install(runtime, packed)
  typeChecks = {
    node16: typeCheck(join(tmp, 'types-node16'), { module: 'node16', moduleResolution: 'node16' }),
    bundler: typeCheck(join(tmp, 'types-bundler'), { module: 'esnext', moduleResolution: 'bundler' }),
  }
  const entries = packed.flatMap(entryNames)
  ;[imported, required] = await Promise.all([
    loadEntries(runtime, entries, 'import'),
    process.features.require_module ? loadEntries(runtime, entries, 'require') : undefined,
  ])
}, 60_000)

afterAll(async () => {
  // Let tsc finish with its files before they are removed, whichever test failed.
  if (typeChecks) await Promise.allSettled(Object.values(typeChecks))
  if (tmp) rmSync(tmp, { recursive: true, force: true })
}, 60_000)

const byDir = (dir: Dir) => packed.find((p) => p.dir === dir)!

describe.each(DIRS)('the tarball of packages/%s', (dir) => {
  it('declares its dependencies as ranges a registry can resolve', () => {
    const { manifest } = byDir(dir)
    const versions = new Map(packed.map((p) => [p.manifest.name, p.manifest.version]))
    for (const field of [
      'dependencies',
      'peerDependencies',
      'optionalDependencies',
      'devDependencies',
    ] as const) {
      for (const [name, range] of Object.entries(manifest[field] ?? {})) {
        expect(range, `${field}.${name}`).not.toMatch(/^(workspace|catalog|link|file|portal):/)
        const own = versions.get(name)
        if (own !== undefined) expect([`^${own}`, `~${own}`, own], `${field}.${name}`).toContain(range)
      }
    }
  })

  it('ships only its manifest, README, LICENSE, built modules, their sources and bin', () => {
    const { files } = byDir(dir)
    const unexpected = [...files.keys()].filter(
      (path) =>
        !/^(package\.json|README\.md|LICENSE|dist\/.+\.(js|d\.ts|js\.map|d\.ts\.map)|src\/.+\.ts|bin\/[^/]+\.js)$/.test(
          path,
        ) || /(\.test\.|(^|\/)zz-|tsbuildinfo)/.test(path),
    )
    expect(unexpected).toEqual([])
    expect(files.get('LICENSE')?.content.toString()).toBe(readFileSync(join(root, 'LICENSE'), 'utf8'))
    expect(files.get('README.md')?.content.toString()).toMatch(new RegExp(`^# ${byDir(dir).manifest.name}\n`))
  })

  it('ships for each source its module and types, and no module without a source', () => {
    const paths = new Set(byDir(dir).files.keys())
    const sources = [...paths].filter((p) => p.startsWith('src/')).map((p) => p.slice(4, -3))
    const modules = [...paths].filter((p) => /^dist\/.+\.js$/.test(p)).map((p) => p.slice(5, -3))
    expect(sources.length).toBeGreaterThan(0)
    const stale = modules.filter((m) => !paths.has(`src/${m}.ts`))
    expect(stale, `dist/ holds modules of deleted sources: rm -rf packages/${dir}/dist, then build`).toEqual(
      [],
    )
    const unbuilt = sources.filter((s) => !paths.has(`dist/${s}.js`) || !paths.has(`dist/${s}.d.ts`))
    expect(unbuilt, 'sources without their module or types: pnpm run build').toEqual([])
  })

  it('ships the sources every source map and declaration map points at', () => {
    const { files } = byDir(dir)
    const dangling: string[] = []
    for (const [path, file] of files) {
      if (!path.endsWith('.map')) continue
      const map = JSON.parse(file.content.toString()) as { sources: string[]; sourceRoot?: string }
      for (const source of map.sources) {
        const resolved = posix.normalize(posix.join(posix.dirname(path), map.sourceRoot ?? '', source))
        if (!files.has(resolved)) dangling.push(`${path} → ${resolved}`)
      }
    }
    expect(dangling).toEqual([])
  })

  it('is an ES module package whose exports map lists types first and points into the tarball', () => {
    const { manifest, files } = byDir(dir)
    expect(manifest.type).toBe('module')
    expect(manifest.sideEffects).toBe(false)
    expect(manifest.license).toBe('BSD-3-Clause')
    expect(manifest.description).toBeTruthy()
    expect(manifest.keywords?.length).toBeGreaterThan(0)
    expect(Object.keys(manifest.exports)).toEqual(Object.keys(ENTRIES[dir]))
    for (const [subpath, target] of Object.entries(manifest.exports)) {
      const module = ENTRIES[dir][subpath]
      expect(target, subpath).toStrictEqual({
        types: `./dist/${module}.d.ts`,
        default: `./dist/${module}.js`,
      })
      expect(Object.keys(target), subpath).toEqual(['types', 'default'])
      for (const path of [target.types, target.default])
        expect(files.has(path.replace(/^\.\//, '')), path).toBe(true)
    }
  })

  it('can be published: a scoped package is public', () => {
    const { manifest } = byDir(dir)
    // npm publishes a scoped package as restricted (paid, private) unless told otherwise.
    if (manifest.name.startsWith('@')) expect(manifest.publishConfig?.access).toBe('public')
    else expect(manifest.publishConfig?.access ?? 'public').toBe('public')
  })

  it('requires a Node.js every dependency supports', () => {
    const { manifest } = byDir(dir)
    const ours = minimumOf(manifest.engines?.node ?? '')
    expect(ours, `engines.node ${manifest.engines?.node}`).toBeDefined()
    expect(compareVersions(ours!, [20, 18, 0])).toBeGreaterThanOrEqual(0)
    const tooOld: string[] = []
    for (const dep of Object.keys(manifest.dependencies ?? {})) {
      const depManifest = JSON.parse(
        readFileSync(join(root, 'packages', dir, 'node_modules', dep, 'package.json'), 'utf8'),
      ) as { engines?: { node?: string } }
      const theirs = minimumOf(depManifest.engines?.node ?? '')
      if (theirs && compareVersions(ours!, theirs) < 0)
        tooOld.push(`${dep} needs node ${depManifest.engines?.node}`)
    }
    expect(tooOld, `engines.node ${manifest.engines?.node}`).toEqual([])
  })

  it('declares every package its modules import', () => {
    const { manifest, files } = byDir(dir)
    // Not the optional peers: frameworks are imported as types only (CONVENTIONS §5).
    const declared = new Set([manifest.name, ...Object.keys(manifest.dependencies ?? {})])
    const undeclared = new Set<string>()
    for (const [path, file] of files) {
      if (!path.endsWith('.js') || !path.startsWith('dist/')) continue
      for (const specifier of importsOf(file.content.toString())) {
        const name = packageOf(specifier)
        if (!specifier.startsWith('node:') && !declared.has(name)) undeclared.add(`${path}: ${name}`)
      }
    }
    expect([...undeclared]).toEqual([])
  })

  it('loads every entry point from the unpacked tarballs with only the declared dependencies', () => {
    // A dependency the manifest does not declare, or a framework an adapter imports at run time, fails here.
    for (const entry of entryNames(byDir(dir))) {
      expect(imported[entry], entry).toBeInstanceOf(Array)
      expect((imported[entry] as string[]).length, entry).toBeGreaterThan(0)
    }
  })

  it.runIf(process.features.require_module)('can be require()d from CommonJS (Node ≥ 20.19)', () => {
    // Top-level await in any module an entry loads would make require() throw ERR_REQUIRE_ASYNC_MODULE.
    for (const entry of entryNames(byDir(dir))) expect(required?.[entry], entry).toEqual(imported[entry])
  })
})

describe('the installed packages', () => {
  it('report the version in their manifests', async () => {
    const loaded = await execFileAsync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const [c, r] = await Promise.all([import('@rio/core'), import('rio-client')]); console.log(JSON.stringify([c.VERSION, r.VERSION]))",
      ],
      { cwd: runtime, env: childEnv() },
    )
    expect(JSON.parse(loaded.stdout)).toEqual([
      byDir('core').manifest.version,
      byDir('client').manifest.version,
    ])
  })

  it('resolve @rio/core’s @rio/signature to the packed copy, not the workspace', async () => {
    const { stdout } = await execFileAsync(
      process.execPath,
      ['--input-type=module', '-e', "console.log(import.meta.resolve('@rio/signature'))"],
      { cwd: join(runtime, 'node_modules', '@rio', 'core') },
    )
    expect(fileURLToPath(stdout.trim())).toBe(
      join(runtime, 'node_modules', '@rio', 'signature', 'dist', 'index.js'),
    )
  })

  it('run the rio bin through its shebang: --version, --help and init', async () => {
    const cli = byDir('cli')
    expect(Object.keys(cli.manifest.bin ?? {})).toEqual(['rio'])
    const path = cli.manifest.bin!.rio!.replace(/^\.\//, '')
    const file = cli.files.get(path)
    expect(file?.content.toString().startsWith('#!/usr/bin/env node\n')).toBe(true)
    expect((file?.mode ?? 0) & 0o111).not.toBe(0)

    const bin = join(runtime, 'node_modules', '@rio', 'cli', path)
    const options = { cwd: tmp, env: childEnv() }
    const project = join(tmp, 'init')
    const [version, help, init] = await Promise.all([
      execFileAsync(bin, ['--version'], options),
      execFileAsync(bin, ['--help'], options),
      execFileAsync(bin, ['init', project], options),
    ])
    expect(version.stdout.trim()).toBe(cli.manifest.version)
    expect(help.stdout).toMatch(/^Usage: rio /)
    expect(init.stdout).toContain(join(project, 'rio.yaml'))
    expect(readFileSync(join(project, 'rio.yaml'), 'utf8')).toMatch(/^adminToken: \S{20,}$/m)
  })

  it.each(['node16', 'bundler'] as const)(
    'type-check a strict TypeScript program of README samples (moduleResolution %s)',
    async (name) => {
      expect(await typeChecks[name]).toBe('')
    },
  )
})
