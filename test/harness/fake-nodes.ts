import { CoreV1Api, type KubeConfig, type V1Node } from '@kubernetes/client-node';

import { fakeNodeAnnotation } from './controlplane-args.ts';

/** Capacity of each fake node: large enough that scheduling never fails for lack of resources. */
const fakeNodeCapacity = { cpu: '32', memory: '256Gi', pods: '110' };

export function fakeNodeName(index: number): string {
  return `kwok-node-${index}`;
}

/**
 * Builds a Node that KWOK manages (it carries the annotation KWOK's selector matches).
 * It has no taint, so ordinary pods are scheduled onto it without tolerations.
 */
export function fakeNode(index: number): V1Node {
  const name = fakeNodeName(index);
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { [fakeNodeAnnotation]: 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'node-role.kubernetes.io/agent': '',
        type: 'kwok',
      },
    },
    status: {
      allocatable: fakeNodeCapacity,
      capacity: fakeNodeCapacity,
      nodeInfo: {
        architecture: 'amd64',
        bootID: '',
        containerRuntimeVersion: 'kwok',
        kernelVersion: '',
        kubeProxyVersion: 'fake',
        kubeletVersion: 'fake',
        machineID: '',
        operatingSystem: 'linux',
        osImage: '',
        systemUUID: '',
      },
    },
  };
}

/** Creates `count` fake nodes; a node that already exists is left as it is. */
export async function createFakeNodes(kc: KubeConfig, count: number): Promise<string[]> {
  const core = kc.makeApiClient(CoreV1Api);
  const names: string[] = [];

  for (let index = 0; index < count; index++) {
    try {
      await core.createNode({ body: fakeNode(index) });
    } catch (error) {
      if ((error as { code?: number }).code !== 409) {
        throw error;
      }
    }
    names.push(fakeNodeName(index));
  }
  return names;
}

/** Returns true when every named node has the condition Ready=True. */
export async function areNodesReady(kc: KubeConfig, names: string[]): Promise<boolean> {
  const core = kc.makeApiClient(CoreV1Api);
  const nodes = await Promise.all(names.map((name) => core.readNode({ name })));
  return nodes.every((node) =>
    node.status?.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True'),
  );
}
