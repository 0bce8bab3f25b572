// EdgeImages URL SDK for Node.js: builder, signer, srcset. A port of the C# SDK (sdk/Urls, sdk/Signing); both are
// checked against ../test-vectors.json, so a URL built here is byte-identical to one built in C#.
// No runtime dependencies: HMAC comes from node:crypto.
import { createHmac } from 'node:crypto';

const MAX_SIDE = 8192;
const MAX_PATH_BYTES = 1024;
const MAX_TENANT_LENGTH = 63;
const MAX_KEY_ID_LENGTH = 16;
const MAX_PRESET_LENGTH = 32;
const MAC_BYTES = 16;
const MIN_SECRET_BYTES = 16;
// long.MaxValue / 10 in C#: the largest exp the parser accepts.
const MAX_EXPIRY = 922337203685477580n;

/** Default ladder start: below this, images are icons and rarely need a ladder. */
export const DEFAULT_MIN_WIDTH = 100;
/** Default ladder end, the largest width the edge produces. */
export const DEFAULT_MAX_WIDTH = MAX_SIDE;
/** Default step between ladder widths, as a fraction (8%). */
export const DEFAULT_TOLERANCE = 0.08;

// The id syntax of tenants, key ids and preset names (Identifier in C#): 1 to maxLength of [a-z0-9-].
const IDENTIFIER = /^[a-z0-9-]+$/;
const isIdentifier = (text, maxLength) => typeof text === 'string' && text.length >= 1 && text.length <= maxLength && IDENTIFIER.test(text);
const VERSION = /^[A-Za-z0-9_-]{1,64}$/;
const UNRESERVED = /[A-Za-z0-9\-._~]/;
const HEX_UPPER = '0123456789ABCDEF';
// String.prototype.isWellFormed needs Node 20; this works on 18 too.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * A refusal: the same kinds and details as the C# SDK's UrlError (InvalidOptions, InvalidTenant, InvalidPath), plus
 * InvalidKey and InvalidArgument for what only a builder can get wrong.
 */
export class EdgeImagesError extends Error {
  /**
   * @param {string} kind
   * @param {string} message
   */
  constructor(kind, message) {
    super(message);
    this.name = 'EdgeImagesError';
    this.kind = kind;
  }
}

const optionsError = (detail) => new EdgeImagesError('InvalidOptions', detail);
const pathError = (detail) => new EdgeImagesError('InvalidPath', detail);
const argumentError = (detail) => new EdgeImagesError('InvalidArgument', detail);

// ---------------------------------------------------------------------------------------------------------------
// Numbers: digits with at most one '.', no sign, no exponent (NumberSyntax in C#).

function parseInteger(text, max) {
  if (text.length === 0) return null;
  let value = 0;
  for (const c of text) {
    if (c < '0' || c > '9') return null;
    value = value * 10 + (c.charCodeAt(0) - 48);
    if (value > max) return null;
  }
  return value;
}

const DECIMAL = /^[0-9]+(\.[0-9]+)?$/;

function parseDecimal(text) {
  return DECIMAL.test(text) ? Number(text) : null;
}

function parseHundredths(text, maxHundredths) {
  if (!DECIMAL.test(text)) return null;
  const dot = text.indexOf('.');
  const whole = parseInteger(dot < 0 ? text : text.slice(0, dot), Math.floor(maxHundredths / 100));
  const fraction = dot < 0 ? '' : text.slice(dot + 1);
  if (whole === null || fraction.length > 2) return null;
  let result = whole * 100;
  if (fraction.length >= 1) result += (fraction.charCodeAt(0) - 48) * 10;
  if (fraction.length === 2) result += fraction.charCodeAt(1) - 48;
  return result > maxHundredths ? null : result;
}

/** The shortest decimal that reads back as the same double, never with an exponent (the grammar has none). */
function formatDecimal(value) {
  const text = String(value);
  if (!/e/i.test(text)) return text;
  for (let decimals = 1; decimals <= 100; decimals++) {
    const fixed = value.toFixed(decimals);
    if (Number(fixed) === value) return fixed;
  }
  return value.toFixed(100);
}

function formatHundredths(hundredths) {
  const whole = Math.floor(hundredths / 100);
  const fraction = hundredths % 100;
  if (fraction === 0) return String(whole);
  if (fraction % 10 === 0) return `${whole}.${fraction / 10}`;
  return `${whole}.${String(fraction).padStart(2, '0')}`;
}

/** A dpr as exact hundredths when within 1..4 with at most two decimals, else null (TryGetHundredths in C#). */
function toHundredths(dpr) {
  if (typeof dpr !== 'number' || !Number.isFinite(dpr)) return null;
  const scaled = dpr * 100;
  const rounded = roundHalfEven(scaled);
  if (!(rounded >= 100 && rounded <= 400) || Math.abs(scaled - rounded) > 1e-6) return null;
  return rounded;
}

/** Math.Round in C#: midpoints go to the even neighbour. Math.round in JS would round them up. */
function roundHalfEven(value) {
  const floor = Math.floor(value);
  const diff = value - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

// ---------------------------------------------------------------------------------------------------------------
// Options: one descriptor per option, the twin of UrlOptions in C# (sdk/Urls/UrlOptions.cs). Each has its name,
// the rule's detail (the same text as in C#), read (text → value, or null when the rule is broken) and write (value →
// canonical text); fromObject, where present, turns a value of the object form into text (undefined: not its kind,
// the generic conversion applies). The parser, the canonical form and the object form are loops over OPTIONS.
// To add an option, add its descriptor here at its alphabetical place and its twin in C#; the shared vectors
// (../test-vectors.json) hold the two to the same spellings and errors.

const keywords = (...words) => ({
  read: (text) => (words.includes(text) ? text : null),
  write: (value) => value,
});
const integer = (min, max) => ({
  read(text) {
    const n = parseInteger(text, max);
    return n === null || n < min ? null : n;
  },
  write: String,
});
const decimal = (min, max) => ({
  read(text) {
    const n = parseDecimal(text);
    return n === null || !(n >= min && n <= max) ? null : n;
  },
  write: formatDecimal,
});
const flag = () => ({
  read(text) {
    const n = parseInteger(text, 1);
    return n === null ? null : n === 1;
  },
  write: (on) => (on ? '1' : '0'),
  fromObject: (value) => (typeof value === 'boolean' ? (value ? '1' : '0') : undefined),
});
const hex2 = (byte) => byte.toString(16).padStart(2, '0');

/** Every option, in canonical order: by name, as the code units compare (ordinal in C#). */
const OPTIONS = [
  { name: 'anim', rule: "option 'anim' must be 0 or 1", ...flag() },
  {
    name: 'bg',
    rule: "option 'bg' must be RRGGBB or RRGGBBAA in hex",
    read(text) {
      if ((text.length !== 6 && text.length !== 8) || !/^[0-9A-Fa-f]+$/.test(text)) return null;
      const bytes = [];
      for (let i = 0; i < text.length; i += 2) bytes.push(parseInt(text.slice(i, i + 2), 16));
      if (bytes.length === 3) bytes.push(255);
      return bytes;
    },
    write: (rgba) => `${hex2(rgba[0])}${hex2(rgba[1])}${hex2(rgba[2])}${rgba[3] !== 255 ? hex2(rgba[3]) : ''}`,
  },
  { name: 'blur', rule: "option 'blur' must be a number from 0.3 to 100", ...decimal(0.3, 100) },
  {
    name: 'crop',
    rule: "option 'crop' must be X:Y:W:H in integers with X and Y from 0 and W and H from 1",
    read(text) {
      const parts = text.split(':');
      if (parts.length !== 4) return null;
      const numbers = parts.map((part) => parseInteger(part, 2147483647));
      return numbers.some((n) => n === null) || numbers[2] < 1 || numbers[3] < 1 ? null : numbers;
    },
    write: (numbers) => numbers.join(':'),
    fromObject(value, text) {
      if (Array.isArray(value) && value.length === 4) return value.map(text).join(':');
      if (value && typeof value === 'object') return [value.x, value.y, value.width, value.height].map(text).join(':');
      return undefined;
    },
  },
  {
    name: 'dpr',
    rule: "option 'dpr' must be a number from 1 to 4 with at most 2 decimals",
    // Kept in hundredths, exactly: 1.5 is 150.
    read(text) {
      const hundredths = parseHundredths(text, 400);
      return hundredths === null || hundredths < 100 ? null : hundredths;
    },
    write: formatHundredths,
    fromObject(value, text, fail) {
      if (typeof value !== 'number') return undefined;
      const hundredths = toHundredths(value);
      return hundredths === null ? fail() : formatHundredths(hundredths);
    },
  },
  {
    name: 'exp',
    rule: "option 'exp' must be unix seconds (a non-negative integer)",
    // A BigInt: exp may exceed 2^53 and must still round-trip exactly.
    read: (text) => (/^[0-9]+$/.test(text) && BigInt(text) <= MAX_EXPIRY ? BigInt(text) : null),
    write: String,
    fromObject(value, text, fail) {
      if (!(value instanceof Date)) return undefined;
      const ms = value.getTime();
      return !Number.isFinite(ms) || ms < 0 ? fail() : String(Math.floor(ms / 1000));
    },
  },
  {
    name: 'f',
    rule: "option 'f' must be jpeg, png, webp, avif, gif, auto or json",
    ...keywords('jpeg', 'png', 'webp', 'avif', 'gif', 'auto', 'json'),
  },
  { name: 'fit', rule: "option 'fit' must be cover, contain, fill, inside or outside", ...keywords('cover', 'contain', 'fill', 'inside', 'outside') },
  { name: 'flip', rule: "option 'flip' must be h, v or hv", ...keywords('h', 'v', 'hv') },
  {
    name: 'g',
    rule: "option 'g' must be center, n, s, e, w, ne, nw, se, sw, smart or fp:X:Y with X and Y from 0 to 1",
    read(text) {
      if (['center', 'n', 's', 'e', 'w', 'ne', 'nw', 'se', 'sw', 'smart'].includes(text)) return { kind: text };
      if (!text.startsWith('fp:')) return null;
      const point = text.slice(3);
      const colon = point.indexOf(':');
      if (colon < 0) return null;
      const x = parseDecimal(point.slice(0, colon));
      const y = parseDecimal(point.slice(colon + 1));
      return x === null || y === null || !(x >= 0 && x <= 1) || !(y >= 0 && y <= 1) ? null : { kind: 'fp', x, y };
    },
    write: (g) => (g.kind === 'fp' ? `fp:${formatDecimal(g.x)}:${formatDecimal(g.y)}` : g.kind),
    fromObject(value, text) {
      if (value && typeof value === 'object' && typeof value.x === 'number' && typeof value.y === 'number') {
        return `fp:${text(value.x)}:${text(value.y)}`;
      }
      return undefined;
    },
  },
  { name: 'h', rule: "option 'h' must be an integer from 1 to 8192", ...integer(1, MAX_SIDE) },
  {
    name: 'p',
    rule: "option 'p' must be 1 to 32 characters of [a-z0-9-]",
    read: (text) => (isIdentifier(text, MAX_PRESET_LENGTH) ? text : null),
    write: (value) => value,
  },
  { name: 'q', rule: "option 'q' must be an integer from 1 to 100", ...integer(1, 100) },
  {
    name: 'rot',
    rule: "option 'rot' must be 0, 90, 180 or 270",
    read(text) {
      const rot = parseInteger(text, 270);
      return [0, 90, 180, 270].includes(rot) ? rot : null;
    },
    write: String,
  },
  { name: 'sharpen', rule: "option 'sharpen' must be a number from 0.3 to 10", ...decimal(0.3, 10) },
  { name: 'up', rule: "option 'up' must be 0 or 1", ...flag() },
  {
    name: 'v',
    rule: "option 'v' must be 1 to 64 characters of [A-Za-z0-9_-]",
    read: (text) => (VERSION.test(text) ? text : null),
    write: (value) => value,
  },
  { name: 'w', rule: "option 'w' must be an integer from 1 to 8192", ...integer(1, MAX_SIDE) },
  {
    // A tenant's watermark name, or 'none'; whether it exists is the tenant's settings, checked at the edge.
    name: 'wm',
    rule: "option 'wm' must be 1 to 32 characters of [a-z0-9-] (a watermark name, or none)",
    read: (text) => (isIdentifier(text, MAX_PRESET_LENGTH) ? text : null),
    write: (value) => value,
  },
];

const OPTION = new Map(OPTIONS.map((option) => [option.name, option]));
/** The names of every option, in canonical order (OptionsParser.Names in C#). */
export const OPTION_NAMES = Object.freeze(OPTIONS.map((option) => option.name));
const DPR_PRODUCT_RULE = "option 'dpr' times 'w' or 'h' must not exceed 8192";

/** The rules that involve more than one option (UrlOptions.CheckTogether in C#). */
function checkTogether(o) {
  const dpr = o.dpr ?? 100;
  if ((o.w ?? 0) * dpr > MAX_SIDE * 100 || (o.h ?? 0) * dpr > MAX_SIDE * 100) throw optionsError(DPR_PRODUCT_RULE);
}

/** Request text fit to quote in a detail (UrlError.Quote in C#). */
function quote(text) {
  const max = 32;
  let result = '';
  for (let i = 0; i < Math.min(text.length, max); i++) {
    const c = text[i];
    const code = text.charCodeAt(i);
    result += code > 0x20 && code < 0x7f && !`'"\\<>&`.includes(c) ? c : '?';
  }
  return text.length <= max ? result : `${result}...`;
}

/**
 * Parses an options segment exactly as the edge does.
 * @param {string} segment
 * @returns {object} the parsed options (internal shape), or `{ passThrough: true }` for `-`
 */
export function parseOptions(segment) {
  if (typeof segment !== 'string') throw argumentError('options must be a string, an object, or null for "-"');
  if (segment === '-') return { passThrough: true };
  if (segment.length === 0) throw optionsError("options segment is empty; use '-' for no transformation");
  const o = {};
  for (const item of segment.split(',')) {
    if (item.length === 0) throw optionsError('options list has an empty item');
    const colon = item.indexOf(':');
    const name = colon < 0 ? item : item.slice(0, colon);
    const option = OPTION.get(name);
    if (!option) throw optionsError(name.length === 0 ? 'option name is empty' : `unknown option '${quote(name)}'`);
    if (colon < 0) throw optionsError(`option '${name}' needs a value, as ${name}:value`);
    if (Object.hasOwn(o, name)) throw optionsError(`option '${name}' is given twice`);
    const value = option.read(item.slice(colon + 1));
    if (value === null) throw optionsError(option.rule);
    o[name] = value;
  }
  checkTogether(o);
  return o;
}

/** Writes parsed options in canonical order, exp included (CanonicalOptions.FormatForUrl). */
function formatParsed(o) {
  if (o.passThrough) return '-';
  const items = OPTIONS.filter((option) => o[option.name] !== undefined).map((option) => `${option.name}:${option.write(o[option.name])}`);
  return items.length === 0 ? 'f:auto' : items.join(',');
}

/** Turns one value of the object form into option text; values that could smuggle in another option are refused. */
function valueText(option, value) {
  const fail = () => {
    throw optionsError(option.rule);
  };
  const text = (part) => valueText(option, part);
  const special = option.fromObject?.(value, text, fail);
  if (special !== undefined) return special;
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) && value >= 0 ? formatDecimal(value) : fail();
    case 'bigint':
      return value.toString();
    case 'string':
      return value.includes(',') ? fail() : value;
    default:
      return fail();
  }
}

/**
 * Reads options given as a string (`"w:400,h:300"`), an object (`{ w: 400, h: 300, fit: 'cover' }`), or null/`"-"`
 * for the original; checks them against the spec and returns the parsed form.
 */
function toParsed(options) {
  if (options === null || options === undefined || options === '-') return { passThrough: true };
  if (typeof options === 'string') return parseOptions(options);
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw argumentError('options must be a string, an object, or null for "-"');
  }
  const items = [];
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined || value === null) continue;
    const option = OPTION.get(name);
    if (!option) throw optionsError(`unknown option '${quote(name)}'`);
    items.push(`${name}:${valueText(option, value)}`);
  }
  return parseOptions(items.join(','));
}

/**
 * The canonical options segment a builder writes: names in alphabetical order, numbers in their shortest form,
 * `bg` in lowercase hex. Identical to C# `CanonicalOptions.FormatForUrl`.
 * @param {string | object | null} options
 * @returns {string}
 */
export function formatOptions(options) {
  return formatParsed(toParsed(options));
}

// ---------------------------------------------------------------------------------------------------------------
// Tenant and path (PathRules in C#).

function validateTenant(tenant) {
  if (!isIdentifier(tenant, MAX_TENANT_LENGTH)) {
    throw new EdgeImagesError('InvalidTenant', 'tenant must be 1 to 63 characters of [a-z0-9-]');
  }
}

const encoder = new TextEncoder();

/** Percent-encodes one decoded segment: RFC 3986 unreserved characters kept, every other UTF-8 byte as %XX uppercase. */
function encodeSegment(segment) {
  if (LONE_SURROGATE.test(segment)) throw pathError('path is not valid UTF-16 (a lone surrogate)');
  let result = '';
  for (const ch of segment) {
    if (UNRESERVED.test(ch)) {
      result += ch;
      continue;
    }
    for (const b of encoder.encode(ch)) result += `%${HEX_UPPER[b >> 4]}${HEX_UPPER[b & 15]}`;
  }
  return result;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Checks an encoded path the way the edge's parser does, in the same order, with the same details. */
function checkEncodedPath(raw) {
  if (raw.length === 0) throw pathError('path is missing');
  if (raw.length > 3 * MAX_PATH_BYTES) throw pathError('path is longer than 1024 bytes');
  let total = 0;
  const decoded = [];
  const segments = raw.split('/');
  for (let i = 0; i < segments.length; i++) {
    if (i > 0) total += 1;
    const bytes = [];
    const text = segments[i];
    for (let j = 0; j < text.length; j++) {
      if (text[j] === '%') {
        const b = parseInt(text.slice(j + 1, j + 3), 16);
        if (!/^[0-9A-Fa-f]{2}$/.test(text.slice(j + 1, j + 3))) throw pathError('path has an invalid percent-escape');
        if (b === 0x2f) throw pathError("path segment may not contain an encoded '/' (%2F)");
        bytes.push(b);
        j += 2;
      } else {
        bytes.push(text.charCodeAt(j));
      }
      if (total + bytes.length > MAX_PATH_BYTES) throw pathError('path is longer than 1024 bytes');
    }
    total += bytes.length;
    if (bytes.length === 0) throw pathError('path segments may not be empty');
    if (bytes.length === 1 && bytes[0] === 0x2e) throw pathError("path segment '.' is not allowed");
    if (bytes.length === 2 && bytes[0] === 0x2e && bytes[1] === 0x2e) throw pathError("path segment '..' is not allowed");
    if (bytes.includes(0x5c)) throw pathError("path may not contain '\\'");
    try {
      decoded.push(decoder.decode(new Uint8Array(bytes)));
    } catch {
      throw pathError('path is not valid UTF-8');
    }
  }
  // char.IsControl in .NET: C0, DEL and C1.
  if (/[\u0000-\u001f\u007f-\u009f]/.test(decoded.join('/'))) throw pathError('path may not contain control characters');
}

function encodePath(path) {
  if (typeof path !== 'string') throw pathError('path is missing');
  const encoded = path.split('/').map(encodeSegment).join('/');
  checkEncodedPath(encoded);
  return encoded;
}

// ---------------------------------------------------------------------------------------------------------------
// Keys and signatures (SigningKey, UrlSigner in C#).

function secretBytes(key) {
  if (!key || typeof key !== 'object') throw new EdgeImagesError('InvalidKey', 'key must be { id, secret }');
  if (!isIdentifier(key.id, MAX_KEY_ID_LENGTH)) {
    throw new EdgeImagesError('InvalidKey', 'key id must be 1 to 16 characters of [a-z0-9-]');
  }
  let secret = key.secret;
  if (typeof secret === 'string') {
    // A string secret is hex, as in the edge's configuration (Signing:Keys:{kid}); never its ASCII bytes.
    if (secret.length === 0 || secret.length % 2 !== 0 || !/^[0-9A-Fa-f]+$/.test(secret)) {
      throw new EdgeImagesError('InvalidKey', 'secret string must be hex digits, two per byte (pass a Uint8Array for raw bytes)');
    }
    secret = Buffer.from(secret, 'hex');
  }
  if (!(secret instanceof Uint8Array)) {
    throw new EdgeImagesError('InvalidKey', 'secret must be a hex string or a Uint8Array');
  }
  if (secret.length < MIN_SECRET_BYTES) {
    throw new EdgeImagesError('InvalidKey', `secret must be at least ${MIN_SECRET_BYTES} bytes`);
  }
  return secret;
}

// The tenants a key signs for: a list of tenant ids (an array, or a comma-separated string), or '*' for a platform
// key. Required: a key that names no tenant would be refused by every edge, or worse, read every tenant.
function keyTenants(key) {
  const tenants = key.tenants;
  const list = typeof tenants === 'string' ? tenants.split(',').map((t) => t.trim()).filter((t) => t !== '') : tenants;
  if (!Array.isArray(list) || list.length === 0 || list.some((t) => typeof t !== 'string')) {
    throw new EdgeImagesError('InvalidKey', "key.tenants must list the tenants the key signs for, or be '*' for a platform key");
  }
  if (list.includes('*')) {
    if (list.length !== 1) throw new EdgeImagesError('InvalidKey', "'*' (every tenant) cannot be combined with tenant ids");
    return null;
  }
  for (const tenant of list) {
    if (!isIdentifier(tenant, MAX_TENANT_LENGTH)) {
      throw new EdgeImagesError('InvalidKey', 'key.tenants holds something that is not a tenant id (1 to 63 characters of [a-z0-9-])');
    }
  }
  return new Set(list);
}

// The tenant segment of `/{options}/{tenant}/{path}`, exactly as sent ('' when there is none), as the edge reads it.
function tenantOf(message) {
  if (!message.startsWith('/')) return '';
  const parts = message.split('/');
  return parts.length >= 3 ? parts[2] : '';
}

/**
 * Signs a message, the wire path after the signature segment (`/{options}/{tenant}/{path}`, percent-encoding
 * included): `{kid}.{mac}`, the MAC being the first 16 bytes of HMAC-SHA256 in base64url without padding. The key
 * must be bound to the message's tenant (`key.tenants`); the edge answers 403 to any other, so such a URL is never
 * written.
 * @param {{ id: string, secret: string | Uint8Array, tenants: string[] | string }} key
 * @param {string} message
 * @returns {string}
 */
export function sign(key, message) {
  const secret = secretBytes(key);
  const tenants = keyTenants(key);
  if (typeof message !== 'string') throw argumentError('message must be a string');
  if (tenants !== null && !tenants.has(tenantOf(message))) {
    throw new EdgeImagesError('KeyNotValidForTenant', `key '${key.id}' is not valid for this tenant; it signs for ${[...tenants].sort().join(',')}`);
  }
  const mac = createHmac('sha256', secret).update(message, 'utf8').digest().subarray(0, MAC_BYTES);
  return `${key.id}.${mac.toString('base64url')}`;
}

function basePrefix(baseUrl) {
  if (baseUrl === undefined || baseUrl === null || baseUrl === '') return '';
  let url;
  try {
    url = new URL(String(baseUrl));
  } catch {
    throw argumentError('base URL must be absolute, without query or fragment');
  }
  if (url.search !== '' || url.hash !== '' || String(baseUrl).includes('?') || String(baseUrl).includes('#')) {
    throw argumentError('base URL must be absolute, without query or fragment');
  }
  return url.href.replace(/\/+$/, '');
}

function buildParsed(key, parsed, tenant, path, baseUrl) {
  const canonical = formatParsed(parsed);
  validateTenant(tenant);
  const message = `/${canonical}/${tenant}/${encodePath(path)}`;
  return `${basePrefix(baseUrl)}/${sign(key, message)}${message}`;
}

/**
 * Builds a signed image URL, `{baseUrl}/{kid.mac}/{options}/{tenant}/{path}`. Options are checked and written in
 * canonical order, the path is percent-encoded per segment, and the signature covers exactly those bytes: the same
 * URL the C# `ImageUrlBuilder` writes for the same input. Throws {@link EdgeImagesError} for input the edge would
 * refuse, with the detail the edge would answer with.
 * @param {import("./index.js").BuildUrlInput} input
 * @returns {string}
 */
export function buildUrl({ key, tenant, path, options, baseUrl }) {
  secretBytes(key);
  return buildParsed(key, toParsed(options), tenant, path, baseUrl);
}

// ---------------------------------------------------------------------------------------------------------------
// srcset (SrcsetBuilder in C#).

/**
 * The widths of a ladder from minWidth to maxWidth, each at most `tolerance` above the previous, ending exactly at
 * the cap (maxWidth, or sourceWidth when smaller). The same algorithm as C# `SrcsetBuilder.WidthLadder`.
 * @returns {number[]}
 */
export function widthLadder(minWidth = DEFAULT_MIN_WIDTH, maxWidth = DEFAULT_MAX_WIDTH, tolerance = DEFAULT_TOLERANCE, sourceWidth = undefined) {
  if (!Number.isInteger(minWidth) || minWidth < 1) throw argumentError('minimum width must be an integer of at least 1');
  if (!Number.isInteger(maxWidth) || maxWidth > MAX_SIDE || maxWidth < minWidth) {
    throw argumentError('maximum width must be an integer from the minimum width to 8192');
  }
  if (typeof tolerance !== 'number' || !(tolerance >= 0.01 && tolerance <= 1)) throw argumentError('tolerance must be from 0.01 to 1');
  if (sourceWidth !== undefined && sourceWidth !== null && (!Number.isInteger(sourceWidth) || sourceWidth < 1)) {
    throw argumentError('source width must be at least 1');
  }
  const cap = Math.min(maxWidth, sourceWidth ?? Number.MAX_SAFE_INTEGER);
  const widths = [];
  let width = Math.min(minWidth, cap);
  for (;;) {
    widths.push(width);
    if (width >= cap) return widths;
    // Floor keeps each step within the tolerance; at small widths it may be under one pixel, so step at least one.
    width = Math.min(Math.max(width + 1, Math.floor(width * (1 + tolerance))), cap);
  }
}

/**
 * A `w`-descriptor srcset: the options at every width of a ladder (or of `widths`), the height scaled to keep the
 * aspect ratio when both `w` and `h` are given. Identical to C# `SrcsetBuilder.BuildWidths`.
 * @param {import("./index.js").SrcsetInput} input
 * @returns {string}
 */
export function buildSrcset({ key, tenant, path, options, baseUrl, widths, minWidth, maxWidth, tolerance, sourceWidth }) {
  secretBytes(key);
  const parsed = toParsed(options ?? {});
  if (parsed.passThrough || parsed.dpr !== undefined || (parsed.h !== undefined && parsed.w === undefined)) {
    throw argumentError('a width ladder needs transform options without dpr, and h only together with w');
  }
  const list = widths ?? widthLadder(minWidth ?? DEFAULT_MIN_WIDTH, maxWidth ?? DEFAULT_MAX_WIDTH, tolerance ?? DEFAULT_TOLERANCE, sourceWidth);
  return list
    .map((width) => {
      if (!Number.isInteger(width) || width < 1 || width > MAX_SIDE) throw optionsError(OPTION.get('w').rule);
      const candidate = { ...parsed, w: width };
      if (parsed.w !== undefined && parsed.h !== undefined) {
        candidate.h = Math.min(Math.max(roundHalfEven((parsed.h * width) / parsed.w), 1), MAX_SIDE);
      }
      return `${buildParsed(key, candidate, tenant, path, baseUrl)} ${width}w`;
    })
    .join(', ');
}

/**
 * An `x`-descriptor srcset for an image shown at a fixed size: the same options at several dprs (default 1, 2, 3).
 * The 1x candidate carries no dpr, so it is the same URL as a plain src; densities that would exceed 8192 pixels are
 * skipped. Identical to C# `SrcsetBuilder.BuildDensities`.
 * @param {import("./index.js").DensitiesInput} input
 * @returns {string}
 */
export function buildDensities({ key, tenant, path, options, baseUrl, densities }) {
  secretBytes(key);
  const parsed = toParsed(options ?? {});
  if (parsed.passThrough || parsed.dpr !== undefined) throw argumentError('density variants need transform options without dpr');
  const list = densities && densities.length > 0 ? densities : [1, 2, 3];
  const result = [];
  for (const density of list) {
    const hundredths = toHundredths(density);
    if (hundredths === null) throw argumentError(OPTION.get('dpr').rule);
    if ((parsed.w ?? 0) * hundredths > MAX_SIDE * 100 || (parsed.h ?? 0) * hundredths > MAX_SIDE * 100) continue;
    const candidate = hundredths === 100 ? parsed : { ...parsed, dpr: hundredths };
    result.push(`${buildParsed(key, candidate, tenant, path, baseUrl)} ${formatHundredths(hundredths)}x`);
  }
  return result.join(', ');
}

/**
 * The CSS size an `<img>` should declare for these options: width and height when both follow from the options
 * (a box fit with `w` and `h`, or a known input size from `crop` or the source), else only what is known. The same
 * rules as C# `DisplaySize.Compute`: CSS pixels before dpr, `up:0` not applied, rounding half away from zero.
 * @param {string | object | null} options
 * @param {number} [sourceWidth] the original's width, after EXIF orientation
 * @param {number} [sourceHeight]
 * @returns {{ width: number | null, height: number | null }}
 */
export function displaySize(options, sourceWidth, sourceHeight) {
  const o = toParsed(options);
  const source = sourceWidth > 0 && sourceHeight > 0 ? [sourceWidth, sourceHeight] : null;
  if (o.passThrough) return source ? { width: source[0], height: source[1] } : { width: null, height: null };
  const fit = o.fit ?? (o.w !== undefined && o.h !== undefined ? 'cover' : 'inside');
  if (o.w !== undefined && o.h !== undefined && (fit === 'cover' || fit === 'contain' || fit === 'fill')) {
    return { width: o.w, height: o.h };
  }
  let input = o.crop ? [o.crop[2], o.crop[3]] : source;
  if (input && (o.rot === 90 || o.rot === 270)) input = [input[1], input[0]];
  if (!input) {
    return { width: o.h === undefined ? (o.w ?? null) : null, height: o.w === undefined ? (o.h ?? null) : null };
  }
  const [iw, ih] = input;
  const round = (value) => Math.max(1, Math.min(MAX_SIDE * 4, Math.round(value)));
  if (o.w !== undefined && o.h !== undefined) {
    const s = fit === 'inside' ? Math.min(o.w / iw, o.h / ih) : Math.max(o.w / iw, o.h / ih);
    return { width: round(iw * s), height: round(ih * s) };
  }
  if (o.w !== undefined) return { width: o.w, height: round((o.w * ih) / iw) };
  if (o.h !== undefined) return { width: round((o.h * iw) / ih), height: o.h };
  return { width: iw, height: ih };
}
