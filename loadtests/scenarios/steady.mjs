// Steady: the mix at a constant rate a 2-core edge carries, after a warm-up that fills the caches.
import { readArgs, runScenario, thresholds } from './lib.mjs'

const args = readArgs()
const rate = args.rate ?? 300
const duration = args.duration ?? 60
await runScenario(args, {
  name: 'steady',
  description: `${duration} s of the mix at ${rate} req/s, after 15 s of warm-up at the same rate.`,
  phases: [
    { name: 'warm-up', duration: 15, connections: args.connections ?? 32, rate, source: 'mix', measured: false },
    { name: 'steady', duration, connections: args.connections ?? 32, rate, source: 'mix' }
  ],
  thresholds: [thresholds.errorRate(0.005), thresholds.p99(500), thresholds.hitRatio(0.8), thresholds.shedShare(0.02)]
})
