import Type from 'typebox';
import type { TSchemaOptions, TUnsafe } from 'typebox';

/**
 * Builders for schema shapes that typebox has no direct type for, in the form a
 * Kubernetes structural schema expects, plus the patterns shared by both kinds.
 */

/** One CEL rule in `x-kubernetes-validations`, as the API server reads it. */
export interface ValidationRule {
  rule: string;
  /** Static message; the API server also uses it when `messageExpression` fails. */
  message: string;
  messageExpression?: string;
  /** JSON path, relative to the node the rule sits on, that the error is reported at. */
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

/** Options every node takes: a description is mandatory so `kubectl explain` is useful. */
export type NodeOptions = TSchemaOptions & {
  description: string;
  'x-kubernetes-validations'?: ValidationRule[];
};

/**
 * Creates a string enum. typebox's own Enum omits `type`, which a structural
 * schema requires, so the schema is written out here and typed as the union.
 */
export function StringEnum<const Values extends readonly string[]>(
  values: Values,
  options: NodeOptions,
): TUnsafe<Values[number]> {
  return Type.Unsafe<Values[number]>({ ...options, type: 'string', enum: [...values] });
}

/**
 * Creates apiVersion or kind: typed as the literal, but a plain string in the schema
 * as in every CRD, so a later API version can be served from the same schema.
 */
export function TypeMetaString<const Value extends string>(_value: Value, options: NodeOptions): TUnsafe<Value> {
  return Type.Unsafe<Value>({ ...options, type: 'string' });
}

/**
 * Creates a resource quantity such as `250m` or `1Gi`, which Kubernetes accepts as an
 * integer or a string. A structural schema allows `anyOf` only in this form: exactly
 * these two types, next to `x-kubernetes-int-or-string`.
 */
export function Quantity(options: NodeOptions): TUnsafe<number | string> {
  return Type.Unsafe<number | string>({
    ...options,
    anyOf: [{ type: 'integer' }, { type: 'string' }],
    pattern: QUANTITY_PATTERN,
    'x-kubernetes-int-or-string': true,
  });
}

/**
 * Creates the metadata field of a custom resource. The API server validates metadata
 * itself and rejects a CRD whose schema sets more on it than `type: object`, so this
 * node alone has no description.
 */
export function ObjectMetaField<Static>(): TUnsafe<Static> {
  return Type.Unsafe<Static>({ type: 'object' });
}

// Patterns are written for both RE2 (the API server) and JavaScript (typebox's
// checker in unit tests), so they use no lookaround or backreferences.

/** RFC 1123 label: Service, container port and most resource names. */
export const DNS_LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

/** RFC 1035 label: required for Service names, so for names that Services are derived from. */
export const DNS_1035_LABEL_PATTERN = '^[a-z]([-a-z0-9]*[a-z0-9])?$';

/** RFC 1123 subdomain: Secret, PersistentVolumeClaim, ClusterIssuer and IngressClass names. */
export const DNS_SUBDOMAIN_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';

/** Ingress host: a subdomain, optionally with one leading wildcard label. */
export const INGRESS_HOST_PATTERN = '^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';

/**
 * Ingress path prefix. Only the characters ingress-nginx accepts with strict path
 * validation, so the path cannot inject NGINX configuration.
 */
export const INGRESS_PATH_PATTERN = '^/[A-Za-z0-9/_.-]*$';

/** Label value: the model version becomes the `app.kubernetes.io/version` label. */
export const LABEL_VALUE_PATTERN = '^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$';

/** Key of a Secret's data map. */
export const SECRET_KEY_PATTERN = '^[-._a-zA-Z0-9]+$';

/** Lowercase hex sha256 digest. */
export const SHA256_PATTERN = '^[a-f0-9]{64}$';

/** Resource quantity, the same grammar as `resource.Quantity` in Kubernetes. */
export const QUANTITY_PATTERN =
  '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';

/** metav1.Condition reason: CamelCase. */
export const CONDITION_REASON_PATTERN = '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$';

/** metav1.Condition type: CamelCase, optionally prefixed by a DNS subdomain and a slash. */
export const CONDITION_TYPE_PATTERN =
  '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$';
