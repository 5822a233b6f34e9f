// Which model an experiment's scorers serve. An experiment follows the promoted release
// of the ChurnModel it references: status.currentVersion, currentModelUri and
// currentSha256. Before the model has promoted anything, the model's spec is used,
// unless a canary is in progress: then the spec names a version still under test, and
// the experiment waits for the promotion.
import { specRelease } from '../churnmodel/builders.ts';
import { Reason } from '../workload/scorer-conditions.ts';
import type { ModelRelease } from '../workload/scorer-config.ts';
import type { ChurnModel } from '../workload/types.ts';

export type ReleaseResolution =
  | { release: ModelRelease }
  | { waiting: { reason: string; message: string } };

export function resolveModelRelease(modelName: string, model: ChurnModel | undefined): ReleaseResolution {
  if (!model || model.metadata?.deletionTimestamp) {
    return {
      waiting: {
        reason: Reason.ModelNotFound,
        message: `ChurnModel ${modelName} was not found in this namespace; create it or fix spec.modelRef.name`,
      },
    };
  }

  const status = model.status;
  if (status?.currentVersion && status.currentModelUri) {
    const release: ModelRelease = { uri: status.currentModelUri, version: status.currentVersion };
    if (status.currentSha256) release.sha256 = status.currentSha256;
    return { release };
  }

  if (status?.canary) {
    return {
      waiting: {
        reason: Reason.ModelNotPromoted,
        message: `ChurnModel ${modelName} has no promoted version yet (canary ${status.canary.version} is in progress)`,
      },
    };
  }
  return { release: specRelease(model) };
}
