// Checks an experiment the way the scorer does at start-up: the operator renders the
// `experiment` section of the scorer configuration and runs the scorer's own parser on
// it. A field the scorer rejects, such as an unknown message placeholder, would make
// every new pod crash-loop, so the operator reports it instead of rolling it out.
import { parseExperimentConfig } from '../../../scorer/src/experiments/config.ts';
import { ConfigError, type FieldProblem } from '../../../scorer/src/errors.ts';
import { DEFAULT_RISK_BANDS, experimentSection } from '../workload/scorer-config.ts';
import type { NudgeExperiment } from '../workload/types.ts';
import { experimentConfigInput } from './builders.ts';
import { CHANGES_HELD } from './variant-layout.ts';

/** Where each field of the scorer's `experiment` section comes from in the NudgeExperiment. */
const SPEC_FIELDS: Readonly<Record<string, string>> = {
  name: 'metadata.name',
  salt: 'spec.assignment.salt',
  paused: 'spec.paused',
  riskBands: 'spec.riskBands',
  variants: 'spec.variants',
};

/** Prefix `experiment.<key>` of a scorer field path. SPEC_FIELDS maps the key to its spec field. */
const SCORER_FIELD = /^experiment\.([A-Za-z]+)/;

/** Returns why the scorer would reject the experiment, naming spec fields, or undefined when it accepts it. */
export function experimentConfigProblem(experiment: NudgeExperiment): string | undefined {
  const section = experimentSection(experimentConfigInput(experiment));
  try {
    parseExperimentConfig(section, { riskBands: DEFAULT_RISK_BANDS });
    return undefined;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const problems = err.problems.length > 0 ? err.problems.map(specProblem).join('; ') : err.message;
    return `Invalid experiment configuration: ${problems}. The scorer rejects this configuration at start-up, ${CHANGES_HELD}.`;
  }
}

/** Formats one of the scorer's problems with its NudgeExperiment field: `experiment.variants[1]...` becomes `spec.variants[1]...`. */
export function specProblem(problem: FieldProblem): string {
  const field = problem.field.replace(SCORER_FIELD, (scorerField, key: string) => SPEC_FIELDS[key] ?? scorerField);
  return `${field}: ${problem.message}`;
}
