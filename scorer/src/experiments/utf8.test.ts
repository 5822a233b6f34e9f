import { describe, expect, it } from 'vitest';

import { encodeUtf8Into, MAX_UTF8_BYTES_PER_CODE_UNIT } from './utf8.ts';

function encode(text: string, offset = 0): Uint8Array {
  const target = new Uint8Array(offset + text.length * MAX_UTF8_BYTES_PER_CODE_UNIT);
  const end = encodeUtf8Into(text, target, offset);
  return target.slice(offset, end);
}

describe('encodeUtf8Into', () => {
  it.each([
    ['ascii', 'customer-42'],
    ['two-byte', 'müller ß é'],
    ['three-byte', '顧客 €'],
    ['surrogate pair', '🙂 𝄞'],
    ['lone high surrogate', 'a\ud800b'],
    ['lone low surrogate', 'a\udc00b'],
    ['high surrogate at end', 'ab\ud83d'],
    ['reversed pair', '\ude42\ud83d'],
    ['empty', ''],
  ])('encodes %s text like TextEncoder', (_case, text) => {
    expect(encode(text)).toEqual(new TextEncoder().encode(text));
  });

  it('writes at the offset and returns the end', () => {
    const target = new Uint8Array(16).fill(0xaa);

    const end = encodeUtf8Into('é!', target, 5);

    expect(end).toBe(8);
    expect([...target.slice(4, 9)]).toEqual([0xaa, 0xc3, 0xa9, 0x21, 0xaa]);
  });

  it('matches TextEncoder on random code units', () => {
    let state = 12345;
    const nextCodeUnit = () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state >>> 16;
    };

    for (let round = 0; round < 2000; round++) {
      const length = round % 17;
      const text = String.fromCharCode(...Array.from({ length }, nextCodeUnit));

      expect(encode(text, 3)).toEqual(new TextEncoder().encode(text));
    }
  });
});
