import { describe, expect, it } from 'vitest';
import { encodeRefPart, formatRef, opDisplayName, parseRef, type WeaveRef } from './refs.js';

describe('refs', () => {
  const examples: Array<[string, WeaveRef]> = [
    [
      'weave:///team/proj/op/my_op:abc123',
      { kind: 'op', entity: 'team', project: 'proj', name: 'my_op', digest: 'abc123', extra: [] },
    ],
    [
      'weave:///team/proj/object/dataset:d1g/attr/rows/id/r0w',
      {
        kind: 'object',
        entity: 'team',
        project: 'proj',
        name: 'dataset',
        digest: 'd1g',
        extra: [
          { edge: 'attr', value: 'rows' },
          { edge: 'id', value: 'r0w' },
        ],
      },
    ],
    [
      'weave:///team/proj/object/cfg:latest/key/a%2Fb%3Ac/index/3',
      {
        kind: 'object',
        entity: 'team',
        project: 'proj',
        name: 'cfg',
        digest: 'latest',
        extra: [
          { edge: 'key', value: 'a/b:c' },
          { edge: 'index', value: '3' },
        ],
      },
    ],
    [
      'weave:///team/proj/table/0abc',
      { kind: 'table', entity: 'team', project: 'proj', digest: '0abc', extra: [] },
    ],
    [
      'weave:///team/proj/call/0192-call',
      { kind: 'call', entity: 'team', project: 'proj', id: '0192-call', extra: [] },
    ],
  ];

  it.each(examples)('parses and formats %s', (uri, ref) => {
    expect(parseRef(uri)).toEqual(ref);
    expect(formatRef(ref)).toBe(uri);
  });

  it('percent-encodes like Python quote(safe="") (everything but A-Za-z0-9_.-~)', () => {
    expect(encodeRefPart("a b/c:d!*'()é~._-")).toBe('a%20b%2Fc%3Ad%21%2A%27%28%29%C3%A9~._-');
    const ref: WeaveRef = {
      kind: 'object',
      entity: 'e',
      project: 'p',
      name: "it's a/b",
      digest: 'x',
      extra: [],
    };
    expect(parseRef(formatRef(ref))).toEqual(ref);
  });

  it('encodes a lone surrogate instead of throwing', () => {
    expect(encodeRefPart('a\uD800b')).toBe('a%EF%BF%BDb');
    expect(encodeRefPart('😀')).toBe('%F0%9F%98%80');
  });

  it.each([
    ['http://x/y', 'must start with'],
    ['weave:///e/p', 'too few parts'],
    ['weave:///e/p/op/noversion', '<name>:<digest>'],
    ['weave:///e/p/widget/x:y', 'unknown ref kind'],
    ['weave:///e/p/object/x:y/attr', 'pairs'],
    ['weave:///e/p/object/x:y/feet/3', 'unknown ref edge'],
    ['weave:///e/p/object/x:y/index/three', 'integer'],
  ])('rejects %s', (uri, message) => {
    expect(() => parseRef(uri)).toThrow(message);
  });

  it('finds the op name in op refs, even unencoded names from the official npm SDK', () => {
    expect(opDisplayName('weave:///e/p/op/my_op:abc')).toBe('my_op');
    expect(opDisplayName('weave:///e/p/op/my%20op:abc')).toBe('my op');
    expect(opDisplayName('weave:///e/p/op/my op/with slash:and colon:abc')).toBe(
      'my op/with slash:and colon',
    );
    expect(opDisplayName('plain-name')).toBe('plain-name');
    expect(opDisplayName('weave:///e/p/object/thing:abc')).toBe('weave:///e/p/object/thing:abc');
  });
});
