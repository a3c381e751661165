/**
 * How fast `@rio/signature` verifies a webhook, beside the bare `node:crypto` work (the floor) and
 * the incumbents, `standardwebhooks` and `svix`, on the same signed requests.
 *
 * Run: `pnpm run build && pnpm exec tsx bench/signature.ts` (about 1 s per case, 8 cases).
 *
 * @module
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { pathToFileURL } from 'node:url'
import { sign, verify } from '@rio/signature'
import { Webhook as StandardWebhook } from 'standardwebhooks'
import { Webhook as SvixWebhook } from 'svix'

/** One measured case. */
export interface SignatureBenchResult {
  name: string
  bodyBytes: number
  opsPerSec: number
  /** `opsPerSec` over the raw `node:crypto` case at the same body size. */
  ratioToRaw: number
}

interface Case {
  name: string
  run: () => unknown
}

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const SIZES = [300, 10 * 1024]

/**
 * Measures verification of one signed request per body size (300 B and 10 KiB) for each
 * implementation, each for a bounded time after a warm-up.
 *
 * @param opts - `durationMs`: measuring time per case (default 1000; warm-up is a fifth of it)
 * @returns one row per implementation and size, with the ratio to raw `node:crypto`
 */
export async function runSignatureBench(opts: { durationMs?: number } = {}): Promise<SignatureBenchResult[]> {
  const durationMs = opts.durationMs ?? 1000
  const results: SignatureBenchResult[] = []
  for (const size of SIZES) {
    const body = Buffer.from(jsonBody(size))
    const id = 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W'
    const headers: Record<string, string> = sign({ id, timestamp: new Date(), body, secret: SECRET })
    const rawKey = Buffer.from(SECRET.slice('whsec_'.length), 'base64')
    const standard = new StandardWebhook(SECRET)
    const svix = new SvixWebhook(SECRET)

    const cases: Case[] = [
      {
        // The floor: the HMAC and a constant-time compare, with nothing checked around them.
        name: 'node:crypto (raw)',
        run: () => {
          const expected = createHmac('sha256', rawKey)
            .update(`${headers['webhook-id']}.${headers['webhook-timestamp']}.`)
            .update(body)
            .digest()
          const given = Buffer.from(headers['webhook-signature']!.slice(3), 'base64')
          if (!timingSafeEqual(expected, given)) throw new Error('raw: no match')
        },
      },
      { name: '@rio/signature verify', run: () => verify(body, headers, SECRET) },
      // jsonParse: false so both do the same work; svix has no such option and parses the JSON.
      { name: 'standardwebhooks', run: () => standard.verify(body, headers, { jsonParse: false }) },
      { name: 'svix (parses JSON)', run: () => svix.verify(body, headers) },
    ]
    let rawOps = 0
    for (const { name, run } of cases) {
      run() // throws if the case cannot verify this request: a broken bench must not report numbers
      const opsPerSec = measure(run, durationMs)
      if (rawOps === 0) rawOps = opsPerSec
      results.push({ name, bodyBytes: body.length, opsPerSec, ratioToRaw: opsPerSec / rawOps })
      await new Promise((resolve) => setImmediate(resolve))
    }
  }
  return results
}

function measure(run: () => unknown, durationMs: number): number {
  const warmUpEnd = process.hrtime.bigint() + BigInt(Math.round(durationMs / 5)) * 1_000_000n
  while (process.hrtime.bigint() < warmUpEnd) for (let i = 0; i < 100; i++) run()
  const start = process.hrtime.bigint()
  const end = start + BigInt(durationMs) * 1_000_000n
  let ops = 0
  let now = start
  while (now < end) {
    for (let i = 0; i < 100; i++) run()
    ops += 100
    now = process.hrtime.bigint()
  }
  return ops / (Number(now - start) / 1e9)
}

function jsonBody(bytes: number): string {
  const head = '{"event":"comment-published","data":{"id":42,"text":"'
  const tail = '"}}'
  return head + 'x'.repeat(Math.max(0, bytes - head.length - tail.length)) + tail
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await runSignatureBench()
  console.table(
    rows.map((row) => ({
      case: row.name,
      body: row.bodyBytes,
      'ops/s': Math.round(row.opsPerSec),
      'vs raw': `${(row.ratioToRaw * 100).toFixed(0)} %`,
    })),
  )
  for (const size of SIZES) {
    const at = rows.filter((row) => row.bodyBytes === size)
    const rio = at.find((row) => row.name.startsWith('@rio'))!.opsPerSec
    const standard = at.find((row) => row.name === 'standardwebhooks')!.opsPerSec
    console.log(`${size} B: @rio/signature is ${(rio / standard).toFixed(1)}x standardwebhooks`)
  }
}
