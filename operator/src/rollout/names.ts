// Names of the children that take part in a rollout of ChurnModel `m`.

export function stableDeploymentName(modelName: string): string {
  return `${modelName}-scorer`;
}

/** Name of the canary Deployment, ConfigMap and Service. */
export function canaryScorerName(modelName: string): string {
  return `${modelName}-scorer-canary`;
}

export function canaryIngressName(modelName: string): string {
  return `${modelName}-canary`;
}

export const TRACK_LABEL = 'engagetrack.io/track';
export const VERSION_LABEL = 'app.kubernetes.io/version';
