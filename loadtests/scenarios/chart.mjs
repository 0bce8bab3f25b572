// chart.html for one run: stacked panels of inline SVG over time (latency percentiles of accepted requests,
// throughput by outcome, hit ratio, shed rate, edge memory), phases shaded and named. No script, no CDN.
const W = 900
const H = 170
const M = { l: 60, r: 150, t: 22, b: 24 }
const COLORS = ['#1f77b4', '#ff7f0e', '#d62728', '#2ca02c', '#9467bd', '#8c564b']
const esc = (s) => String(s).replace(/[&<>"]/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]))

function panel (title, xMax, series, phases, { yMax, unit = '', percent = false } = {}) {
  const values = series.flatMap(s => s.points.map(p => p[1]).filter(v => v !== null && v !== undefined))
  const top = yMax ?? Math.max(1e-9, ...values) * 1.1
  const x = (t) => M.l + (t / Math.max(1, xMax)) * (W - M.l - M.r)
  const y = (v) => H - M.b - (v / top) * (H - M.t - M.b)
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
    `<text x="${M.l}" y="14" font-weight="bold" font-size="12">${esc(title)}</text>`]
  phases.forEach((phase, i) => {
    parts.push(`<rect x="${x(phase.from)}" y="${M.t}" width="${Math.max(0, x(phase.to + 1) - x(phase.from))}" height="${H - M.t - M.b}" fill="${i % 2 ? '#f4f4f4' : '#fafafa'}"/>`,
      `<text x="${x(phase.from) + 3}" y="${M.t + 11}" fill="#888">${esc(phase.name)}</text>`)
  })
  for (let i = 0; i <= 4; i++) {
    const v = top * i / 4
    const label = percent ? (100 * v).toFixed(0) + '%' : (v >= 100 ? v.toFixed(0) : v.toFixed(1)) + unit
    parts.push(`<line x1="${M.l}" x2="${W - M.r}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`,
      `<text x="${M.l - 4}" y="${y(v) + 4}" text-anchor="end">${label}</text>`)
  }
  for (let t = 0; t <= xMax; t += Math.max(1, Math.ceil(xMax / 10))) {
    parts.push(`<text x="${x(t)}" y="${H - 8}" text-anchor="middle">${t}s</text>`)
  }
  series.forEach((s, i) => {
    const color = s.color ?? COLORS[i % COLORS.length]
    const segments = []
    let current = []
    for (const [t, v] of s.points) {
      if (v === null || v === undefined) { if (current.length) segments.push(current); current = []; continue }
      current.push(`${x(t).toFixed(1)},${y(Math.min(v, top)).toFixed(1)}`)
    }
    if (current.length) segments.push(current)
    for (const seg of segments) {
      parts.push(seg.length === 1
        ? `<circle cx="${seg[0].split(',')[0]}" cy="${seg[0].split(',')[1]}" r="2" fill="${color}"/>`
        : `<polyline fill="none" stroke="${color}" stroke-width="1.6" points="${seg.join(' ')}"/>`)
    }
    parts.push(`<rect x="${W - M.r + 10}" y="${M.t + i * 16}" width="10" height="10" fill="${color}"/>`,
      `<text x="${W - M.r + 24}" y="${M.t + i * 16 + 9}">${esc(s.name)}</text>`)
  })
  parts.push('</svg>')
  return parts.join('')
}

export function renderChart (summary) {
  // One point per second: buckets of one second may be split across a phase change; merge them by t.
  const byT = new Map()
  for (const b of summary.timeline) {
    const m = byT.get(b.t)
    if (!m || b.requests > m.requests) byT.set(b.t, b)
  }
  const points = [...byT.values()].sort((a, b) => a.t - b.t)
  const xMax = points.at(-1)?.t ?? 1
  const phases = []
  for (const b of summary.timeline) {
    const last = phases.at(-1)
    if (last && last.name === b.phase) last.to = b.t
    else phases.push({ name: b.phase, from: b.t, to: b.t })
  }
  const series = (key) => points.map(p => [p.t, p[key]])
  const shedRate = points.map(p => [p.t, p.requests ? p.shed / p.requests : null])
  const mem = summary.memory.samples.map(s => [s.t, s.rss / 1048576])
  const f = (x, d = 1) => x === null || x === undefined ? '-' : Number(x).toFixed(d)
  const pct = (x) => x === null || x === undefined ? '-' : (100 * x).toFixed(2) + '%'
  const rows = [...summary.phases, { name: 'measured', ...summary.measured }].map(p =>
    `<tr><td>${esc(p.name)}</td><td>${f(p.requestsPerSecond, 0)}</td><td>${f(p.acceptedPerSecond, 0)}</td><td>${f(p.latencyMs.p50)}</td><td>${f(p.latencyMs.p90)}</td><td>${f(p.latencyMs.p99)}</td><td>${pct(p.hitRatio)}</td><td>${pct(p.shedShare)}</td><td>${pct(p.limitedShare)}</td><td>${pct(p.errorRate)}</td></tr>`).join('')
  const checks = summary.thresholds.map(t =>
    `<li style="color:${t.ok ? '#2a7' : '#c22'}">${t.ok ? 'ok' : 'FAIL'}: ${esc(t.name)} = ${f(t.actual, 4)} (${t.max !== undefined ? '&le; ' + t.max : '&ge; ' + t.min})</li>`).join('')
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(summary.scenario)}: EdgeImages load scenario</title>
<style>body{font-family:sans-serif;margin:20px;max-width:960px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child{text-align:left}</style></head><body>
<h1>${esc(summary.scenario)} ${summary.passed ? '&#10003;' : '&#10007;'}</h1><p>${esc(summary.description ?? '')}</p>
<p>Finished ${esc(summary.finishedAt)}; data seed ${summary.data.seed}, Zipf s=${summary.data.zipfExponent}, ${summary.data.originals} originals. Edge peak RSS ${f(summary.memory.peakRssBytes / 1048576, 0)} MiB.</p>
<table><tr><th>phase</th><th>req/s</th><th>accepted/s</th><th>p50 ms</th><th>p90 ms</th><th>p99 ms</th><th>hit ratio</th><th>shed (503)</th><th>limited (429)</th><th>errors</th></tr>${rows}</table>
<ul>${checks}</ul>
${panel('Latency of accepted requests (ms)', xMax, [{ name: 'p50', points: series('p50') }, { name: 'p90', points: series('p90') }, { name: 'p99', points: series('p99') }], phases, { unit: '' })}
${panel('Throughput (responses/s)', xMax, [{ name: 'accepted', points: series('accepted') }, { name: 'shed 503', points: series('shed'), color: '#d62728' }, { name: 'limited 429', points: series('limited'), color: '#9467bd' }, { name: 'errors', points: series('errors'), color: '#000' }], phases)}
${panel('Hit ratio (of accepted)', xMax, [{ name: 'hit ratio', points: series('hitRatio'), color: '#2ca02c' }], phases, { yMax: 1, percent: true })}
${panel('Shed rate (503 share of all)', xMax, [{ name: 'shed rate', points: shedRate, color: '#d62728' }], phases, { yMax: Math.max(0.05, ...shedRate.map(p => p[1] ?? 0)) * 1.05, percent: true })}
${panel('Edge resident memory (MiB)', xMax, [{ name: 'RSS', points: mem, color: '#8c564b' }], phases)}
</body></html>
`
}
