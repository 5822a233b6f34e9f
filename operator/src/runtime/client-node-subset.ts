// Keeps @kubernetes/client-node's generated API out of the operator process.
//
// KubeConfig (dist/config.js in client-node 2.0) imports the package's generated API
// index, dist/gen/index.js, which loads about 1000 modules and 25 MB of JavaScript. V8
// keeps that source text for the life of the process, about 40 MB of resident memory
// (measured with Node 24). KubeConfig itself uses two exports of it, createConfiguration and
// ServerConfiguration, and only in makeApiClient, which the operator never calls: the
// operator sends plain JSON through KubeClient. A module hook therefore hands config.js a
// module with just those two exports, and the operator imports the client-node modules
// it uses by their dist paths, never the package index. Those paths are why package.json
// pins client-node to one exact version.
import { existsSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { fileURLToPath } from 'node:url';

const CONFIG_MODULE_SUFFIX = '/@kubernetes/client-node/dist/config.js';
const GENERATED_INDEX = './gen/index.js';
const SUBSET_NAME = './gen/engagetrack-kubeconfig-subset.js';
const SUBSET_SOURCE = [
  "export { createConfiguration } from './configuration.js';",
  "export { ServerConfiguration } from './servers.js';",
].join('\n');

let installed = false;

/**
 * Installs the module hook; call it before the first import of client-node. Node before
 * 22.15 has no module.registerHooks, and another client-node layout may lack the files
 * the subset re-exports. In both cases client-node loads as usual, and the operator only
 * loses the memory saving.
 */
export function installClientNodeSubset(): void {
  // Read through the namespace object, because a named import fails to link where the export is missing.
  const registerHooks = (nodeModule as Partial<typeof nodeModule>).registerHooks;
  if (installed || registerHooks === undefined) return;
  installed = true;

  registerHooks({
    resolve(specifier, context, nextResolve) {
      const parent = context.parentURL;
      if (specifier !== GENERATED_INDEX || !parent?.endsWith(CONFIG_MODULE_SUFFIX) || !subsetTargetsExist(parent)) {
        return nextResolve(specifier, context);
      }
      return { url: new URL(SUBSET_NAME, parent).href, format: 'module', shortCircuit: true };
    },
    load(url, context, nextLoad) {
      if (!url.endsWith(SUBSET_NAME.slice(1)) || !url.includes('/@kubernetes/client-node/dist/')) return nextLoad(url, context);
      return { format: 'module', source: SUBSET_SOURCE, shortCircuit: true };
    },
  });
}

function subsetTargetsExist(configUrl: string): boolean {
  return ['./gen/configuration.js', './gen/servers.js'].every((path) => existsSync(fileURLToPath(new URL(path, configUrl))));
}
