import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

const repositoryRoot = join(import.meta.dirname, '..', '..', '..');
const subsetModule = join(import.meta.dirname, 'client-node-subset.ts');

const KUBECONFIG = `
apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: 'https://127.0.0.1:6443', insecure-skip-tls-verify: true } }]
users: [{ name: u, user: { token: secret-token } }]
contexts: [{ name: x, context: { cluster: c, user: u } }]
current-context: x
`;

// Module hooks act on Node's own loader, which vitest replaces, so the check runs in a
// child process: it records every module loaded after the hook is installed.
const SCRIPT = `
import { registerHooks } from 'node:module';
import { installClientNodeSubset } from ${JSON.stringify(subsetModule)};
installClientNodeSubset();
const loaded = [];
registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });
const { KubeConfig } = await import('@kubernetes/client-node/dist/config.js');
const { RequestContext, HttpMethod } = await import('@kubernetes/client-node/dist/gen/http/http.js');
const kubeConfig = new KubeConfig();
kubeConfig.loadFromString(${JSON.stringify(KUBECONFIG)});
const context = new RequestContext(kubeConfig.getCurrentCluster().server, HttpMethod.GET);
await kubeConfig.applySecurityAuthentication(context);
console.log(JSON.stringify({
  authorization: context.getHeaders()['Authorization'],
  generatedModels: loaded.filter((url) => url.includes('/gen/models/')).length,
  subsetLoaded: loaded.some((url) => url.endsWith('/gen/engagetrack-kubeconfig-subset.js')),
}));
`;

describe('installClientNodeSubset', () => {
  it('loads KubeConfig without the generated models', () => {
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', SCRIPT], { cwd: repositoryRoot, encoding: 'utf8' });

    expect(child.stderr).toBe('');
    const result = JSON.parse(child.stdout) as { authorization: string; generatedModels: number; subsetLoaded: boolean };
    expect(result.authorization).toBe('Bearer secret-token');
    expect(result.subsetLoaded).toBe(true);
    expect(result.generatedModels).toBe(0);
  });
});
