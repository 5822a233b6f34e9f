// Checks the rules both images must keep by parsing Dockerfile.operator, Dockerfile.scorer
// and .dockerignore. hadolint (scripts/lint-ci.sh dockerfiles) checks general Dockerfile
// practice; these tests check what this project promises about its images.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { Copy, DockerfileParser } from 'dockerfile-ast';
import type { Instruction } from 'dockerfile-ast';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');

// The package is CommonJS with `module.exports = factory`, while its typings declare an
// ES default export that Node does not provide, so it is loaded with require.
type IgnoreFactory = () => { add(patterns: string): { ignores(path: string): boolean } };
const ignore = createRequire(import.meta.url)('@balena/dockerignore') as IgnoreFactory;
const APP_UID = '10001';

interface Stage {
  name: string | null;
  image: string;
  instructions: Instruction[];
}

function readText(file: string): string {
  return readFileSync(join(ROOT, file), 'utf8');
}

// Splits the instructions into build stages, one per FROM.
function parseStages(file: string): Stage[] {
  const dockerfile = DockerfileParser.parse(readText(file));
  const stages: Stage[] = [];

  for (const instruction of dockerfile.getInstructions()) {
    if (instruction.getKeyword() === 'FROM') {
      const [image = '', , stageName] = instruction.getArguments().map((argument) => argument.getValue());
      stages.push({ name: stageName ?? null, image, instructions: [] });
      continue;
    }
    stages.at(-1)?.instructions.push(instruction);
  }
  return stages;
}

function argumentsOf(stage: Stage, keyword: string): string[] {
  return stage.instructions
    .filter((instruction) => instruction.getKeyword() === keyword)
    .map((instruction) => (instruction.getArgumentsContent() ?? '').replace(/\\\n\s*/g, ' '));
}

function finalStage(stages: Stage[]): Stage {
  const stage = stages.at(-1);
  if (stage === undefined) {
    throw new Error('Dockerfile has no FROM');
  }
  return stage;
}

// The stage named by `COPY --from=<stage> <source> ...` for a source path.
function copiedFrom(stage: Stage, source: string): string | undefined {
  for (const instruction of stage.instructions) {
    if (!(instruction instanceof Copy)) {
      continue;
    }
    const [firstSource] = instruction.getArguments().map((argument) => argument.getValue());
    if (firstSource === source) {
      return instruction.getFromFlag()?.getValue() ?? undefined;
    }
  }
  return undefined;
}

function stageNamed(stages: Stage[], name: string | undefined): Stage | undefined {
  return stages.find((stage) => stage.name === name);
}

describe.each(['Dockerfile.operator', 'Dockerfile.scorer'])('%s', (file) => {
  const stages = parseStages(file);
  const runtime = finalStage(stages);

  it('builds in several stages', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
  });

  it('uses the pinned Node 24 image everywhere', () => {
    for (const stage of stages) {
      expect(stage.image).toBe('node:24-bookworm-slim');
    }
  });

  it('compiles with npm run build', () => {
    const build = stages.find((stage) => argumentsOf(stage, 'RUN').some((run) => run.includes('npm run build')));
    expect(build, 'no stage runs npm run build').toBeDefined();
    expect(build).not.toBe(runtime);
    expect(copiedFrom(runtime, '/app/dist')).toBe(build?.name);
  });

  it('ships production dependencies only', () => {
    const source = stageNamed(stages, copiedFrom(runtime, '/app/node_modules'));
    expect(source, 'node_modules is not copied from a named stage').toBeDefined();

    const installs = argumentsOf(source as Stage, 'RUN').join('\n');
    expect(installs).toMatch(/npm ci --omit=dev/);
    expect(installs).not.toMatch(/npm ci(?! --omit=dev)/);
  });

  it('runtime stage runs no package manager', () => {
    for (const run of argumentsOf(runtime, 'RUN')) {
      expect(run).not.toMatch(/\b(npm|apt-get|apk)\b/);
    }
  });

  it('creates appuser with uid 10001', () => {
    const runs = argumentsOf(runtime, 'RUN').join('\n');
    expect(runs).toMatch(/groupadd [^\n]*--gid 10001 appuser/);
    expect(runs).toMatch(/useradd [^\n]*--uid 10001 [^\n]*appuser/);
  });

  it('runs as the numeric non-root user', () => {
    // A numeric USER lets the kubelet check runAsNonRoot without reading /etc/passwd.
    expect(argumentsOf(runtime, 'USER')).toEqual([`${APP_UID}:${APP_UID}`]);
  });

  it('starts node directly in exec form', () => {
    const [entrypoint] = argumentsOf(runtime, 'ENTRYPOINT');
    const command = JSON.parse(entrypoint ?? '[]') as string[];
    expect(command[0]).toBe('node');
    expect(command.at(-1)).toMatch(/^dist\/.*\.js$/);
    // Anything between node and the script is a Node flag, such as --optimize-for-size.
    expect(command.slice(1, -1).every((argument) => argument.startsWith('--'))).toBe(true);
  });

  it('declares no volume', () => {
    // Writable paths come from the pod spec (an emptyDir at /tmp); the root stays read-only.
    expect(argumentsOf(runtime, 'VOLUME')).toEqual([]);
  });

  it('keeps secrets out of the image', () => {
    for (const stage of stages) {
      for (const keyword of ['ENV', 'ARG']) {
        for (const content of argumentsOf(stage, keyword)) {
          expect(content).not.toMatch(/SECRET|TOKEN|PASSWORD|API_?KEY|CREDENTIAL/i);
        }
      }
      expect(argumentsOf(stage, 'ADD')).toEqual([]);
    }
  });

  it('sets NODE_ENV to production', () => {
    expect(argumentsOf(runtime, 'ENV').join(' ')).toMatch(/NODE_ENV=production/);
  });
});

describe('Dockerfile.scorer', () => {
  const stages = parseStages('Dockerfile.scorer');
  const runtime = finalStage(stages);
  const packageJson = JSON.parse(readText('package.json')) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };

  it('installs tfjs-node at the tfjs version', () => {
    const tfjsVersion = packageJson.dependencies['@tensorflow/tfjs']?.replace(/^\^|~/, '');
    const source = stageNamed(stages, copiedFrom(runtime, '/app/node_modules')) as Stage;

    expect(argumentsOf(source, 'RUN').join('\n')).toContain(`@tensorflow/tfjs-node@${tfjsVersion}`);
  });

  it('package.json never lists tfjs-node', () => {
    expect(packageJson.dependencies).not.toHaveProperty('@tensorflow/tfjs-node');
    expect(packageJson.devDependencies).not.toHaveProperty('@tensorflow/tfjs-node');
  });

  it('carries the sample model bundles', () => {
    expect(argumentsOf(runtime, 'COPY')).toContain('samples/models ./samples/models');
  });

  it('selects the native backend', () => {
    expect(argumentsOf(runtime, 'ENV').join(' ')).toMatch(/SCORER_TF_BACKEND=tensorflow/);
  });

  it('serves the mounted configuration by default', () => {
    const [command] = argumentsOf(runtime, 'CMD');
    expect(JSON.parse(command ?? '[]')).toEqual(['serve', '--config', '/etc/engagetrack/scorer.yaml']);
  });
});

describe('.dockerignore', () => {
  const rules = ignore().add(readText('.dockerignore'));

  it.each([
    '.git/config',
    'node_modules/express/package.json',
    'operator/src/runtime/leader-election.test.ts',
    'scorer/src/http/app.test.ts',
    'test/integration/install.test.ts',
    'benchmarks/predict.ts',
    'samples/models/telco/1.0.0/train.csv',
    'telco-customer-churn.csv',
    '.env',
    '.env.production',
    'operator/src/.env.local',
    'config/default/kustomization.yaml',
    '.github/workflows/ci.yml',
    'kubeconfig',
    'certs/tls.key',
    'coverage/index.html',
    'dist/operator/src/main.js',
  ])('excludes %s', (path) => {
    expect(rules.ignores(path)).toBe(true);
  });

  it.each([
    'package.json',
    'package-lock.json',
    'tsconfig.json',
    'tsconfig.build.json',
    'operator/src/main.ts',
    'scorer/src/cli.ts',
    'samples/models/telco/1.0.0/model.json',
  ])('includes %s', (path) => {
    expect(rules.ignores(path)).toBe(false);
  });
});
