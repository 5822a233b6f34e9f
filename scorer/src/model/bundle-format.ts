/**
 * The model bundle layout and its digest. A bundle is a folder, or the same files under an
 * HTTPS base URL:
 *
 *   model.json       TensorFlow.js layers model (topology and weights manifest)
 *   weights.bin      weight files named in model.json's weightsManifest
 *   features.json    the ordered input features (FeatureSpec)
 *   metadata.json    name, version, training data digest, row counts, command, test metrics
 *   bundle.sha256    the bundle digest as 64 hex characters and a newline (not part of the digest)
 *
 * The digest is the sha256 of the text made of one line per bundle file,
 * `<sha256 hex of the file>  <relative path>\n` (the `sha256sum` line format), with the lines
 * sorted by path in byte order. The digest file itself is excluded.
 */
import { createHash } from 'node:crypto';

export const MODEL_FILE = 'model.json';
export const FEATURES_FILE = 'features.json';
export const METADATA_FILE = 'metadata.json';
export const DIGEST_FILE = 'bundle.sha256';
export const WEIGHTS_FILE = 'weights.bin';

/** Returns the `sha256sum`-style manifest of the files, sorted by path. */
export function digestManifest(files: ReadonlyMap<string, Uint8Array>): string {
  const paths = [...files.keys()].filter((path) => path !== DIGEST_FILE).sort(compareBytes);
  return paths.map((path) => `${sha256Hex(files.get(path) as Uint8Array)}  ${path}\n`).join('');
}

/** Computes the bundle digest over every file except the digest file. */
export function bundleDigest(files: ReadonlyMap<string, Uint8Array>): string {
  return sha256Hex(Buffer.from(digestManifest(files), 'utf8'));
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function compareBytes(left: string, right: string): number {
  return Buffer.compare(Buffer.from(left, 'utf8'), Buffer.from(right, 'utf8'));
}
