import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The script that builds the control-plane binaries, or finds them in its cache or in KUBEBUILDER_ASSETS. */
export const buildScript = join(dirname(fileURLToPath(import.meta.url)), '..', 'controlplane', 'build.sh');

/** Raised when the binaries can be neither found nor built. The message gives the reason and the next step. */
export class ControlPlaneBinariesError extends Error {
  override name = 'ControlPlaneBinariesError';
}

/**
 * Runs test/controlplane/build.sh and returns the folder with the binaries that it
 * prints on its last line of stdout. A warm cache returns at once; a cold build takes
 * several minutes, and its progress goes to this process's stderr.
 */
export async function findControlPlaneBinaries(): Promise<string> {
  const { code, stdout, stderr } = await runBuildScript();

  const binDir = stdout.trim().split('\n').at(-1)?.trim() ?? '';
  if (code === 0 && binDir !== '') {
    return binDir;
  }
  throw new ControlPlaneBinariesError(explainBuildFailure(code, stderr));
}

function runBuildScript(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [buildScript], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';

    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      process.stderr.write(chunk);
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Builds the message for a failed build from the script's own error lines and Go's last
 * output, and names the ways to go on: install Go, or point KUBEBUILDER_ASSETS at built binaries.
 */
export function explainBuildFailure(code: number | null, stderr: string): string {
  const lines = stderr.split('\n').filter((line) => line.trim() !== '');
  const goMissing = lines.some((line) => line.includes('Go is not installed'));
  const proxyFailure = lines.some((line) => /proxy\.golang\.org|dial tcp|i\/o timeout|no such host|GOPROXY|connection refused/.test(line));

  const reason = goMissing
    ? 'Go is not installed'
    : proxyFailure
      ? 'the Go module proxy could not be reached'
      : `test/controlplane/build.sh exited with code ${code}`;

  return [
    `The control-plane binaries could not be built because ${reason}.`,
    'Install Go 1.26 or newer with access to the Go module proxy and run `npm run controlplane:build`,',
    'or set KUBEBUILDER_ASSETS to a folder that contains etcd, kube-apiserver, kube-controller-manager,',
    'kube-scheduler, kubectl and kwok.',
    '',
    'Last lines of the build output:',
    ...lines.slice(-10).map((line) => `  ${line}`),
  ].join('\n');
}
