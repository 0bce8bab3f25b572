// 10x spike: a baseline rate, then ten times that rate (and ten times the connections) for a while, then back.
// The edge must keep answering hits fast, shed the transforms it cannot do (503 + Retry-After) rather than queue
// them, fail nothing else, and come back to no shedding once the spike is over.
import { readArgs, runScenario, thresholds } from './lib.mjs'

const args = readArgs()
const base = args.rate ?? 150
const connections = args.connections ?? 12
const spike = args.duration ?? 20
await runScenario(args, {
  name: 'spike',
  description: `The mix at ${base} req/s (${connections} connections), then ${10 * base} req/s (${10 * connections} connections) for ${spike} s, then ${base} req/s again.`,
  phases: [
    { name: 'warm-up', duration: 15, connections, rate: base, source: 'mix', measured: false },
    { name: 'baseline', duration: 15, connections, rate: base, source: 'mix' },
    { name: 'spike 10x', duration: spike, connections: 10 * connections, rate: 10 * base, source: 'mix' },
    { name: 'recovery', duration: 15, connections, rate: base, source: 'mix' }
  ],
  thresholds: [
    thresholds.errorRate(0.01),
    thresholds.p99(1000),
    thresholds.hitRatio(0.7),
    { name: 'shed share after the spike (recovery)', metric: s => s.phases.find(p => p.name === 'recovery').shedShare, max: 0.01 },
    { name: 'edge peak RSS, MiB', metric: s => s.memory.peakRssBytes / 1048576, max: 2048 }
  ]
})
