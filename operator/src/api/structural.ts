/**
 * Converts a typebox schema (JSON Schema 2020-12) into a Kubernetes structural
 * OpenAPI v3 schema, as a CustomResourceDefinition embeds it.
 */

export type JsonSchemaProps = { [keyword: string]: unknown };

/** Keywords copied unchanged, beside the ones converted below. */
const COPIED_KEYWORDS = new Set([
  'type',
  'format',
  'description',
  'enum',
  'minimum',
  'maximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
  'nullable',
  'x-kubernetes-validations',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-int-or-string',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-embedded-resource',
]);

/** Thrown when a schema uses a keyword that a structural schema cannot express. */
export class NonStructuralSchemaError extends Error {
  override readonly name = 'NonStructuralSchemaError';
}

function isPlainObject(value: unknown): value is JsonSchemaProps {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function cloneJson<T>(value: T): T {
  return structuredClone(value);
}

/**
 * Lists the required properties that have no default. The API server applies
 * defaults before it checks `required`, but `kubectl explain` and client-side
 * validators would still call a defaulted field required.
 */
function requiredWithoutDefault(node: JsonSchemaProps): string[] {
  const required = Array.isArray(node.required) ? (node.required as string[]) : [];
  const properties = isPlainObject(node.properties) ? node.properties : {};
  return required.filter((name) => {
    const property = properties[name];
    return !(isPlainObject(property) && 'default' in property);
  });
}

/**
 * JSON Schema 2020-12 writes an exclusive bound as a number; OpenAPI v3.0 writes the
 * bound in minimum/maximum and a boolean flag.
 */
function convertExclusiveBound(node: JsonSchemaProps, keyword: 'exclusiveMinimum' | 'exclusiveMaximum', out: JsonSchemaProps): void {
  const bound = node[keyword];
  const inclusiveKeyword = keyword === 'exclusiveMinimum' ? 'minimum' : 'maximum';
  if (typeof bound === 'number') {
    out[inclusiveKeyword] = bound;
    out[keyword] = true;
  } else if (typeof bound === 'boolean') {
    out[keyword] = bound;
  }
}

function convertAnyOf(node: JsonSchemaProps, path: string): JsonSchemaProps[] {
  // The only anyOf that may stand beside a type-less node is the int-or-string pair.
  if (node['x-kubernetes-int-or-string'] !== true) {
    throw new NonStructuralSchemaError(`${path}: anyOf is only allowed with x-kubernetes-int-or-string`);
  }
  return (node.anyOf as unknown[]).map((branch, index) => toStructuralSchema(branch, `${path}.anyOf[${index}]`));
}

function convertProperties(properties: JsonSchemaProps, path: string): JsonSchemaProps {
  const converted: JsonSchemaProps = {};
  for (const [name, property] of Object.entries(properties)) {
    converted[name] = toStructuralSchema(property, `${path}.${name}`);
  }
  return converted;
}

/**
 * Converts one schema node and its children. Throws NonStructuralSchemaError naming
 * the node path for a keyword that has no structural equivalent, so nothing is dropped
 * silently.
 */
export function toStructuralSchema(schema: unknown, path = '$'): JsonSchemaProps {
  if (!isPlainObject(schema)) {
    throw new NonStructuralSchemaError(`${path}: expected a schema object`);
  }
  const out: JsonSchemaProps = {};

  for (const [keyword, value] of Object.entries(schema)) {
    if (keyword.startsWith('~')) {
      continue; // typebox bookkeeping, such as ~kind and ~optional
    }
    if (COPIED_KEYWORDS.has(keyword)) {
      out[keyword] = cloneJson(value);
    } else if (keyword === 'const') {
      out.enum = [cloneJson(value)];
    } else if (keyword === 'default') {
      out.default = cloneJson(value);
    } else if (keyword === 'exclusiveMinimum' || keyword === 'exclusiveMaximum') {
      convertExclusiveBound(schema, keyword, out);
    } else if (keyword === 'required') {
      const required = requiredWithoutDefault(schema);
      if (required.length > 0) out.required = required;
    } else if (keyword === 'properties' && isPlainObject(value)) {
      out.properties = convertProperties(value, path);
    } else if (keyword === 'items') {
      out.items = toStructuralSchema(value, `${path}[]`);
    } else if (keyword === 'anyOf') {
      out.anyOf = convertAnyOf(schema, path);
    } else if (keyword === 'additionalProperties') {
      // `false` is what a structural schema means anyway: unknown fields are pruned.
      if (value === false) continue;
      if (isPlainObject(schema.properties)) {
        throw new NonStructuralSchemaError(`${path}: properties and additionalProperties are mutually exclusive`);
      }
      out.additionalProperties = toStructuralSchema(value, `${path}.*`);
    } else {
      throw new NonStructuralSchemaError(`${path}: keyword ${keyword} has no structural equivalent; remove it from the schema`);
    }
  }
  return out;
}
