import { describe, expect, it } from 'vitest';
import { parseByteSize } from './sizes.js';

describe('parseByteSize', () => {
  it('reads plain bytes and binary units, however written', () => {
    expect(parseByteSize('123456789')).toBe(123_456_789);
    expect(parseByteSize('500MB')).toBe(500 * 2 ** 20);
    expect(parseByteSize('20gb')).toBe(20 * 2 ** 30);
    expect(parseByteSize('1.5TiB')).toBe(1.5 * 2 ** 40);
    expect(parseByteSize('64 K')).toBe(64 * 1024);
    expect(parseByteSize('10B')).toBe(10);
  });

  it('refuses anything else', () => {
    for (const text of ['', 'x', '-5MB', '5XB', '1e9', '5 M B', 'MB'])
      expect(parseByteSize(text)).toBeUndefined();
  });
});
