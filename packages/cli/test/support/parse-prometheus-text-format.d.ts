// The package ships no types: the part the tests use.
declare module 'parse-prometheus-text-format' {
  interface Sample {
    readonly value?: string
    readonly labels?: Readonly<Record<string, string>>
    readonly buckets?: Readonly<Record<string, string>>
    readonly count?: string
    readonly sum?: string
  }
  interface Family {
    readonly name: string
    readonly help: string
    readonly type: string
    readonly metrics: readonly Sample[]
  }
  /** Parses Prometheus text exposition format; throws on what it cannot read. */
  export default function parsePrometheusTextFormat(text: string): Family[]
}
