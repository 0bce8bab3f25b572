// Ramp: the mix at a rate doubling every step, to find where latency turns and shedding starts.
import { readArgs, runScenario, thresholds } from './lib.mjs'

const args = readArgs()
const step = args.duration ?? 15
const start = args.rate ?? 100
const rates = [1, 2, 4, 8, 16].map(k => k * start)
await runScenario(args, {
  name: 'ramp',
  description: `The mix at ${rates.join(', ')} req/s, ${step} s each, after 10 s of warm-up at ${start} req/s.`,
  phases: [
    { name: 'warm-up', duration: 10, connections: 16, rate: start, source: 'mix', measured: false },
    ...rates.map(rate => ({ name: `${rate}/s`, duration: step, connections: Math.max(16, Math.ceil(rate / 25)), rate, source: 'mix' }))
  ],
  // Shedding is expected at the top: accepted requests must stay fast and nothing else may fail.
  thresholds: [thresholds.errorRate(0.01), thresholds.p99(1000), thresholds.hitRatio(0.7)]
})
