// Module hooks that make a child process look like a runtime without `node:crypto` (Workers, Deno,
// browsers): importing it fails as a missing module would. Registered with `module.register()`.

/** Refuses `node:crypto` and `crypto`; resolves everything else as usual. */
export async function resolve(specifier, context, nextResolve) {
  if (specifier === 'node:crypto' || specifier === 'crypto') {
    throw Object.assign(new Error(`${specifier} is not available in this runtime`), {
      code: 'ERR_MODULE_NOT_FOUND',
    })
  }
  return nextResolve(specifier, context)
}
