// Checks an experiment the way the scorer does at start-up: the operator renders the
// `experiment` section of the scorer configuration and runs the scorer's own parser on
// it. A field the scorer rejects, such as an unknown message placeholder, would make
// every new pod crash-loop, so the operator reports it instead of rolling it out.
import { parseExperimentConfig } from '../../../scorer/src/experiments/config.ts';
import { ConfigError } from '../../../scorer/src/errors.ts';
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

/** The scorer's message starts with this, and lists its problems separated by "; ". */
const SCORER_PREFIX = 'invalid experiment configuration: ';

/** A field path at the start of one of the scorer's problems, such as `experiment.variants[1].weight`. */
const SCORER_FIELD = /(?<=^|; )experiment\.([A-Za-z]+)/g;

/** Returns why the scorer would reject the experiment, naming spec fields, or undefined when it accepts it. */
export function experimentConfigProblem(experiment: NudgeExperiment): string | undefined {
  const section = experimentSection(experimentConfigInput(experiment));
  try {
    parseExperimentConfig(section, { riskBands: DEFAULT_RISK_BANDS });
    return undefined;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return (
      `Invalid experiment configuration: ${specTerms(err.message)}. ` +
      `The scorer rejects this configuration at start-up, ${CHANGES_HELD}.`
    );
  }
}

/** Rewrites the scorer's field paths (`experiment.variants[1]...`) as NudgeExperiment fields (`spec.variants[1]...`). */
export function specTerms(scorerMessage: string): string {
  const problems = scorerMessage.startsWith(SCORER_PREFIX) ? scorerMessage.slice(SCORER_PREFIX.length) : scorerMessage;
  return problems.replace(SCORER_FIELD, (field, key: string) => SPEC_FIELDS[key] ?? field);
}
