// Checks an experiment's variant weights against the scorer's bucket layout. The CRD
// accepts any weights that add up to 100, but ranged variants grow from fixed anchors,
// so some weight sets overlap and the scorer rejects them at start-up. The operator runs
// the same pure check, so it never rolls out pods that would crash-loop.
import { findLayoutProblems } from '../../../scorer/src/experiments/layout.ts';
import type { NudgeExperiment } from '../workload/types.ts';

/**
 * The end of the messages of an experiment that the scorer would reject. Until the spec is
 * fixed, the operator leaves every child as it is, so other spec changes wait as well.
 */
export const CHANGES_HELD = 'so no scorer pod is created or changed, and no other change to the spec is applied, until it is fixed';

/** Returns what is wrong with the variant layout, or undefined when the scorer accepts it. */
export function variantLayoutProblem(experiment: NudgeExperiment): string | undefined {
  const variants = experiment.spec.variants.map((variant) => ({
    name: variant.name,
    weight: variant.weight,
    control: variant.control ?? false,
  }));
  const problems = findLayoutProblems(variants);
  if (problems.length === 0) return undefined;

  const details = problems.map((problem) => `spec.variants[${problem.variantIndex}].weight: ${problem.message}`);
  return `Invalid variant layout: ${details.join('; ')}. The scorer rejects this layout, ${CHANGES_HELD}.`;
}
