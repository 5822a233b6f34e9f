/**
 * Loads and verifies a model bundle: every file is read, the digest is checked, the JSON
 * files are validated, and the model's input shape must match features.json. Each
 * rejection is a ConfigError whose message starts with the file at fault.
 */
import { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { formatPath } from '../field-path.ts';
import { tf } from './backend.ts';
import { DIGEST_FILE, FEATURES_FILE, METADATA_FILE, MODEL_FILE, bundleDigest } from './bundle-format.ts';
import type { BundleSource } from './bundle-source.ts';
import { featureSpecSchema, totalEncodedWidth, type FeatureSpec } from './features.ts';
import { metadataSchema, type BundleMetadata } from './metadata.ts';

export interface LoadedBundle {
  model: tf.LayersModel;
  spec: FeatureSpec;
  metadata: BundleMetadata;
  digest: string;
}

const modelJsonSchema = z.object({
  modelTopology: z.record(z.string(), z.unknown()),
  format: z.string().optional(),
  weightsManifest: z
    .array(
      z.object({
        paths: z.array(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'must be a plain file name in the bundle folder')),
        weights: z.array(z.object({ name: z.string(), shape: z.array(z.number().int()), dtype: z.string() }).loose()),
      }),
    )
    .min(1),
});

/** Reads the bundle from the source and verifies it against `expectedSha256` when given. */
export async function loadBundle(source: BundleSource, expectedSha256: string | undefined): Promise<LoadedBundle> {
  const files = new Map<string, Uint8Array>();
  const readRequired = async (path: string): Promise<Uint8Array> => {
    const bytes = await source.read(path);
    if (bytes === undefined) {
      throw new ConfigError(`${path}: missing from the model bundle at ${source.description}.`, path);
    }
    files.set(path, bytes);
    return bytes;
  };

  const modelJson = parseJsonFile(MODEL_FILE, await readRequired(MODEL_FILE), modelJsonSchema);
  const weightPaths = modelJson.weightsManifest.flatMap((group) => group.paths);
  const weightFiles: Uint8Array[] = [];
  for (const path of weightPaths) {
    weightFiles.push(await readRequired(path));
  }
  const spec = parseJsonFile(FEATURES_FILE, await readRequired(FEATURES_FILE), featureSpecSchema);
  const metadata = parseJsonFile(METADATA_FILE, await readRequired(METADATA_FILE), metadataSchema);

  const digest = bundleDigest(files);
  await verifyDigest(source, digest, expectedSha256);
  checkSpecWidth(spec);

  const model = await buildModel(modelJson, weightFiles);
  try {
    checkModelShape(model, spec);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return { model, spec, metadata, digest };
}

function parseJsonFile<T>(path: string, bytes: Uint8Array, schema: z.ZodType<T>): T {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    throw new ConfigError(`${path}: malformed JSON: ${(error as Error).message}`, path, { cause: error });
  }

  const result = schema.safeParse(raw);
  if (!result.success) {
    const summary = result.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`).join('; ');
    throw new ConfigError(`${path}: invalid content: ${summary}`, path, { cause: result.error });
  }
  return result.data;
}

async function verifyDigest(source: BundleSource, digest: string, expectedSha256: string | undefined): Promise<void> {
  if (expectedSha256 !== undefined && digest !== expectedSha256) {
    throw new ConfigError(
      `model.sha256: bundle digest mismatch at ${source.description}: the configured model.sha256 is ${expectedSha256}, ` +
        `but the bundle files hash to ${digest}. Check that model.uri names the intended bundle, then set model.sha256 to its digest.`,
      'model.sha256',
    );
  }

  const recorded = await source.read(DIGEST_FILE);
  if (recorded === undefined) {
    return;
  }
  const recordedDigest = Buffer.from(recorded).toString('utf8').trim();
  if (recordedDigest !== digest) {
    throw new ConfigError(
      `${DIGEST_FILE}: bundle digest mismatch at ${source.description}: the files hash to ${digest}, the bundle records ${recordedDigest}.`,
      DIGEST_FILE,
    );
  }
}

function checkSpecWidth(spec: FeatureSpec): void {
  const width = totalEncodedWidth(spec.features);
  if (width !== spec.inputSize) {
    throw new ConfigError(`${FEATURES_FILE}: inputSize is ${spec.inputSize} but the features encode to ${width} inputs.`, FEATURES_FILE);
  }
}

async function buildModel(modelJson: z.infer<typeof modelJsonSchema>, weightFiles: Uint8Array[]): Promise<tf.LayersModel> {
  const weightData = tf.io.concatenateArrayBuffers(weightFiles.map((bytes) => bytes.slice().buffer));
  try {
    return await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: modelJson.modelTopology,
        weightSpecs: modelJson.weightsManifest.flatMap((group) => group.weights) as tf.io.WeightsManifestEntry[],
        weightData,
      }),
    );
  } catch (error) {
    throw new ConfigError(`${MODEL_FILE}: the model cannot be built from its topology and weights: ${(error as Error).message}`, MODEL_FILE, {
      cause: error,
    });
  }
}

function checkModelShape(model: tf.LayersModel, spec: FeatureSpec): void {
  const inputShape = model.inputs[0]?.shape;
  if (model.inputs.length !== 1 || inputShape?.length !== 2 || inputShape[1] !== spec.inputSize) {
    throw new ConfigError(
      `${MODEL_FILE}: the model input shape ${JSON.stringify(inputShape)} does not match features.json inputSize ${spec.inputSize}.`,
      MODEL_FILE,
    );
  }
  const outputShape = model.outputs[0]?.shape;
  if (model.outputs.length !== 1 || outputShape?.length !== 2 || outputShape[1] !== 1) {
    throw new ConfigError(`${MODEL_FILE}: the model must have one output of shape [null, 1], got ${JSON.stringify(outputShape)}.`, MODEL_FILE);
  }
}
