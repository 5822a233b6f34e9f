/** Test helpers: a scorer on 127.0.0.1 with the sample bundle and a log captured in memory. */
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { parseConfig, type ScorerConfig } from '../config.ts';
import { startScorer, type ScorerHandle } from '../server.ts';

export const SAMPLE_BUNDLE = 'samples/models/telco-churn';

/** One real held-out row of the sample bundle (the Telco data set). */
export const TELCO_ROW = {
  gender: 'Male',
  SeniorCitizen: 0,
  Partner: 'No',
  Dependents: 'No',
  tenure: 49,
  PhoneService: 'Yes',
  MultipleLines: 'Yes',
  InternetService: 'Fiber optic',
  OnlineSecurity: 'No',
  OnlineBackup: 'Yes',
  DeviceProtection: 'Yes',
  TechSupport: 'No',
  StreamingTV: 'Yes',
  StreamingMovies: 'Yes',
  Contract: 'Month-to-month',
  PaperlessBilling: 'Yes',
  PaymentMethod: 'Bank transfer (automatic)',
  MonthlyCharges: 103.7,
  TotalCharges: 5036.3,
};

/** Builds a test configuration: the sample model on port 0, with the overrides merged per section. */
export function testConfig(overrides: Record<string, unknown> = {}): ScorerConfig {
  const base: Record<string, unknown> = {
    server: { port: 0, trustedProxyHops: 0, shutdownGracePeriodSeconds: 1 },
    rateLimit: { enabled: false },
    model: { name: 'telco-churn', uri: SAMPLE_BUNDLE },
  };
  const merged: Record<string, unknown> = { ...base };
  for (const [section, value] of Object.entries(overrides)) {
    const current = merged[section];
    merged[section] =
      typeof current === 'object' && current !== null && typeof value === 'object' && value !== null ? { ...current, ...value } : value;
  }
  return parseConfig(merged, 'test');
}

export interface TestScorer extends ScorerHandle {
  logLines: () => Record<string, unknown>[];
  stop: () => Promise<void>;
}

export async function startTestScorer(config: ScorerConfig, options: { modelCa?: string } = {}): Promise<TestScorer> {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString('utf8').split('\n').filter((line) => line !== ''));
      callback();
    },
  });
  const logger: Logger = pino({ level: 'info' }, sink);
  const handle = await startScorer({ config, host: '127.0.0.1', logger, ...options });
  await handle.modelLoaded;
  return {
    ...handle,
    logLines: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    stop: () => handle.shutdown(0),
  };
}

export function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}
