/**
 * Nudge message templates. A placeholder is `{{name}}`, with optional spaces inside the
 * braces (`{{ band }}`). Every other character is literal, including single braces.
 * There is no escape for a literal `{{`, so a template that contains `{{` must use it
 * for a placeholder. Templates are checked when the configuration is loaded, so
 * rendering cannot fail.
 */

/** Values a message can contain, filled in per request. */
export interface MessageValues {
  /** Experiment name. */
  experiment: string;
  /** Name of the customer's variant. */
  variant: string;
  /** Risk band of the prediction: low, medium or high. */
  band: string;
  /** Churn probability in percent, rounded to a whole number (0.237 -> "24"). */
  probabilityPercent: string;
}

export type PlaceholderName = keyof MessageValues;

export const PLACEHOLDER_NAMES: readonly PlaceholderName[] = ['experiment', 'variant', 'band', 'probabilityPercent'];

/** A template split into literal text and placeholders, in order. */
export interface MessageTemplate {
  readonly source: string;
  readonly parts: readonly (string | { readonly placeholder: PlaceholderName })[];
}

export type TemplateParseResult = { ok: true; template: MessageTemplate } | { ok: false; problems: string[] };

const PLACEHOLDER_PATTERN = /\{\{\s*([^{}]*?)\s*\}\}/g;

/**
 * Parses `source`, or returns every reason it is invalid, in the order they occur:
 * unknown placeholders and unbalanced braces.
 */
export function parseMessageTemplate(source: string): TemplateParseResult {
  const parts: MessageTemplate['parts'][number][] = [];
  const problems: string[] = [];
  let literalStart = 0;

  for (const match of source.matchAll(PLACEHOLDER_PATTERN)) {
    addLiteral(parts, problems, source.slice(literalStart, match.index));

    const name = match[1] ?? '';
    if (isPlaceholderName(name)) {
      parts.push({ placeholder: name });
    } else {
      problems.push(`unknown placeholder "{{${name}}}"; use one of ${listPlaceholders()}`);
    }
    literalStart = match.index + match[0].length;
  }
  addLiteral(parts, problems, source.slice(literalStart));

  return problems.length === 0 ? { ok: true, template: { source, parts } } : { ok: false, problems };
}

export function renderMessage(template: MessageTemplate, values: MessageValues): string {
  let text = '';
  for (const part of template.parts) {
    text += typeof part === 'string' ? part : values[part.placeholder];
  }
  return text;
}

/** Returns whether `template` contains the placeholder `name`. */
export function usesPlaceholder(template: MessageTemplate, name: PlaceholderName): boolean {
  return template.parts.some((part) => typeof part !== 'string' && part.placeholder === name);
}

function isPlaceholderName(name: string): name is PlaceholderName {
  return (PLACEHOLDER_NAMES as readonly string[]).includes(name);
}

/** Appends `literal` to the parts, or an unbalanced-brace problem when it contains `{{` or `}}`. */
function addLiteral(parts: MessageTemplate['parts'][number][], problems: string[], literal: string): void {
  if (literal.includes('{{') || literal.includes('}}')) {
    problems.push(unbalancedMessage(literal));
    return;
  }
  if (literal !== '') {
    parts.push(literal);
  }
}

function unbalancedMessage(text: string): string {
  const fragment = text.length > 40 ? `${text.slice(0, 40)}...` : text;
  return `unbalanced "{{" or "}}" near "${fragment}"; write placeholders as {{name}} with one of ${listPlaceholders()}`;
}

function listPlaceholders(): string {
  return PLACEHOLDER_NAMES.map((name) => `{{${name}}}`).join(', ');
}
