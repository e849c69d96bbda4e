import { describe, expect, it } from 'vitest';
import { validateAlias, validateTag } from './objects.js';

describe('tag and alias names (docs/protocol.md §9.2)', () => {
  it('tags are words of letters, digits, "_" and "-" in any script, one space apart, up to 256 code points', () => {
    for (const tag of ['a', 'ready for review', 'función-2', '模型_一', 'x²', '-', '𠀀'.repeat(256)]) {
      expect(() => validateTag(tag), tag).not.toThrow();
    }
    for (const tag of ['', ' a', 'a ', 'a  b', 'a\tb', 'a\nb', 'a.b', 'a!', '😀', '𠀀'.repeat(257)]) {
      expect(() => validateTag(tag), JSON.stringify(tag)).toThrow(/^tag /);
    }
  });

  it('aliases are 1–128 code points without "/" or ":", and never latest or v<N>', () => {
    for (const alias of ['prod', 'v1.0', 'vx', 'version2', 'Latest', 'prod env', '🚀', '𠀀'.repeat(128)]) {
      expect(() => validateAlias(alias), alias).not.toThrow();
    }
    for (const alias of ['', 'a/b', 'a:b', 'latest', 'v0', 'v12', 'v١', '𠀀'.repeat(129)]) {
      expect(() => validateAlias(alias), alias).toThrow(/alias/);
    }
  });
});
