/** Largest number of UTF-8 bytes that one UTF-16 code unit of a JavaScript string encodes to. */
export const MAX_UTF8_BYTES_PER_CODE_UNIT = 3;

/**
 * Writes the UTF-8 encoding of `text` into `target` at `offset` and returns the offset
 * after the last byte written. It allocates nothing, unlike `TextEncoder.encodeInto`
 * at an offset, which needs a new subarray view. A surrogate pair becomes one 4-byte
 * sequence, and a lone surrogate becomes U+FFFD, as in `TextEncoder` (WHATWG Encoding).
 * The caller makes sure `target` has room for
 * `text.length * MAX_UTF8_BYTES_PER_CODE_UNIT` bytes after `offset`.
 */
export function encodeUtf8Into(text: string, target: Uint8Array, offset: number): number {
  let position = offset;
  let i = 0;

  // ASCII first, because customer ids are mostly ASCII and this loop has one branch per code unit.
  for (; i < text.length; i++) {
    const codeUnit = text.charCodeAt(i);
    if (codeUnit >= 0x80) {
      break;
    }
    target[position++] = codeUnit;
  }

  for (; i < text.length; i++) {
    let codePoint = text.charCodeAt(i);

    if (codePoint < 0x80) {
      target[position++] = codePoint;
      continue;
    }
    if (codePoint < 0x800) {
      target[position++] = 0xc0 | (codePoint >> 6);
      target[position++] = 0x80 | (codePoint & 0x3f);
      continue;
    }

    if (codePoint >= 0xd800 && codePoint <= 0xdfff) {
      const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      const isPair = codePoint <= 0xdbff && next >= 0xdc00 && next <= 0xdfff;
      if (!isPair) {
        codePoint = 0xfffd;
      } else {
        codePoint = 0x10000 + ((codePoint - 0xd800) << 10) + (next - 0xdc00);
        i++;
        target[position++] = 0xf0 | (codePoint >> 18);
        target[position++] = 0x80 | ((codePoint >> 12) & 0x3f);
        target[position++] = 0x80 | ((codePoint >> 6) & 0x3f);
        target[position++] = 0x80 | (codePoint & 0x3f);
        continue;
      }
    }

    target[position++] = 0xe0 | (codePoint >> 12);
    target[position++] = 0x80 | ((codePoint >> 6) & 0x3f);
    target[position++] = 0x80 | (codePoint & 0x3f);
  }

  return position;
}
