import { buildCrd, crdFileName } from './crd.ts';
import type { KindKey } from './crd.ts';
import { conditionReasonDocs, conditionTypeDocs } from './conditions.ts';
import type { ConditionType } from './conditions.ts';
import { API_VERSION, KINDS } from './meta.ts';
import { QUANTITY_PATTERN } from './schema.ts';
import type { ValidationRule } from './schema.ts';
import type { JsonSchemaProps } from './structural.ts';

/**
 * Renders docs/api.md, the reference of both kinds, from the same structural schemas
 * that go into crds/, so the reference cannot drift from what the API server enforces.
 */

interface FieldRow {
  path: string;
  node: JsonSchemaProps;
  required: boolean;
}

/** Escapes text for a Markdown table cell. */
function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function code(text: string): string {
  return '`' + cell(text) + '`';
}

function typeName(node: JsonSchemaProps): string {
  if (node['x-kubernetes-int-or-string'] === true) return 'integer or string';
  if (node.type === 'array') return `[]${typeName(node.items as JsonSchemaProps)}`;
  if (node.type === 'integer' && typeof node.format === 'string') return `integer (${node.format})`;
  if (node.type === 'string' && node.format === 'date-time') return 'string (date-time)';
  return String(node.type);
}

function boundsText(node: JsonSchemaProps, low: string, high: string, unit: string): string | undefined {
  const minimum = node[low];
  const maximum = node[high];
  if (minimum === undefined && maximum === undefined) return undefined;
  const lowSign = node.exclusiveMinimum === true && low === 'minimum' ? '>' : '≥';
  const highSign = node.exclusiveMaximum === true && high === 'maximum' ? '<' : '≤';
  const parts: string[] = [];
  if (minimum !== undefined) parts.push(`${lowSign} ${String(minimum)}`);
  if (maximum !== undefined) parts.push(`${highSign} ${String(maximum)}`);
  return `${unit}${parts.join(', ')}`;
}

function validationText(row: FieldRow): string {
  const { node } = row;
  const parts: string[] = [];
  if (row.required) parts.push('required');
  if (Array.isArray(node.enum)) parts.push(`one of ${node.enum.map((value) => code(String(value))).join(', ')}`);
  const numberBounds = boundsText(node, 'minimum', 'maximum', '');
  if (numberBounds !== undefined) parts.push(numberBounds);
  const lengthBounds = boundsText(node, 'minLength', 'maxLength', 'length ');
  if (lengthBounds !== undefined) parts.push(lengthBounds);
  const itemBounds = boundsText(node, 'minItems', 'maxItems', 'items ');
  if (itemBounds !== undefined) parts.push(itemBounds);
  if (node.pattern === QUANTITY_PATTERN) {
    parts.push('a resource quantity, such as 250m or 1Gi');
  } else if (typeof node.pattern === 'string') {
    parts.push(`pattern ${code(node.pattern)}`);
  }
  if (node['x-kubernetes-list-type'] === 'map') {
    parts.push(`list map keyed by ${(node['x-kubernetes-list-map-keys'] as string[]).join(', ')}`);
  }
  return parts.join('; ');
}

function defaultText(node: JsonSchemaProps): string {
  return 'default' in node ? code(JSON.stringify(node.default)) : '';
}

/** Lists every field below `node`, depth first, with its path relative to the top. */
function collectFields(node: JsonSchemaProps, prefix: string, rows: FieldRow[]): void {
  const properties = (node.properties ?? {}) as Record<string, JsonSchemaProps>;
  const required = new Set((node.required ?? []) as string[]);

  for (const [name, child] of Object.entries(properties)) {
    const path = prefix === '' ? name : `${prefix}.${name}`;
    rows.push({ path, node: child, required: required.has(name) });
    if (child.type === 'object') collectFields(child, path, rows);
    if (child.type === 'array' && (child.items as JsonSchemaProps).type === 'object') {
      collectFields(child.items as JsonSchemaProps, `${path}[]`, rows);
    }
  }
}

/** Lists the CEL rules of `node` and every node below it, with the path they sit on. */
function collectRules(node: JsonSchemaProps, path: string, out: { path: string; rule: ValidationRule }[]): void {
  for (const rule of (node['x-kubernetes-validations'] ?? []) as ValidationRule[]) {
    out.push({ path: path === '' ? '(object)' : path, rule });
  }
  for (const [name, child] of Object.entries((node.properties ?? {}) as Record<string, JsonSchemaProps>)) {
    collectRules(child, path === '' ? name : `${path}.${name}`, out);
  }
  if (node.items !== undefined) collectRules(node.items as JsonSchemaProps, `${path}[]`, out);
}

function fieldTable(root: JsonSchemaProps, section: 'spec' | 'status'): string[] {
  const rows: FieldRow[] = [];
  collectFields(root.properties ? ((root.properties as Record<string, JsonSchemaProps>)[section] ?? {}) : {}, section, rows);
  const lines = ['| Field | Type | Default | Validation | Description |', '| --- | --- | --- | --- | --- |'];
  for (const row of rows) {
    const description = cell(String(row.node.description ?? ''));
    lines.push(`| ${code(row.path)} | ${typeName(row.node)} | ${defaultText(row.node)} | ${validationText(row)} | ${description} |`);
  }
  return lines;
}

/** Rules longer than this are left to the CRD file, because a table cell cannot show them readably. */
const MAX_RULE_LENGTH_IN_TABLE = 200;

function ruleTable(root: JsonSchemaProps, crdFile: string): string[] {
  const rules: { path: string; rule: ValidationRule }[] = [];
  collectRules(root, '', rules);
  const lines = ['| Field | Message | Rule |', '| --- | --- | --- |'];
  for (const { path, rule } of rules) {
    const expression = rule.rule.length <= MAX_RULE_LENGTH_IN_TABLE ? code(rule.rule) : `in ${crdFile}`;
    lines.push(`| ${code(path)} | ${cell(rule.message)} | ${expression} |`);
  }
  return lines;
}

function kindSection(key: KindKey): string[] {
  const crd = buildCrd(key);
  const { names } = crd.spec;
  const version = crd.spec.versions[0];
  if (version === undefined) throw new Error(`CustomResourceDefinition ${crd.metadata.name} has no version`);
  const root = version.schema.openAPIV3Schema;

  const columns = version.additionalPrinterColumns.map((column) => `${column.name} (${code(column.jsonPath)})`).join(', ');
  return [
    `## ${names.kind}`,
    '',
    cell(String(root.description)),
    '',
    `Plural \`${names.plural}\`, short name \`${names.shortNames.join('`, `')}\`, category \`${names.categories.join('`, `')}\`, namespaced. ` +
      `The status is a subresource. \`kubectl get ${names.plural}\` shows: ${columns}.`,
    '',
    '### spec',
    '',
    ...fieldTable(root, 'spec'),
    '',
    '### Validation rules',
    '',
    'Checked by the API server with CEL on create and update, beside the bounds and patterns above.',
    '',
    ...ruleTable(root, `crds/${crdFileName(key)}`),
    '',
    '### status',
    '',
    ...fieldTable(root, 'status'),
    '',
  ];
}

function conditionsSection(): string[] {
  const lines = [
    '## Conditions',
    '',
    'Both kinds report `status.conditions` in the shape of `metav1.Condition` (type, status, reason, message, lastTransitionTime, observedGeneration).',
    '',
    '| Type | Kinds | Meaning |',
    '| --- | --- | --- |',
  ];
  for (const [type, doc] of Object.entries(conditionTypeDocs)) {
    lines.push(`| \`${type}\` | ${doc.kinds} | ${cell(doc.meaning)} |`);
  }
  lines.push('', '### Reasons', '', '| Condition | Reason | Meaning |', '| --- | --- | --- |');
  for (const [type, reasons] of Object.entries(conditionReasonDocs) as [ConditionType, Record<string, string>][]) {
    for (const [reason, meaning] of Object.entries(reasons)) {
      lines.push(`| \`${type}\` | \`${reason}\` | ${cell(meaning)} |`);
    }
  }
  lines.push('');
  return lines;
}

/** Renders the whole API reference as Markdown. */
export function renderApiReference(): string {
  const lines = [
    '<!-- Generated by `npm run generate:crds` from the schemas in operator/src/api. Do not edit. -->',
    '',
    '# API reference',
    '',
    `Group \`${API_VERSION.split('/')[0]}\`, version \`${API_VERSION.split('/')[1]}\`: ${KINDS.churnModel} and ${KINDS.nudgeExperiment}. ` +
      'A field with a default may be omitted; the API server fills it in. `kubectl explain churnmodel.spec` prints the same descriptions.',
    '',
    ...kindSection('churnModel'),
    ...kindSection('nudgeExperiment'),
    ...conditionsSection(),
  ];
  return lines.join('\n');
}
