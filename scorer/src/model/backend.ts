/**
 * TensorFlow.js backend selection. The native backend (@tensorflow/tfjs-node) is installed
 * only in the container image, so it is imported dynamically. Without it the WASM backend
 * runs, and the pure JavaScript CPU backend is the last resort.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

const BACKEND_ORDER: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

/** Environment variable that forces one backend, for reproducible training or debugging. */
export const BACKEND_ENV_VAR = 'SCORER_TF_BACKEND';

let selected: Promise<BackendName> | undefined;

/** Selects the backend once per process and returns its name. */
export function initBackend(preferred: string | undefined = process.env[BACKEND_ENV_VAR]): Promise<BackendName> {
  selected ??= selectBackend(preferred);
  return selected;
}

async function selectBackend(preferred: string | undefined): Promise<BackendName> {
  // Skips per-op debug checks; shapes are validated before tensors are built.
  tf.enableProdMode();

  const candidates = preferred === undefined || preferred === '' ? BACKEND_ORDER : [parseBackendName(preferred)];
  const failures: string[] = [];
  for (const name of candidates) {
    try {
      if (name === 'tensorflow') {
        await importNativeBackend();
      }
      if (await tf.setBackend(name)) {
        await tf.ready();
        return name;
      }
      failures.push(`${name}: setBackend returned false`);
    } catch (error) {
      failures.push(`${name}: ${(error as Error).message}`);
    }
  }
  throw new Error(`No TensorFlow.js backend could be initialised (${failures.join('; ')}).`);
}

function parseBackendName(value: string): BackendName {
  if ((BACKEND_ORDER as readonly string[]).includes(value)) {
    return value as BackendName;
  }
  throw new Error(`Invalid ${BACKEND_ENV_VAR}=${JSON.stringify(value)}; expected one of ${BACKEND_ORDER.join(', ')}.`);
}

async function importNativeBackend(): Promise<void> {
  // A variable specifier keeps TypeScript from resolving a package that is absent here.
  const specifier = '@tensorflow/tfjs-node';
  await import(specifier);
}

export { tf };
