// The shared test vectors (../test-vectors.json), which the C# SDK tests read too: every expected value there was
// written by the C# SDK, so passing here means this package writes byte-identical URLs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  buildUrl, buildSrcset, buildDensities, widthLadder, sign, formatOptions, displaySize, EdgeImagesError, OPTION_NAMES,
} from '../index.js';

const vectors = JSON.parse(readFileSync(new URL('../../test-vectors.json', import.meta.url), 'utf8'));
// The vectors test MACs and URL writing across several tenants; which tenants a key is bound to is not in them.
const key = (id) => ({ id, secret: vectors.keys[id].secretHex, tenants: '*' });

test('spec signature vectors: sign(key, message) matches', () => {
  assert.equal(vectors.signatures.length, 6);
  for (const v of vectors.signatures) {
    assert.equal(sign(key(v.key), v.message), v.signature, v.message);
  }
});

test('spec vector with an ASCII secret: raw bytes sign the same as its hex', () => {
  const ascii = vectors.keys['2026a'].secretAscii;
  const v = vectors.signatures.find((s) => s.key === '2026a');
  assert.equal(sign({ id: '2026a', secret: new TextEncoder().encode(ascii), tenants: ['acme'] }, v.message), v.signature);
});

test('options: the same table as C# UrlOptions, in canonical order, with the same rules', () => {
  assert.deepEqual(OPTION_NAMES, vectors.options.map((v) => v.name));
  for (const v of vectors.options) {
    assert.equal(formatOptions(`${v.name}:${v.example}`), `${v.name}:${v.canonical}`, v.name);
    assert.throws(() => formatOptions(`${v.name}:${v.refused}`), (e) => e instanceof EdgeImagesError && e.kind === 'InvalidOptions' && e.message === v.rule, v.name);
  }
  const reversed = vectors.options.map((v) => `${v.name}:${v.example}`).reverse().join(',');
  assert.equal(formatOptions(reversed), vectors.options.map((v) => `${v.name}:${v.canonical}`).join(','));
});

test('canonical options: same form as C# CanonicalOptions.FormatForUrl, same refusals as OptionsParser', () => {
  for (const v of vectors.canonical) {
    if (v.canonical !== undefined) {
      assert.equal(formatOptions(v.input), v.canonical, v.input);
    } else {
      assert.throws(() => formatOptions(v.input), (e) => e instanceof EdgeImagesError && e.kind === v.error.kind && e.message === v.error.detail, v.input);
    }
  }
});

test('urls: byte-identical to the C# ImageUrlBuilder', () => {
  for (const v of vectors.urls) {
    assert.equal(buildUrl({ key: key(v.key), tenant: v.tenant, path: v.path, options: v.options, baseUrl: v.baseUrl }), v.url, JSON.stringify(v));
  }
});

test('builder refusals: same kind and detail as the C# builder', () => {
  for (const v of vectors.builderRefusals) {
    assert.throws(
      () => buildUrl({ key: key(v.key), tenant: v.tenant, path: v.path, options: v.options }),
      (e) => e instanceof EdgeImagesError && e.kind === v.kind && e.message === v.detail,
      `${v.tenant} ${v.path.slice(0, 40)} ${v.options}`,
    );
  }
});

test('ladders: same widths as C# SrcsetBuilder.WidthLadder', () => {
  for (const v of vectors.ladders) {
    assert.deepEqual(widthLadder(v.minWidth, v.maxWidth, v.tolerance, v.sourceWidth), v.widths, JSON.stringify(v));
  }
});

test('srcsets: same candidates as C# SrcsetBuilder.BuildWidths', () => {
  for (const v of vectors.srcsets) {
    const actual = buildSrcset({
      key: key(v.key), tenant: v.tenant, path: v.path, options: v.options, baseUrl: v.baseUrl, widths: v.widths,
      minWidth: v.minWidth, maxWidth: v.maxWidth, tolerance: v.tolerance, sourceWidth: v.sourceWidth,
    });
    assert.equal(actual, v.srcset, v.options);
  }
});

test('densities: same candidates as C# SrcsetBuilder.BuildDensities', () => {
  for (const v of vectors.densities) {
    const actual = buildDensities({ key: key(v.key), tenant: v.tenant, path: v.path, options: v.options, baseUrl: v.baseUrl, densities: v.densities });
    assert.equal(actual, v.srcset, v.options);
  }
});

test('display sizes: same width and height as C# DisplaySize.Compute', () => {
  for (const v of vectors.displaySizes) {
    assert.deepEqual(displaySize(v.options, v.sourceWidth, v.sourceHeight), { width: v.width, height: v.height }, JSON.stringify(v));
  }
});
