// Smoke: a few seconds of the mix at a low rate, run by the test suite. Proves the chain works end to end.
import { readArgs, runScenario, thresholds } from './lib.mjs'

const args = readArgs()
const duration = args.duration ?? 3
await runScenario(args, {
  name: 'smoke',
  description: `${duration} s of the request mix at ${args.rate ?? 200} req/s over ${args.connections ?? 8} connections, after 1 s of warm-up.`,
  phases: [
    { name: 'warm-up', duration: 1, connections: 4, source: 'mix', measured: false },
    { name: 'mix', duration, connections: args.connections ?? 8, rate: args.rate ?? 200, source: 'mix' }
  ],
  // No latency threshold: the smoke runs inside the test suite, on machines whose load says nothing about speed.
  // Its latencies are still reported; the other scenarios hold them to a bound.
  thresholds: [thresholds.errorRate(0.01), thresholds.hitRatio(0.3)]
})
