/**
 * A signing key: the id written in signatures, its secret (a hex string, or raw bytes), and the tenants it signs for
 * (tenant ids, as an array or comma-separated, or '*' for a platform key). Signing for another tenant throws.
 */
export interface SigningKey {
  id: string;
  secret: string | Uint8Array;
  tenants: string[] | string;
}

export type Fit = 'cover' | 'contain' | 'fill' | 'inside' | 'outside';
export type Gravity = 'center' | 'n' | 's' | 'e' | 'w' | 'ne' | 'nw' | 'se' | 'sw' | 'smart' | `fp:${string}:${string}`;

/** Every option of URL format version 1, by its URL name. */
export interface ImageOptions {
  w?: number;
  h?: number;
  dpr?: number;
  fit?: Fit;
  g?: Gravity | { x: number; y: number };
  crop?: string | [number, number, number, number] | { x: number; y: number; width: number; height: number };
  rot?: 0 | 90 | 180 | 270;
  flip?: 'h' | 'v' | 'hv';
  blur?: number;
  sharpen?: number;
  q?: number;
  f?: 'jpeg' | 'png' | 'webp' | 'avif' | 'gif' | 'auto';
  bg?: string;
  up?: boolean | 0 | 1;
  exp?: Date | number | bigint;
  v?: string;
  p?: string;
}

/** An options object, an options segment (`"w:400,h:300"`), or null / `"-"` for the original. */
export type OptionsInput = ImageOptions | string | null;

export interface BuildUrlInput {
  key: SigningKey;
  tenant: string;
  /** The decoded path at the origin, e.g. `a b/café.png`. */
  path: string;
  options?: OptionsInput;
  /** The edge's address; omitted, the URL is root-relative. */
  baseUrl?: string;
}

export interface SrcsetInput extends BuildUrlInput {
  /** Explicit candidate widths; otherwise a ladder from minWidth to maxWidth. */
  widths?: number[];
  minWidth?: number;
  maxWidth?: number;
  tolerance?: number;
  sourceWidth?: number;
}

export interface DensitiesInput extends BuildUrlInput {
  /** Default [1, 2, 3]. */
  densities?: number[];
}

export type ErrorKind = 'InvalidOptions' | 'InvalidTenant' | 'InvalidPath' | 'InvalidKey' | 'KeyNotValidForTenant' | 'InvalidArgument';

export class EdgeImagesError extends Error {
  constructor(kind: ErrorKind, message: string);
  readonly kind: ErrorKind;
}

export const DEFAULT_MIN_WIDTH: 100;
export const DEFAULT_MAX_WIDTH: 8192;
export const DEFAULT_TOLERANCE: 0.08;
/** The names of every option, in canonical order. */
export const OPTION_NAMES: readonly string[];

export function sign(key: SigningKey, message: string): string;
export function buildUrl(input: BuildUrlInput): string;
/** The signed `f:json` URL for the image these options make: its metadata and a placeholder instead of the image. */
export function buildInfoUrl(input: BuildUrlInput): string;

/** The edge's `f:json` answer. */
export interface ImageInfo {
  /** The original's size after EXIF orientation. */
  width: number;
  height: number;
  format: string;
  hasAlpha: boolean;
  animated: boolean;
  frames: number;
  bytes: number;
  /** `#rrggbb` */
  dominantColor: string;
  /** What the same options give as an image, in device pixels. */
  output: { width: number; height: number };
  /** `data:image/webp;base64,…`, at most 32 px on its long side. */
  placeholder: string;
}
export function formatOptions(options: OptionsInput): string;
export function parseOptions(segment: string): object;
export function widthLadder(minWidth?: number, maxWidth?: number, tolerance?: number, sourceWidth?: number): number[];
export function buildSrcset(input: SrcsetInput): string;
export function buildDensities(input: DensitiesInput): string;
export function displaySize(options: OptionsInput, sourceWidth?: number, sourceHeight?: number): { width: number | null; height: number | null };
