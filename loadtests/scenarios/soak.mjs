// Soak (bounded): the mix at a steady rate for longer, watching latency and memory drift. At most 30 minutes.
import { readArgs, runScenario, thresholds } from './lib.mjs'

const args = readArgs()
const rate = args.rate ?? 250
const duration = Math.min(args.duration ?? 300, 1800)
await runScenario(args, {
  name: 'soak',
  description: `${duration} s of the mix at ${rate} req/s after 15 s of warm-up; memory must not keep growing.`,
  phases: [
    { name: 'warm-up', duration: 15, connections: 32, rate, source: 'mix', measured: false },
    { name: 'soak', duration, connections: 32, rate, source: 'mix' }
  ],
  thresholds: [
    thresholds.errorRate(0.005),
    thresholds.p99(500),
    thresholds.hitRatio(0.8),
    {
      // Resident memory over the last quarter against the second quarter: caches are full by then, so growth is a leak.
      name: 'memory growth, last quarter / second quarter',
      metric: (s) => {
        const samples = s.memory.samples
        if (samples.length < 8) return 1
        const q = Math.floor(samples.length / 4)
        const avg = (xs) => xs.reduce((a, x) => a + x.rss, 0) / xs.length
        return avg(samples.slice(3 * q)) / avg(samples.slice(q, 2 * q))
      },
      max: 1.25
    }
  ]
})
