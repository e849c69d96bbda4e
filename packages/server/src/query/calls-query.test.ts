import { InvalidRequest, parseQuery, resolveCallField } from '@weft/protocol';
import { describe, expect, it } from 'vitest';
import { callsQuery } from '../storage/contract/call-fixtures.js';
import { callsSelect, compileWithinLimits } from './calls-query.js';
import { sqliteCallsDialect } from './dialects/sqlite.js';

const manyTerms = (count: number) =>
  parseQuery(
    {
      $expr: {
        $or: Array.from({ length: count }, (_, index) => ({
          $eq: [{ $getField: 'inputs.x' }, { $literal: `v${index}` }],
        })),
      },
    },
    resolveCallField,
  );

describe('compiling calls queries', () => {
  it('binds a repeated value once', () => {
    const compiled = compileWithinLimits(
      callsSelect(callsQuery({ query: manyTerms(100) }), { dialect: sqliteCallsDialect }),
      sqliteCallsDialect,
    );
    // 100 literals, one JSON path, the project id, and nothing else repeated.
    expect(compiled.params.filter((value) => value === '$."x"')).toHaveLength(1);
    expect(compiled.params.length).toBeLessThan(110);
  });

  it('nests a long $or as a balanced tree', () => {
    const { text } = compileWithinLimits(
      callsSelect(callsQuery({ query: manyTerms(1024) }), { dialect: sqliteCallsDialect }),
      sqliteCallsDialect,
    );
    let depth = 0;
    let deepest = 0;
    for (const char of text) {
      if (char === '(') deepest = Math.max(deepest, ++depth);
      else if (char === ')') depth -= 1;
    }
    expect(deepest).toBeLessThan(30);
  });

  it('refuses with a 400 a statement beyond the database limits', () => {
    const tight = { ...sqliteCallsDialect, limits: { maxParameters: 50, maxSqlChars: 1_000_000 } };
    expect(() =>
      compileWithinLimits(callsSelect(callsQuery({ query: manyTerms(100) }), { dialect: tight }), tight),
    ).toThrow(InvalidRequest);
  });
});
