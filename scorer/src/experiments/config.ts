import { z } from 'zod';

import { configErrorMap, configProblems, formatProblemList } from '../config-issues.ts';
import { ConfigError } from '../errors.ts';
import type { RiskBand, RiskBandThresholds } from '../prediction.ts';
import { BucketHasher } from './assignment.ts';
import { buildBucketLayout, findLayoutProblems } from './layout.ts';
import type { BucketLayout } from './layout.ts';
import { parseMessageTemplate } from './template.ts';
import type { MessageTemplate } from './template.ts';

export const NUDGE_CHANNELS = ['email', 'in-app', 'sms', 'push', 'call'] as const;
export type NudgeChannel = (typeof NUDGE_CHANNELS)[number];

export const MAX_VARIANTS = 10;
export const MAX_SALT_LENGTH = 64;

export interface NudgeRule {
  readonly action: string;
  readonly channel: NudgeChannel;
  readonly message: MessageTemplate;
}

export interface Variant {
  readonly name: string;
  /** Share of customers in percent, 0 to 100. */
  readonly weight: number;
  readonly control: boolean;
  /** Nudge for each risk band. A band without a rule gets no nudge. */
  readonly nudges: Readonly<Partial<Record<RiskBand, NudgeRule>>>;
}

/** A validated experiment, with its bucket layout computed once at start-up. */
export interface ExperimentConfig {
  readonly name: string;
  readonly salt: string;
  readonly paused: boolean;
  readonly riskBands: RiskBandThresholds;
  readonly variants: readonly Variant[];
  readonly control: Variant | undefined;
  readonly layout: BucketLayout;
  /** Hasher from customer id to bucket, with this experiment's salt. */
  readonly bucketHasher: BucketHasher;
}

// Kubernetes object names: the operator passes the NudgeExperiment and variant names through.
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const CONTROL_CHARACTER = /\p{Cc}/u;

/** Schema of a short text. `fix` is the instruction added when the text is missing or empty. */
const textSchema = (maxLength: number, fix: string) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? `is required; ${fix}` : undefined) })
    .min(1, `must not be empty; ${fix}`)
    .max(maxLength, `must be at most ${maxLength} characters`)
    .refine((value) => !CONTROL_CHARACTER.test(value), 'must not contain control characters');

/** Error of a weight that is not a whole number from 0 to 100, with the weight given. */
const WEIGHT_ERROR = { error: (issue: { input?: unknown }) => `must be a whole number from 0 to 100, not ${String(issue.input)}` };

const messageSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(1000, 'must be at most 1000 characters')
  .transform((source, ctx) => {
    const result = parseMessageTemplate(source);
    if (!result.ok) {
      for (const message of result.problems) {
        ctx.addIssue({ code: 'custom', message });
      }
      return z.NEVER;
    }
    return result.template;
  });

const nudgeRuleSchema = z.strictObject({
  action: textSchema(128, 'set the id of the retention action, such as "offer-discount-20"'),
  channel: z.enum(NUDGE_CHANNELS),
  message: messageSchema,
});

const nudgesSchema = z.strictObject({
  low: nudgeRuleSchema.optional(),
  medium: nudgeRuleSchema.optional(),
  high: nudgeRuleSchema.optional(),
});

const variantSchema = z.strictObject({
  name: z
    .string()
    .max(63, 'must be at most 63 characters')
    .regex(DNS_LABEL, 'must be a DNS label: lowercase letters, digits and "-", starting and ending with a letter or digit'),
  // configErrorMap words the type problem, and for a quoted number such as "50" it adds the fix.
  weight: z
    .number()
    .int(WEIGHT_ERROR)
    .min(0, WEIGHT_ERROR)
    .max(100, WEIGHT_ERROR),
  control: z.boolean().default(false),
  nudges: nudgesSchema.optional(),
});

/** Risk band thresholds, strictly between 0 and 1 so that every band can occur; also used for the top-level `riskBands`. */
export const riskBandsSchema = z
  .strictObject({
    medium: z.number().gt(0, 'must be greater than 0').lt(1, 'must be less than 1'),
    high: z.number().gt(0, 'must be greater than 0').lt(1, 'must be less than 1'),
  })
  .refine((bands) => bands.medium < bands.high, {
    error: (issue) => {
      const bands = issue.input as { medium: number; high: number };
      return `must be greater than medium (${bands.medium}), not ${bands.high}; raise high or lower medium`;
    },
    path: ['high'],
  });

const experimentSchema = z
  .strictObject({
    name: z
      .string()
      .max(253, 'must be at most 253 characters')
      .regex(DNS_SUBDOMAIN, 'must be a Kubernetes object name: lowercase letters, digits, "-" and "."'),
    salt: textSchema(MAX_SALT_LENGTH, `set a salt of up to ${MAX_SALT_LENGTH} characters, such as "2026-q1"`),
    paused: z.boolean().default(false),
    riskBands: riskBandsSchema.optional(),
    variants: z
      .array(variantSchema)
      .min(1, 'must list at least one variant')
      .max(MAX_VARIANTS, `must list at most ${MAX_VARIANTS} variants`),
  })
  .superRefine(
    (experiment, ctx) => {
      checkVariants(experiment.variants, ctx);
    },
    { when: (payload) => payload.issues.every(allowsVariantChecks) },
  );

/**
 * Cross-variant checks run unless the experiment is not an object or a variant's name,
 * weight or control flag is invalid, because they read those fields. A problem in a
 * variant's nudge rules leaves those fields intact, so both are reported together.
 */
function allowsVariantChecks(issue: z.core.$ZodRawIssue): boolean {
  const path = issue.path ?? [];
  if (path.length === 0) {
    return issue.code === 'unrecognized_keys';
  }
  if (path[0] !== 'variants') {
    return true;
  }
  return path.length >= 3 && path[2] === 'nudges';
}

type ParsedVariant = z.output<typeof variantSchema>;

function checkVariants(variants: readonly ParsedVariant[], ctx: z.RefinementCtx): void {
  const total = variants.reduce((sum, variant) => sum + variant.weight, 0);
  if (total !== 100) {
    const weights = variants.map((variant) => `${variant.name} ${variant.weight}`).join(', ');
    ctx.addIssue({
      code: 'custom',
      path: ['variants'],
      message: `variant weights add up to ${total} (${weights}), not 100; change them so that they add up to 100`,
    });
  }

  const firstIndexByName = new Map<string, number>();
  const controlIndexes: number[] = [];
  variants.forEach((variant, index) => {
    const firstIndex = firstIndexByName.get(variant.name);
    if (firstIndex !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['variants', index, 'name'],
        message: `duplicate variant name "${variant.name}", also used by variants[${firstIndex}]; give each variant its own name`,
      });
    } else {
      firstIndexByName.set(variant.name, index);
    }

    if (variant.control) {
      controlIndexes.push(index);
      if (variant.nudges !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['variants', index, 'nudges'],
          message: 'a control variant has no nudges; remove nudges or remove control: true',
        });
      }
    }
  });

  for (const index of controlIndexes.slice(1)) {
    ctx.addIssue({
      code: 'custom',
      path: ['variants', index, 'control'],
      message: `only one variant can be the control, and variants[${controlIndexes[0]}] already is`,
    });
  }

  // Layout problems only make sense once the weights add up and the control is unique.
  if (total === 100 && controlIndexes.length <= 1) {
    for (const problem of findLayoutProblems(variants)) {
      ctx.addIssue({ code: 'custom', path: ['variants', problem.variantIndex, 'weight'], message: problem.message });
    }
  }
}

/**
 * Validates the `experiment` section of the scorer configuration and computes its bucket
 * layout. `defaults.riskBands` applies when the experiment sets no `riskBands`.
 * Throws ConfigError listing every problem; its `field` is the first problem's path,
 * such as `experiment.variants[1].weight`.
 */
export function parseExperimentConfig(raw: unknown, defaults: { riskBands: RiskBandThresholds }): ExperimentConfig {
  const result = experimentSchema.safeParse(raw, { error: configErrorMap });
  if (!result.success) {
    throw configErrorOf(result.error);
  }

  const parsed = result.data;
  const variants: Variant[] = parsed.variants.map((variant) => ({
    name: variant.name,
    weight: variant.weight,
    control: variant.control,
    nudges: variant.nudges ?? {},
  }));

  return {
    name: parsed.name,
    salt: parsed.salt,
    paused: parsed.paused,
    riskBands: parsed.riskBands ?? { ...defaults.riskBands },
    variants,
    control: variants.find((variant) => variant.control),
    layout: buildBucketLayout(variants),
    bucketHasher: new BucketHasher(parsed.salt),
  };
}

function configErrorOf(error: z.ZodError): ConfigError {
  const problems = configProblems(experimentSchema, error.issues, {
    prefix: ['experiment'],
    unknownKeyMessage: (path, key) => (path.at(-1) === 'nudges' ? `unknown risk band "${key}"; use low, medium or high` : undefined),
  });
  return new ConfigError(`Invalid experiment configuration:${formatProblemList(problems)}`, problems[0]?.field, { cause: error, problems });
}
