/** The ready-to-paste curl commands that `scorer serve` prints once the model is ready. */

/**
 * Customer id of the nudge example, from the Telco data set's customerID column. The
 * sample experiment assigns this customer to its discount variant, so that the example's
 * response contains a nudge.
 */
export const EXAMPLE_CUSTOMER_ID = '9237-HQITU';

/** The parts of the scorer configuration that the commands depend on. */
export interface ExampleTarget {
  auth: { apiKeysFile?: string | undefined };
  model: { name: string };
  experiment?: { name: string } | undefined;
}

/**
 * Returns a curl command that predicts `example`, then, when the configuration serves an
 * experiment, one that requests the nudge of a customer with the same features.
 */
export function exampleCurls(url: string, config: ExampleTarget, example: Record<string, unknown>): string[] {
  const auth = config.auth.apiKeysFile === undefined ? '' : ` \\\n  -H "Authorization: Bearer $API_KEY"`;
  const curl = (path: string, body: unknown) =>
    `curl -s ${url}${path} \\\n  -H 'Content-Type: application/json'${auth} \\\n  -d '${shellQuoted(JSON.stringify(body))}'`;

  const commands = [curl(`/v1/models/${config.model.name}:predict`, { instances: [example] })];
  if (config.experiment !== undefined) {
    commands.push(curl(`/v1/experiments/${config.experiment.name}/nudge`, { customerId: EXAMPLE_CUSTOMER_ID, features: example }));
  }
  return commands;
}

/** Escapes `text` for use inside single quotes in a POSIX shell. */
function shellQuoted(text: string): string {
  return text.replaceAll("'", "'\\''");
}
