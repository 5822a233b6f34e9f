/**
 * The scorer configuration file (YAML). Every field is checked with zod, and an invalid
 * file raises one ConfigError that lists each problem with its field path.
 */
import { readFile } from 'node:fs/promises';
import { load as parseYaml } from 'js-yaml';
import { z } from 'zod';
import { ConfigError } from './errors.ts';
import { formatPath } from './field-path.ts';
import { parseExperimentConfig, type ExperimentConfig } from './experiments/config.ts';
import type { RiskBandThresholds } from './prediction.ts';

const probability = z.number().min(0).max(1);

const riskBandsSchema = z
  .object({ medium: probability, high: probability })
  .strict()
  .refine((bands) => bands.medium < bands.high, { message: 'medium must be lower than high', path: ['medium'] });

const configSchema = z
  .object({
    server: z
      .object({
        port: z.number().int().min(0).max(65535).default(8080),
        bodyLimitBytes: z.number().int().min(1024).default(1_048_576),
        maxBatchSize: z.number().int().min(1).default(10_000),
        shutdownGracePeriodSeconds: z.number().min(0).default(25),
        trustedProxyHops: z.number().int().min(0).default(1),
      })
      .strict()
      .prefault({}),
    rateLimit: z
      .object({
        enabled: z.boolean().default(true),
        limit: z.number().int().min(1).default(250),
        windowSeconds: z.number().min(0.001).default(1),
      })
      .strict()
      .prefault({}),
    model: z
      .object({
        name: z.string().regex(/^[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?$/, 'must be a lowercase DNS label such as telco-churn'),
        uri: z.string().min(1),
        sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters').optional(),
        version: z.string().min(1).optional(),
        unknownCategory: z.enum(['ignore', 'reject']).default('ignore'),
        /** Allows loading over HTTPS from loopback addresses: for tests and local use only. */
        allowLoopback: z.boolean().default(false),
        loadTimeoutSeconds: z.number().positive().default(30),
      })
      .strict(),
    riskBands: riskBandsSchema.prefault({ medium: 0.3, high: 0.6 }),
    experiment: z.unknown().optional(),
    auth: z
      .object({
        apiKeysFile: z.string().min(1).optional(),
        /** File with the secret (at least 16 bytes) keying the HMAC of customer ids in the audit log. */
        auditKeyFile: z.string().min(1).optional(),
      })
      .strict()
      .prefault({}),
  })
  .strict();

type ParsedConfig = z.infer<typeof configSchema>;

export type ScorerConfig = Omit<ParsedConfig, 'experiment'> & { experiment: ExperimentConfig | undefined };
export type ModelConfig = ScorerConfig['model'];

/** Reads and validates the configuration file. */
export async function loadConfig(path: string): Promise<ScorerConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`Cannot read the configuration file ${path}: ${(error as Error).message}`, undefined, { cause: error });
  }

  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new ConfigError(`Invalid YAML in the configuration file ${path}: ${(error as Error).message}`, undefined, { cause: error });
  }
  return parseConfig(raw, path);
}

/** Validates an already parsed configuration document; `source` names it in messages. */
export function parseConfig(raw: unknown, source: string): ScorerConfig {
  const result = configSchema.safeParse(raw ?? {});
  if (!result.success) {
    const problems = result.error.issues.map((issue) => ({ field: formatPath(issue.path), message: issue.message }));
    const summary = problems.map((problem) => `${problem.field}: ${problem.message}`).join('; ');
    throw new ConfigError(`Invalid scorer configuration in ${source}: ${summary}`, problems[0]?.field, { cause: result.error });
  }

  const { experiment, ...rest } = result.data;
  return { ...rest, experiment: parseExperiment(experiment, rest.riskBands) };
}

function parseExperiment(raw: unknown, riskBands: RiskBandThresholds): ExperimentConfig | undefined {
  return raw === undefined || raw === null ? undefined : parseExperimentConfig(raw, { riskBands });
}
