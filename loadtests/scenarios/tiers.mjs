// Cache tiers: the edge's L1-hit throughput against bare Kestrel answering the same bytes, alternated in one run
// (the ratio is the figure), then all-miss traffic for transforms per second. The runner adds L2-hit and miss
// latencies from a second edge sharing Redis.
import { availableParallelism } from 'node:os'
import { readArgs, runScenario, thresholds } from './lib.mjs'

const args = readArgs()
const d = args.duration ?? 8
const connections = args.connections ?? 32
const summary = await runScenario(args, {
  name: 'tiers',
  description: `L1 hits on the edge and the same bytes from bare Kestrel, ${d} s each, alternated twice, ${connections} connections, as fast as they answer; then ${2 * d} s of distinct misses.`,
  phases: [
    { name: 'warm-up', duration: 2, connections, source: 'hot', measured: false },
    { name: 'edge L1 #1', duration: d, connections, source: 'hot' },
    { name: 'bare #1', duration: d, connections, source: 'bare' },
    { name: 'edge L1 #2', duration: d, connections, source: 'hot' },
    { name: 'bare #2', duration: d, connections, source: 'bare' },
    // As many connections as the edge has transform slots plus queue on 2 cores (2 + 4): busy, never shedding.
    { name: 'misses', duration: 2 * d, connections: 6, source: 'misses' }
  ],
  thresholds: [thresholds.errorRate(0.01)]
})

const rps = (prefix) => summary.phases.filter(p => p.name.startsWith(prefix)).reduce((s, p) => s + p.acceptedPerSecond, 0)
const misses = summary.phases.find(p => p.name === 'misses')
const cores = availableParallelism()
process.stdout.write(`[tiers] L1 hit throughput: edge ${(rps('edge L1') / 2).toFixed(0)} req/s, bare Kestrel ${(rps('bare') / 2).toFixed(0)} req/s, ratio ${(rps('edge L1') / rps('bare')).toFixed(2)}\n`)
const transforms = misses.acceptedPerSecond * (1 - (misses.hitRatio ?? 0))
process.stdout.write(`[tiers] transforms: ${transforms.toFixed(1)}/s on ${cores} cores = ${(transforms / cores).toFixed(1)}/s per core (p50 ${misses.latencyMs.p50} ms, shed ${(100 * misses.shedShare).toFixed(1)}%), load generator on the same cores\n`)
