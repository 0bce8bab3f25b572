import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildUrl, buildInfoUrl, buildSrcset, formatOptions, sign, EdgeImagesError } from '../index.js';

const key = { id: 'k1', secret: '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', tenants: '*' };
const kind = (k) => (e) => e instanceof EdgeImagesError && e.kind === k;

test('object options equal the same options as a string', () => {
  const asObject = buildUrl({ key, tenant: 'acme', path: 'p.jpg', options: { w: 400, h: 300, fit: 'cover', g: { x: 0.5, y: 0.8 }, crop: [0, 0, 10, 10], up: true, exp: new Date(1767225600000), bg: 'FFAA00' } });
  const asString = buildUrl({ key, tenant: 'acme', path: 'p.jpg', options: 'crop:0:0:10:10,up:1,exp:1767225600,bg:ffaa00,g:fp:0.5:0.8,fit:cover,h:300,w:400' });
  assert.equal(asObject, asString);
});

test('no options, null and "-" serve the original', () => {
  for (const options of [undefined, null, '-']) {
    assert.equal(buildUrl({ key, tenant: 'acme', path: 'photos/cat.jpg', options }), '/k1.5NgTniDoyyLqlV9Miyoolg/-/acme/photos/cat.jpg');
  }
});

test('a value smuggling in another option is refused', () => {
  assert.throws(() => formatOptions({ fit: 'cover,w:5' }), kind('InvalidOptions'));
});

test('unknown option names and wrong types are refused', () => {
  assert.throws(() => formatOptions({ width: 4 }), kind('InvalidOptions'));
  assert.throws(() => formatOptions({ w: 4.5 }), kind('InvalidOptions'));
  assert.throws(() => formatOptions({ w: -1 }), kind('InvalidOptions'));
  assert.throws(() => formatOptions({ dpr: 1.333 }), kind('InvalidOptions'));
  assert.throws(() => formatOptions({ fit: true }), kind('InvalidOptions'));
});

test('keys: bad id, short or non-hex secret are refused before signing', () => {
  assert.throws(() => sign({ id: 'K1', secret: key.secret, tenants: '*' }, '/-/a/b'), kind('InvalidKey'));
  assert.throws(() => sign({ id: 'k1', secret: 'abcd', tenants: '*' }, '/-/a/b'), kind('InvalidKey'));
  assert.throws(() => sign({ id: 'k1', secret: 'correct horse battery staple!!', tenants: '*' }, '/-/a/b'), kind('InvalidKey'));
});

test('keys: no tenants, or a malformed tenant list, are refused before signing', () => {
  assert.throws(() => sign({ id: 'k1', secret: key.secret }, '/-/acme/b'), kind('InvalidKey'));
  assert.throws(() => sign({ id: 'k1', secret: key.secret, tenants: [] }, '/-/acme/b'), kind('InvalidKey'));
  assert.throws(() => sign({ id: 'k1', secret: key.secret, tenants: ['acme', '*'] }, '/-/acme/b'), kind('InvalidKey'));
  assert.throws(() => sign({ id: 'k1', secret: key.secret, tenants: ['Acme'] }, '/-/acme/b'), kind('InvalidKey'));
});

test('a key bound to acme signs acme URLs and refuses another tenant', () => {
  const acme = { ...key, tenants: ['acme'] };
  assert.equal(buildUrl({ key: acme, tenant: 'acme', path: 'photos/cat.jpg' }), '/k1.5NgTniDoyyLqlV9Miyoolg/-/acme/photos/cat.jpg');
  assert.throws(() => buildUrl({ key: acme, tenant: 'globex', path: 'photos/cat.jpg' }), kind('KeyNotValidForTenant'));
  assert.throws(() => sign({ ...key, tenants: 'acme,initech' }, '/-/globex/a.jpg'), kind('KeyNotValidForTenant'));
});

test('base URL with a query is refused; a path prefix is kept', () => {
  assert.throws(() => buildUrl({ key, tenant: 'a', path: 'b', options: 'w:1', baseUrl: 'https://x.example/?a=1' }), kind('InvalidArgument'));
  assert.match(buildUrl({ key, tenant: 'a', path: 'b', options: 'w:1', baseUrl: 'https://x.example/cdn/' }), /^https:\/\/x\.example\/cdn\/k1\./);
});

test('a lone surrogate in the path is refused, not silently replaced', () => {
  assert.throws(() => buildUrl({ key, tenant: 'a', path: 'x\ud800.jpg', options: 'w:1' }), kind('InvalidPath'));
});

test('srcset refuses dpr and h without w', () => {
  assert.throws(() => buildSrcset({ key, tenant: 'a', path: 'b', options: { dpr: 2 } }), kind('InvalidArgument'));
  assert.throws(() => buildSrcset({ key, tenant: 'a', path: 'b', options: { h: 2 } }), kind('InvalidArgument'));
});

test('the info URL is the same options with f:json, and f:json alone for the original', () => {
  assert.equal(buildInfoUrl({ key, tenant: 'acme', path: 'p.jpg', options: { w: 400, f: 'webp' } }), buildUrl({ key, tenant: 'acme', path: 'p.jpg', options: 'f:json,w:400' }));
  assert.equal(buildInfoUrl({ key, tenant: 'acme', path: 'p.jpg', options: '-' }), buildUrl({ key, tenant: 'acme', path: 'p.jpg', options: 'f:json' }));
  // Signed over the canonical options, as every URL the SDK writes.
  assert.equal(buildInfoUrl({ key, tenant: 'acme', path: 'photos/cat.jpg', options: { w: 640 } }).split('/')[1], sign(key, '/f:json,w:640/acme/photos/cat.jpg'));
});
