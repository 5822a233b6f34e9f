import { describe, expect, it } from 'vitest';

import { parseMessageTemplate, renderMessage, usesPlaceholder } from './template.ts';
import type { MessageTemplate } from './template.ts';

const values = { experiment: 'retention-q1', variant: 'discount', band: 'high', probabilityPercent: '82' };

function parsed(source: string): MessageTemplate {
  const result = parseMessageTemplate(source);
  if (!result.ok) {
    throw new Error(result.problems.join('; '));
  }
  return result.template;
}

describe('parseMessageTemplate', () => {
  it.each([
    ['no placeholders', 'Stay with us!', 'Stay with us!'],
    ['every placeholder', '{{experiment}}/{{variant}}: {{band}} risk, {{probabilityPercent}}%', 'retention-q1/discount: high risk, 82%'],
    ['spaces inside braces', 'Risk {{ band }}', 'Risk high'],
    ['repeated placeholder', '{{band}} {{band}}', 'high high'],
    ['single braces', 'a {b} c', 'a {b} c'],
    ['triple braces', '{{{band}}}', '{high}'],
  ])('renders %s', (_case, source, expected) => {
    expect(renderMessage(parsed(source), values)).toBe(expected);
  });

  it('rejects unknown placeholder', () => {
    const result = parseMessageTemplate('Hi {{firstName}}');

    expect(result).toEqual({
      ok: false,
      problems: ['unknown placeholder "{{firstName}}"; use one of {{experiment}}, {{variant}}, {{band}}, {{probabilityPercent}}'],
    });
  });

  it('rejects empty placeholder', () => {
    const result = parseMessageTemplate('Hi {{ }}');

    expect(result.ok).toBe(false);
  });

  it.each([
    ['unclosed', 'Hi {{band'],
    ['unopened', 'Hi band}}'],
    ['unclosed before placeholder', 'Hi {{ {{band}}'],
  ])('rejects %s braces', (_case, source) => {
    const result = parseMessageTemplate(source);

    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.problems).toEqual([expect.stringMatching(/^unbalanced "\{\{" or "\}\}" near/)]);
  });

  it('lists every problem in order', () => {
    const result = parseMessageTemplate('Hi {{ {{customerId}} and }}');

    expect(result.ok ? [] : result.problems).toEqual([
      'unbalanced "{{" or "}}" near "Hi {{ "; write placeholders as {{name}} with one of {{experiment}}, {{variant}}, {{band}}, {{probabilityPercent}}',
      'unknown placeholder "{{customerId}}"; use one of {{experiment}}, {{variant}}, {{band}}, {{probabilityPercent}}',
      'unbalanced "{{" or "}}" near " and }}"; write placeholders as {{name}} with one of {{experiment}}, {{variant}}, {{band}}, {{probabilityPercent}}',
    ]);
  });
});

describe('usesPlaceholder', () => {
  it('finds a placeholder among literals', () => {
    const template = parsed('Take 20% off at {{ probabilityPercent }}% risk');
    expect(usesPlaceholder(template, 'probabilityPercent')).toBe(true);
    expect(usesPlaceholder(template, 'band')).toBe(false);
  });

  it('ignores placeholder names in literal text', () => {
    expect(usesPlaceholder(parsed('probabilityPercent {band}'), 'probabilityPercent')).toBe(false);
  });
});
