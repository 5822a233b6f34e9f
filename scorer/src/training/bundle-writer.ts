/** Writes a trained model, its features and metadata as a bundle folder with its digest. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tf } from '../model/backend.ts';
import {
  DIGEST_FILE,
  FEATURES_FILE,
  METADATA_FILE,
  MODEL_FILE,
  WEIGHTS_FILE,
  bundleDigest,
} from '../model/bundle-format.ts';
import type { FeatureSpec } from '../model/features.ts';
import type { BundleMetadata } from '../model/metadata.ts';

/** Writes the bundle into `directory` (created when absent) and returns its digest. */
export async function writeBundle(directory: string, model: tf.LayersModel, spec: FeatureSpec, metadata: BundleMetadata): Promise<string> {
  const files = new Map<string, Uint8Array>();
  const modelFiles = await serializeModel(model);
  for (const [path, bytes] of modelFiles) {
    files.set(path, bytes);
  }
  files.set(FEATURES_FILE, jsonBytes(spec));
  files.set(METADATA_FILE, jsonBytes(metadata));

  const digest = bundleDigest(files);
  files.set(DIGEST_FILE, Buffer.from(`${digest}\n`, 'utf8'));

  await mkdir(directory, { recursive: true });
  for (const [path, bytes] of files) {
    await writeFile(join(directory, path), bytes);
  }
  return digest;
}

/** Serializes the model into model.json and one weights file, without the file system IO handler of tfjs-node. */
async function serializeModel(model: tf.LayersModel): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const modelJson = {
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
      };
      files.set(MODEL_FILE, jsonBytes(modelJson));
      files.set(WEIGHTS_FILE, new Uint8Array(weightData));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return files;
}

function jsonBytes(value: unknown): Uint8Array {
  return Buffer.from(`${JSON.stringify(value, null, 2)}\n`, 'utf8');
}
