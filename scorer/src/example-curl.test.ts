import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

import { loadConfig } from './config.ts';
import { EXAMPLE_CUSTOMER_ID, exampleCurls, type ExampleTarget } from './example-curl.ts';
import { assignVariant } from './experiments/assignment.ts';

const BASE_URL = 'http://127.0.0.1:8080';
const ROW = { tenure: 3, Contract: 'Month-to-month' };
const MODEL_ONLY: ExampleTarget = { auth: {}, model: { name: 'telco-churn' } };
const WITH_EXPERIMENT: ExampleTarget = { ...MODEL_ONLY, experiment: { name: 'retention-q1' } };

/** Runs `command` in sh with a curl that prints its arguments, one per line. */
function curlArguments(command: string): string[] {
  const output = execFileSync('sh', ['-c', `curl() { printf '%s\\n' "$@"; }\n${command}`], { encoding: 'utf8' });
  return output.trimEnd().split('\n');
}

describe('exampleCurls', () => {
  it('prints predict without an experiment', () => {
    const commands = exampleCurls(BASE_URL, MODEL_ONLY, ROW);

    expect(commands).toHaveLength(1);
    expect(curlArguments(commands[0]!)).toEqual([
      '-s',
      `${BASE_URL}/v1/models/telco-churn:predict`,
      '-H',
      'Content-Type: application/json',
      '-d',
      JSON.stringify({ instances: [ROW] }),
    ]);
  });

  it('adds the experiment nudge', () => {
    const commands = exampleCurls(BASE_URL, WITH_EXPERIMENT, ROW);

    expect(commands).toHaveLength(2);
    const nudgeArguments = curlArguments(commands[1]!);
    expect(nudgeArguments[1]).toBe(`${BASE_URL}/v1/experiments/retention-q1/nudge`);
    expect(JSON.parse(nudgeArguments.at(-1)!)).toEqual({ customerId: EXAMPLE_CUSTOMER_ID, features: ROW });
  });

  it('sends the API key when keys are configured', () => {
    const commands = exampleCurls(BASE_URL, { ...WITH_EXPERIMENT, auth: { apiKeysFile: 'keys.txt' } }, ROW);

    for (const command of commands) {
      expect(command).toContain('-H "Authorization: Bearer $API_KEY"');
    }
  });

  it('quotes single quotes for the shell', () => {
    const row = { ...ROW, PaymentMethod: "Bank transfer (customer's choice)" };

    const [predict] = exampleCurls(BASE_URL, MODEL_ONLY, row);

    expect(curlArguments(predict!).at(-1)).toBe(JSON.stringify({ instances: [row] }));
  });

  it('assigns the sample discount variant', async () => {
    const config = await loadConfig('samples/scorer/config.yaml');

    const variant = assignVariant(config.experiment!, EXAMPLE_CUSTOMER_ID);

    expect(variant.name).toBe('discount');
  });
});
