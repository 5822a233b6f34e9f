/**
 * The scorer configuration file (YAML). Every field is checked with zod, and an invalid
 * file raises one ConfigError that names the file and lists each problem with its field
 * path, the `experiment` section's problems included.
 */
import { readFile } from 'node:fs/promises';
import { load as parseYaml } from 'js-yaml';
import { z } from 'zod';
import { configErrorMap, configProblems, formatProblemList } from './config-issues.ts';
import { ConfigError, type FieldProblem } from './errors.ts';
import { parseExperimentConfig, riskBandsSchema, type ExperimentConfig } from './experiments/config.ts';
import type { RiskBandThresholds } from './prediction.ts';

const DEFAULT_RISK_BANDS: RiskBandThresholds = { medium: 0.3, high: 0.6 };

/**
 * Default request body limit. A Telco row of 19 features is about 440 bytes of compact JSON
 * (521 at most), so 8 MiB fits a batch of maxBatchSize (10,000) rows with room for longer values.
 */
const DEFAULT_BODY_LIMIT_BYTES = 8 * 1024 * 1024;

const configSchema = z
  .object({
    server: z
      .object({
        port: z.number().int().min(0).max(65535).default(8080),
        /** Listen address; 0.0.0.0 (all IPv4 interfaces) for pods, 127.0.0.1 for local runs. */
        host: z.string().min(1).default('0.0.0.0'),
        bodyLimitBytes: z.number().int().min(1024).default(DEFAULT_BODY_LIMIT_BYTES),
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
    riskBands: riskBandsSchema.prefault(DEFAULT_RISK_BANDS),
    experiment: z.unknown().optional(),
    auth: z
      .object({
        apiKeysFile: z.string().min(1).optional(),
        /** File with the secret (at least 16 bytes) keying the digests of customer ids in the audit log. */
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
  const result = configSchema.safeParse(raw ?? {}, { error: configErrorMap });
  const problems: FieldProblem[] = result.success ? [] : configProblems(configSchema, result.error.issues);

  // The experiment section is checked even when the rest is invalid, so that one run lists every problem.
  const rawExperiment = result.success ? result.data.experiment : experimentOf(raw);
  let experiment: ExperimentConfig | undefined;
  try {
    experiment = parseExperiment(rawExperiment, result.success ? result.data.riskBands : DEFAULT_RISK_BANDS);
  } catch (error) {
    if (!(error instanceof ConfigError)) {
      throw error;
    }
    problems.push(...error.problems);
  }

  if (!result.success || problems.length > 0) {
    throw new ConfigError(`Invalid scorer configuration in ${source}:${formatProblemList(problems)}`, problems[0]?.field, {
      cause: result.error,
      problems,
    });
  }
  return { ...result.data, experiment };
}

function parseExperiment(raw: unknown, riskBands: RiskBandThresholds): ExperimentConfig | undefined {
  return raw === undefined || raw === null ? undefined : parseExperimentConfig(raw, { riskBands });
}

function experimentOf(raw: unknown): unknown {
  return typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)['experiment'] : undefined;
}
