// The harness every scenario shares: runs autocannon phase by phase over the generated request mix, buckets every
// response by second (status, X-Cache, latency), samples the edge's memory, checks the scenario's thresholds, and
// writes summary.json and chart.html (inline SVG, no script) into --out. Exit code 1 when a threshold broke.
import autocannon from 'autocannon'
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { renderChart } from './chart.mjs'

export function readArgs () {
  const { values } = parseArgs({
    options: {
      edge: { type: 'string' },
      bare: { type: 'string' },
      stats: { type: 'string' },
      data: { type: 'string' },
      out: { type: 'string', default: 'out' },
      duration: { type: 'string' },
      rate: { type: 'string' },
      connections: { type: 'string' }
    }
  })
  if (!values.edge || !values.data) {
    throw new Error('--edge URL and --data requests.json are required (the runner passes them: dotnet run --project loadtests/EdgeImages.LoadTests -- run NAME)')
  }
  return {
    ...values,
    duration: values.duration ? Number(values.duration) : undefined,
    rate: values.rate ? Number(values.rate) : undefined,
    connections: values.connections ? Number(values.connections) : undefined
  }
}

const percentile = (sorted, p) => sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p / 100 * sorted.length) - 1))]

function newBucket (t, phase) {
  return { t, phase, requests: 0, accepted: 0, hits: 0, shed: 0, limited: 0, errors: 0, latencies: [], hitLatencies: [] }
}

/**
 * @param {object} scenario { name, phases: [{ name, duration, connections, rate?, source: 'mix'|'misses'|'hot'|'bare', measured }],
 *                           thresholds: [{ name, metric: (summary) => number, max?, min? }] }
 */
export async function runScenario (args, scenario) {
  const data = JSON.parse(readFileSync(args.data, 'utf8'))
  const sources = {
    mix: { base: args.edge, list: data.requests },
    misses: { base: args.edge, list: data.misses },
    hot: { base: args.edge, list: [data.hot] },
    bare: { base: args.bare, list: [{ path: '/bare', accept: data.hot.accept }] }
  }
  const cursor = { mix: 0, misses: 0, hot: 0, bare: 0 }
  const buckets = []
  const memory = []
  const started = Date.now()
  const bucketAt = (phase) => {
    const t = Math.floor((Date.now() - started) / 1000)
    let bucket = buckets[buckets.length - 1]
    if (!bucket || bucket.t !== t || bucket.phase !== phase.name) {
      bucket = newBucket(t, phase.name)
      buckets.push(bucket)
    }
    return bucket
  }

  const sampler = setInterval(async () => {
    if (!args.stats) return
    try {
      const stats = await (await fetch(args.stats)).json()
      const edge = stats.edges[0] ?? { rss: 0, peakRss: 0 }
      memory.push({ t: (Date.now() - started) / 1000, rss: edge.rss, peakRss: edge.peakRss })
    } catch { /* the runner may be stopping */ }
  }, 1000)

  const phaseResults = []
  for (const phase of scenario.phases) {
    const source = sources[phase.source]
    const url = new URL(source.base)
    let lastTier = ''
    process.stdout.write(`[${scenario.name}] ${phase.name}: ${phase.duration} s, ${phase.connections} connections` +
      `${phase.rate ? `, ${phase.rate} req/s offered` : ', as fast as it answers'}, ${phase.source}\n`)
    const instance = autocannon({
      url: url.origin,
      connections: phase.connections,
      duration: phase.duration,
      ...(phase.rate ? { overallRate: phase.rate } : {}),
      timeout: 10,
      requests: [{
        method: 'GET',
        // One shared cursor over the mix for all connections, so that together they replay it in order.
        setupRequest: (request) => {
          const next = source.list[cursor[phase.source]++ % source.list.length]
          return { ...request, path: next.path, headers: { accept: next.accept } }
        },
        onResponse: (status, body, context, headers) => {
          lastTier = headers['X-Cache'] ?? headers['x-cache'] ?? ''
        }
      }]
    })
    instance.on('response', (client, statusCode, resBytes, responseTime) => {
      const bucket = bucketAt(phase)
      bucket.requests++
      if ((statusCode >= 200 && statusCode < 300) || statusCode === 304) {
        bucket.accepted++
        bucket.latencies.push(responseTime)
        if (lastTier.startsWith('HIT')) { bucket.hits++; bucket.hitLatencies.push(responseTime) }
      } else if (statusCode === 503) {
        bucket.shed++
      } else if (statusCode === 429) {
        bucket.limited++
      } else {
        bucket.errors++
      }
      lastTier = ''
    })
    instance.on('reqError', () => { const b = bucketAt(phase); b.requests++; b.errors++ })
    const result = await instance
    phaseResults.push({ name: phase.name, measured: phase.measured !== false, source: phase.source, autocannon: { errors: result.errors, timeouts: result.timeouts } })
  }
  clearInterval(sampler)

  const summary = summarize(scenario, buckets, phaseResults, memory, data)
  const failures = []
  summary.thresholds = (scenario.thresholds ?? []).map((threshold) => {
    const actual = threshold.metric(summary)
    const ok = actual !== null && actual !== undefined && !Number.isNaN(actual) &&
      (threshold.max === undefined || actual <= threshold.max) && (threshold.min === undefined || actual >= threshold.min)
    if (!ok) failures.push(threshold.name)
    return { name: threshold.name, max: threshold.max, min: threshold.min, actual, ok }
  })
  summary.passed = failures.length === 0

  mkdirSync(args.out, { recursive: true })
  writeFileSync(join(args.out, 'summary.json'), JSON.stringify(summary, null, 2))
  writeFileSync(join(args.out, 'chart.html'), renderChart(summary))
  printSummary(summary, args.out)
  if (failures.length > 0) {
    process.stdout.write(`[${scenario.name}] FAILED thresholds: ${failures.join(', ')}\n`)
    process.exitCode = 1
  }
  return summary
}

function aggregate (buckets) {
  const latencies = buckets.flatMap(b => b.latencies).sort((a, b) => a - b)
  const hitLatencies = buckets.flatMap(b => b.hitLatencies ?? []).sort((a, b) => a - b)
  const sum = (key) => buckets.reduce((s, b) => s + b[key], 0)
  const seconds = Math.max(1, new Set(buckets.map(b => b.t)).size)
  const requests = sum('requests')
  const accepted = sum('accepted')
  return {
    seconds,
    requests,
    accepted,
    requestsPerSecond: requests / seconds,
    acceptedPerSecond: accepted / seconds,
    hitRatio: accepted === 0 ? null : sum('hits') / accepted,
    shedShare: requests === 0 ? null : sum('shed') / requests,
    limitedShare: requests === 0 ? null : sum('limited') / requests,
    errorRate: requests === 0 ? null : sum('errors') / requests,
    errors: sum('errors'),
    latencyMs: { p50: percentile(latencies, 50), p90: percentile(latencies, 90), p99: percentile(latencies, 99), max: latencies.at(-1) ?? null },
    // Hits alone: what a flood of misses must not slow down (the spike's misses are shed or wait; hits must not).
    hitLatencyMs: { p50: percentile(hitLatencies, 50), p99: percentile(hitLatencies, 99) }
  }
}

function summarize (scenario, buckets, phaseResults, memory, data) {
  const phases = phaseResults.map(phase => ({
    name: phase.name,
    measured: phase.measured,
    source: phase.source,
    ...aggregate(buckets.filter(b => b.phase === phase.name))
  }))
  const measuredNames = new Set(phaseResults.filter(p => p.measured).map(p => p.name))
  const timeline = buckets.map(b => {
    const sorted = b.latencies.slice().sort((x, y) => x - y)
    return {
      t: b.t,
      phase: b.phase,
      requests: b.requests,
      accepted: b.accepted,
      shed: b.shed,
      limited: b.limited,
      errors: b.errors,
      hitRatio: b.accepted === 0 ? null : b.hits / b.accepted,
      p50: percentile(sorted, 50),
      p90: percentile(sorted, 90),
      p99: percentile(sorted, 99)
    }
  })
  return {
    scenario: scenario.name,
    description: scenario.description,
    finishedAt: new Date().toISOString(),
    data: { seed: data.seed, zipfExponent: data.zipfExponent, originals: data.originals.length, requests: data.requests.length },
    measured: aggregate(buckets.filter(b => measuredNames.has(b.phase))),
    phases,
    memory: {
      peakRssBytes: memory.reduce((m, s) => Math.max(m, s.peakRss), 0),
      samples: memory
    },
    timeline
  }
}

function printSummary (summary, out) {
  const f = (x, d = 1) => x === null || x === undefined ? '-' : Number(x).toFixed(d)
  const pct = (x) => x === null || x === undefined ? '-' : (100 * x).toFixed(2) + '%'
  process.stdout.write(`\n[${summary.scenario}] phase            req/s   ok/s  p50ms  p90ms  p99ms  hit     shed    429     errors  hit-p99ms\n`)
  for (const p of [...summary.phases, { name: 'measured', ...summary.measured }]) {
    process.stdout.write(`[${summary.scenario}] ${p.name.padEnd(14)} ${f(p.requestsPerSecond, 0).padStart(7)} ${f(p.acceptedPerSecond, 0).padStart(6)} ${f(p.latencyMs.p50).padStart(6)} ${f(p.latencyMs.p90).padStart(6)} ${f(p.latencyMs.p99).padStart(6)}  ${pct(p.hitRatio).padEnd(7)} ${pct(p.shedShare).padEnd(7)} ${pct(p.limitedShare).padEnd(7)} ${pct(p.errorRate).padEnd(7)} ${f(p.hitLatencyMs.p99).padStart(6)}\n`)
  }
  process.stdout.write(`[${summary.scenario}] edge peak RSS ${f(summary.memory.peakRssBytes / 1048576, 0)} MiB\n`)
  for (const t of summary.thresholds) {
    process.stdout.write(`[${summary.scenario}] threshold ${t.ok ? 'ok  ' : 'FAIL'} ${t.name}: ${f(t.actual, 4)} (${t.max !== undefined ? '<= ' + t.max : '>= ' + t.min})\n`)
  }
  process.stdout.write(`[${summary.scenario}] wrote ${join(out, 'summary.json')} and ${join(out, 'chart.html')}\n`)
}

/** Thresholds most scenarios share, over the measured phases. */
export const thresholds = {
  errorRate: (max) => ({ name: 'error rate (not 2xx/304, 429 or 503)', metric: s => s.measured.errorRate, max }),
  p99: (max) => ({ name: 'p99 of accepted requests, ms', metric: s => s.measured.latencyMs.p99, max }),
  hitRatio: (min) => ({ name: 'hit ratio of accepted requests', metric: s => s.measured.hitRatio, min }),
  shedShare: (max) => ({ name: 'shed share (503)', metric: s => s.measured.shedShare, max })
}
