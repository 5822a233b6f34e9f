import { describe, expect, it } from 'vitest';

import { explainBuildFailure } from '../../harness/binaries.ts';

describe('explainBuildFailure', () => {
  it('says that Go is missing', () => {
    const message = explainBuildFailure(1, 'controlplane: error: Go is not installed, so the control plane cannot be built.\n');

    expect(message).toContain('could not be built because Go is not installed');
    expect(message).toContain('KUBEBUILDER_ASSETS');
  });

  it('says that the module proxy is unreachable', () => {
    const stderr = [
      'go: k8s.io/kubernetes@v1.35.4: Get "https://proxy.golang.org/k8s.io/kubernetes/@v/v1.35.4.mod": dial tcp: lookup proxy.golang.org: no such host',
      "controlplane: error: 'go build' failed in test/controlplane/kubernetes (see the output above).",
    ].join('\n');

    const message = explainBuildFailure(1, stderr);

    expect(message).toContain('because the Go module proxy could not be reached');
    expect(message).toContain('KUBEBUILDER_ASSETS');
    expect(message).toContain('no such host');
  });

  it('quotes the build output for other failures', () => {
    const message = explainBuildFailure(2, 'compile error in foo.go\n');

    expect(message).toContain('test/controlplane/build.sh exited with code 2');
    expect(message).toContain('  compile error in foo.go');
  });
});
