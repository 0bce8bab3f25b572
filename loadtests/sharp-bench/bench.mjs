// The sharp (libvips) side of the EdgeImages transform benchmark: the same inputs as
// EdgeImages.Benchmarks, each to 400 px wide JPEG q80 and WebP q80, on one libvips thread with the
// operation cache off, so that every iteration pays for the whole decode-resize-encode.
//
// CPU time comes from process.cpuUsage() (getrusage: every thread of the process, user + system),
// the same quantity the .NET side reads with Environment.CpuUsage, so the two are comparable.
// Progress goes to stderr; stdout carries one JSON document and nothing else.
//
//   node bench.mjs --input baseline=/path/a.jpg --input progressive=/path/b.jpg \
//                  [--warmup 3] [--rounds 5] [--iterations 6] [--width 400] [--quality 80] [--out DIR]
// --out keeps one output per case, named like the .NET side's samples, to look at side by side.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';

const { values } = parseArgs({
  options: {
    input: { type: 'string', multiple: true, default: [] },
    warmup: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '5' },
    iterations: { type: 'string', default: '6' },
    width: { type: 'string', default: '400' },
    quality: { type: 'string', default: '80' },
    out: { type: 'string' },
  },
});

const positiveInt = (name) => {
  const n = Number.parseInt(values[name], 10);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got '${values[name]}'`);
  return n;
};
const warmup = positiveInt('warmup');
const rounds = positiveInt('rounds');
const iterations = positiveInt('iterations');
const width = positiveInt('width');
const quality = positiveInt('quality');

if (values.input.length === 0) throw new Error('give at least one --input name=path');
const inputs = values.input.map((spec) => {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new Error(`--input must be name=path, got '${spec}'`);
  const path = spec.slice(eq + 1);
  // Read once up front: like the .NET side, the benchmark starts from bytes in memory, not a file.
  return { name: spec.slice(0, eq), path, bytes: readFileSync(path) };
});

// One libvips worker and no operation cache: the cache would hand back the decoded source from
// the previous iteration and make the second call of the same input nearly free.
sharp.concurrency(1);
sharp.cache(false);
sharp.simd(true);

// sharp's defaults are the ones a user gets: shrink-on-load for JPEG, lanczos3, 4:2:0 JPEG without
// mozjpeg, WebP effort 4. Each is what the edge is compared with, so none is tuned here.
const formats = {
  jpeg: (img) => img.jpeg({ quality }),
  webp: (img) => img.webp({ quality }),
};

const transform = (bytes, format) => formats[format](sharp(bytes).resize({ width })).toBuffer({ resolveWithObject: true });

const cpuMs = (since) => {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
};
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const results = [];
for (const input of inputs) {
  for (const format of Object.keys(formats)) {
    const first = await transform(input.bytes, format);
    if (values.out) {
      mkdirSync(values.out, { recursive: true });
      writeFileSync(join(values.out, `${input.name}-sharp.${format}`), first.data);
    }
    for (let i = 1; i < warmup; i++) await transform(input.bytes, format);

    const roundCpu = [];
    const roundWall = [];
    for (let r = 0; r < rounds; r++) {
      const cpu0 = process.cpuUsage();
      const wall0 = process.hrtime.bigint();
      for (let i = 0; i < iterations; i++) await transform(input.bytes, format);
      roundWall.push(Number(process.hrtime.bigint() - wall0) / 1e6 / iterations);
      roundCpu.push(cpuMs(cpu0) / iterations);
    }
    const row = {
      input: input.name,
      file: basename(input.path),
      format,
      outputWidth: first.info.width,
      outputHeight: first.info.height,
      outputBytes: first.info.size,
      cpuMsPerImage: median(roundCpu),
      wallMsPerImage: median(roundWall),
      roundsCpuMs: roundCpu,
    };
    results.push(row);
    process.stderr.write(`sharp: ${row.input} -> ${row.format}: ${row.cpuMsPerImage.toFixed(1)} CPU ms/image\n`);
  }
}

process.stdout.write(JSON.stringify({
  tool: 'sharp',
  sharp: sharp.versions.sharp,
  libvips: sharp.versions.vips,
  node: process.versions.node,
  concurrency: sharp.concurrency(),
  warmup,
  rounds,
  iterations,
  width,
  quality,
  results,
}, null, 2) + '\n');
