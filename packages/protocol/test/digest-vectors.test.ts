/**
 * Weave's digests against the 20 vectors recorded from W&B's production trace server
 * (fixtures/weave-digest-vectors.json):
 * every table, row, object and file digest must come out byte for byte the same.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bytesDigest, objectDigest, rowDigest, tableDigest } from '../src/digest.js';
import {
  type LosslessJson,
  PythonFloat,
  parseJsonLosslessly,
  pythonFloatRepr,
  pythonJsonDumps,
} from '../src/python-json.js';

interface Vector {
  kind: 'table' | 'object' | 'file';
  project_id: string;
  input: Record<string, LosslessJson>;
  expected: { digest: string; row_digests?: string[] };
  preimage?: string;
  preimages?: { rows: string[]; table: string };
  contains_refs?: boolean;
  internal_project_id?: string;
}

const fixture = readFileSync(new URL('./fixtures/weave-digest-vectors.json', import.meta.url), 'utf8');
// Read losslessly, as a server must read request bodies (ints stay ints, floats floats).
const { vectors } = parseJsonLosslessly(fixture) as unknown as { vectors: Vector[] };

describe('digest vectors from the production server', () => {
  it('has all 20', () => {
    expect(vectors.map((vector) => vector.kind).sort()).toEqual([
      ...Array<string>(8).fill('file'),
      ...Array<string>(9).fill('object'),
      ...Array<string>(3).fill('table'),
    ]);
  });

  for (const [index, vector] of vectors.entries()) {
    it(`${vector.kind} #${index} → ${vector.expected.digest.slice(0, 12)}…`, () => {
      switch (vector.kind) {
        case 'table': {
          const rows = vector.input.rows as LosslessJson[];
          expect(rows.map(pythonJsonDumps)).toEqual(vector.preimages?.rows);
          const rowDigests = rows.map(rowDigest);
          expect(rowDigests).toEqual(vector.expected.row_digests);
          expect(tableDigest(rowDigests)).toBe(vector.expected.digest);
          break;
        }
        case 'object': {
          const refs = vector.contains_refs
            ? { projectId: vector.project_id, internalProjectId: vector.internal_project_id as string }
            : undefined;
          expect(objectDigest(vector.input.val, refs)).toBe(vector.expected.digest);
          break;
        }
        case 'file':
          expect(bytesDigest(Buffer.from(vector.input.content_base64 as string, 'base64'))).toBe(
            vector.expected.digest,
          );
          break;
      }
    });
  }

  it('hashes the internal form only: the external refs give another digest', () => {
    const withRefs = vectors.find((vector) => vector.contains_refs) as Vector;
    expect(objectDigest(withRefs.input.val)).not.toBe(withRefs.expected.digest);
  });
});

describe('Python-compatible JSON', () => {
  it("writes floats as Python's repr does", () => {
    const cases: Array<[number, string]> = [
      [1, '1.0'],
      [0.5, '0.5'],
      [0.1 + 0.2, '0.30000000000000004'],
      [1e-5, '1e-05'],
      [0.0001, '0.0001'],
      [1e16, '1e+16'],
      [1234567890123456.8, '1234567890123456.8'],
      [123456789012345680000, '1.2345678901234568e+20'],
      [-2.5e-7, '-2.5e-07'],
      [0, '0.0'],
      [-0, '-0.0'],
    ];
    for (const [value, repr] of cases) expect(pythonFloatRepr(value), String(value)).toBe(repr);
  });

  it('sorts keys by code point, escapes non-ASCII as \\uXXXX, and uses Python separators', () => {
    const value = { b: [1, new PythonFloat(2), 'é😀'], a: { '\uffff': true, '😀': null }, 'a\n': '"\\' };
    expect(pythonJsonDumps(value)).toBe(
      '{"a": {"\\uffff": true, "\\ud83d\\ude00": null}, "a\\n": "\\"\\\\", "b": [1, 2.0, "\\u00e9\\ud83d\\ude00"]}',
    );
  });

  it('parses without losing what Python would see', () => {
    const parsed = parseJsonLosslessly(
      '{"int": 1, "float": 1.0, "exp": 1e3, "big": 12345678901234567890, "__proto__": {"x": [true, null]}}',
    );
    expect(pythonJsonDumps(parsed)).toBe(
      '{"__proto__": {"x": [true, null]}, "big": 12345678901234567890, "exp": 1000.0, "float": 1.0, "int": 1}',
    );
    expect(() => parseJsonLosslessly('{"a": 1,}')).toThrow(SyntaxError);
    expect(() => parseJsonLosslessly('[1] 2')).toThrow(/after the value/);
    expect(parseJsonLosslessly(' "a\\u00e9\\"b" ')).toBe('aé"b');
  });

  it('gives the same digest whatever the key order, and another for another value', () => {
    expect(rowDigest({ name: 'Alice', age: 10 })).toBe(rowDigest({ age: 10, name: 'Alice' }));
    expect(rowDigest({ name: 'Alice', age: 10 })).not.toBe(rowDigest({ name: 'Alice', age: 11 }));
    expect(rowDigest({ n: 1 })).not.toBe(rowDigest({ n: new PythonFloat(1) }));
  });
});
