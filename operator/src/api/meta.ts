/** API group, version and names of the EngageTrack custom resources. */

export const GROUP = 'engagetrack.io';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}` as const;

export const KINDS = {
  churnModel: 'ChurnModel',
  nudgeExperiment: 'NudgeExperiment',
} as const;

export const PLURALS = {
  churnModel: 'churnmodels',
  nudgeExperiment: 'nudgeexperiments',
} as const;

export const SINGULARS = {
  churnModel: 'churnmodel',
  nudgeExperiment: 'nudgeexperiment',
} as const;

export const SHORT_NAMES = {
  churnModel: 'churn',
  nudgeExperiment: 'nudge',
} as const;

/** `kubectl get engagetrack` lists both kinds. */
export const CATEGORY = 'engagetrack';

export type Kind = (typeof KINDS)[keyof typeof KINDS];
export type Plural = (typeof PLURALS)[keyof typeof PLURALS];

/** One column of `kubectl get`, as in a CRD version's additionalPrinterColumns. */
export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description: string;
  priority?: number;
}

export const READY_COLUMN: PrinterColumn = {
  name: 'Ready',
  type: 'string',
  jsonPath: '.status.conditions[?(@.type=="Ready")].status',
  description: 'Status of the Ready condition.',
};

export const URL_COLUMN: PrinterColumn = {
  name: 'URL',
  type: 'string',
  jsonPath: '.status.url',
  description: 'URL that clients call.',
};

export const AGE_COLUMN: PrinterColumn = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
  description: 'Time since the resource was created.',
};
