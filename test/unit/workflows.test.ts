// Checks the security properties of the GitHub Actions workflows that actionlint
// (scripts/lint-ci.sh workflows) does not: least-privilege tokens, OIDC instead of stored
// Azure credentials, pinned actions, and a Trivy scan that fails on CRITICAL findings.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';

const WORKFLOWS_DIR = join(import.meta.dirname, '../../.github/workflows');

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, string | number | boolean>;
}

interface Job {
  permissions?: Record<string, string>;
  steps: Step[];
}

interface Workflow {
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const files = readdirSync(WORKFLOWS_DIR).filter((file) => file.endsWith('.yml') || file.endsWith('.yaml'));

function readWorkflow(file: string): { text: string; workflow: Workflow } {
  const text = readFileSync(join(WORKFLOWS_DIR, file), 'utf8');
  return { text, workflow: load(text) as Workflow };
}

function stepsOf(workflow: Workflow): Step[] {
  return Object.values(workflow.jobs).flatMap((job) => job.steps);
}

function stepUsing(workflow: Workflow, action: string): Step {
  const step = stepsOf(workflow).find((candidate) => candidate.uses?.startsWith(`${action}@`));
  if (step === undefined) {
    throw new Error(`no step uses ${action}`);
  }
  return step;
}

function runScripts(workflow: Workflow): string {
  return stepsOf(workflow)
    .map((step) => step.run ?? '')
    .join('\n');
}

describe('every workflow', () => {
  it('exists', () => {
    expect(files.sort()).toEqual(['ci.yml', 'deploy.yml', 'e2e.yml', 'images.yml']);
  });

  it.each(files)('%s sets read-only default permissions', (file) => {
    const { workflow } = readWorkflow(file);
    expect(workflow.permissions?.['contents']).toBe('read');
    for (const scope of Object.keys(workflow.permissions ?? {})) {
      expect(['contents', 'id-token']).toContain(scope);
    }
  });

  it.each(files)('%s pins every action to a version', (file) => {
    const { workflow } = readWorkflow(file);
    for (const step of stepsOf(workflow).filter((candidate) => candidate.uses !== undefined)) {
      // A major version tag (v5), a full version (v0.36.0) or a 40-digit commit SHA.
      expect(step.uses).toMatch(/@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/);
    }
  });

  it.each(files)('%s stores no long-lived credentials', (file) => {
    const { text } = readWorkflow(file);
    expect(text).not.toMatch(/secrets\.[A-Z_]*(SECRET|PASSWORD|CREDENTIALS|TOKEN|KEY)/);
    expect(text).not.toMatch(/client-secret|creds:|password:/);
  });
});

describe('deploy.yml', () => {
  const { workflow, text } = readWorkflow('deploy.yml');

  it('requests an OIDC token', () => {
    expect(workflow.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
  });

  it('logs in to Azure with federated credentials', () => {
    const login = stepUsing(workflow, 'azure/login');
    expect(Object.keys(login.with ?? {}).sort()).toEqual(['client-id', 'subscription-id', 'tenant-id']);
  });

  it('uses no repository secrets', () => {
    expect(text).not.toContain('secrets.');
  });

  it('sets the AKS context and applies the kustomization', () => {
    stepUsing(workflow, 'azure/aks-set-context');
    expect(runScripts(workflow)).toContain('- ../default');
    expect(runScripts(workflow)).toContain('kubectl apply --server-side');
  });
});

describe('images.yml', () => {
  const { workflow } = readWorkflow('images.yml');

  it('fails on CRITICAL vulnerabilities', () => {
    const trivy = stepUsing(workflow, 'aquasecurity/trivy-action');
    expect(trivy.with?.['severity']).toBe('CRITICAL');
    expect(String(trivy.with?.['exit-code'])).toBe('1');
  });

  it('scans before it pushes', () => {
    const steps = stepsOf(workflow);
    const scan = steps.findIndex((step) => step.uses?.startsWith('aquasecurity/trivy-action@'));
    const push = steps.findIndex((step) => step.with?.['push'] === true);
    expect(scan).toBeGreaterThan(-1);
    expect(push).toBeGreaterThan(scan);
  });

  it('pushes only from main or tags', () => {
    const pushing = stepsOf(workflow).filter((step) => step.with?.['push'] === true || step.uses?.startsWith('azure/login@'));
    for (const step of pushing) {
      expect(step.if).toBe("github.event_name == 'push'");
    }
  });

  it('builds both images', () => {
    const job = Object.values(workflow.jobs)[0] as Job & { strategy: { matrix: { image: string[] } } };
    expect(job.strategy.matrix.image).toEqual(['operator', 'scorer']);
    expect(job.permissions?.['id-token']).toBe('write');
  });
});

describe('ci.yml', () => {
  const { workflow } = readWorkflow('ci.yml');
  const scripts = runScripts(workflow);

  it('runs on Node 24', () => {
    expect(stepUsing(workflow, 'actions/setup-node').with?.['node-version']).toBe(24);
  });

  it.each([
    'npm ci',
    'npm run typecheck',
    'bash scripts/lint-ci.sh',
    'npm audit --omit=dev --audit-level=high',
    'bash .ci/run',
  ])('runs %s', (command) => {
    expect(scripts).toContain(command);
  });
});

describe('e2e.yml', () => {
  const { workflow } = readWorkflow('e2e.yml');
  const scripts = runScripts(workflow);

  it('installs with kustomize on kind', () => {
    stepUsing(workflow, 'helm/kind-action');
    expect(scripts).toContain('kubectl apply --server-side -k config/default');
  });

  it('calls predict and nudge through the ingress', () => {
    expect(scripts).toContain('/v1/models/churn:predict');
    expect(scripts).toContain('/v1/experiments/retention/nudge');
  });

  it('expects a 429 from the rate limit', () => {
    expect(scripts).toContain('"limit-req-status-code":"429"');
    expect(scripts).toContain('grep -qx 429');
  });
});
