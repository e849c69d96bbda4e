import { describe, expect, it } from 'vitest';
import { InvalidFieldError, InvalidRequest, NotImplemented } from '../errors.js';
import { resolveCallField } from './call-fields.js';
import { joinFieldPath, splitFieldPath } from './field-path.js';
import { parseQuery } from './parse.js';

const parse = (expr: unknown) => parseQuery({ $expr: expr }, resolveCallField);
const field = (path: string) => ({ $getField: path });
const literal = (value: unknown) => ({ $literal: value });

describe('field paths', () => {
  it('splits on unescaped dots and resolves escapes', () => {
    expect(splitFieldPath('inputs.a\\.b.c')).toEqual(['inputs', 'a.b', 'c']);
    expect(splitFieldPath('inputs.a\\\\.b')).toEqual(['inputs', 'a\\', 'b']);
    expect(() => splitFieldPath('inputs..a')).toThrow(InvalidRequest);
    expect(() => splitFieldPath('inputs.a\\')).toThrow(/lone backslash/);
  });

  it('joins keys back so that splitting gives them again', () => {
    const keys = ['inputs', 'a.b', 'back\\slash', 'plain'];
    expect(splitFieldPath(joinFieldPath(keys))).toEqual(keys);
  });

  it('resolves columns, JSON paths with list indexes, and derived fields', () => {
    expect(resolveCallField('started_at')).toEqual({
      kind: 'column',
      column: 'started_at',
      type: 'datetime',
    });
    expect(resolveCallField('inputs.messages.0.content')).toEqual({
      kind: 'json',
      column: 'inputs',
      path: ['messages', 0, 'content'],
    });
    expect(resolveCallField('output')).toEqual({ kind: 'json', column: 'output', path: [] });
    expect(resolveCallField('summary.weave.latency_ms')).toEqual({
      kind: 'derived',
      name: 'latency_ms',
      type: 'number',
    });
    expect(resolveCallField('summary.usage.gpt.requests').kind).toBe('json');
    expect(() => resolveCallField('summary.weave.costs')).toThrow(InvalidFieldError);
    expect(() => resolveCallField('storage_size_bytes')).toThrow(InvalidFieldError);
    // The bracketed feedback type is taken whole, dots included.
    expect(resolveCallField('feedback.[wandb.runnable.my.scorer].payload.output.0')).toEqual({
      kind: 'json',
      column: 'feedback',
      feedbackType: 'wandb.runnable.my.scorer',
      path: ['payload', 'output', 0],
    });
    expect(resolveCallField('feedback.[*].runnable_ref')).toEqual({
      kind: 'json',
      column: 'feedback',
      feedbackType: '*',
      path: ['runnable_ref'],
    });
    expect(() => resolveCallField('feedback.[x].score')).toThrow(InvalidFieldError);
    expect(() => resolveCallField('feedback.[].payload')).toThrow(InvalidFieldError);
    expect(() => resolveCallField('feedback.[x')).toThrow(InvalidFieldError);
    expect(() => resolveCallField('annotation_queue_items.queue_id')).toThrow(NotImplemented);
    expect(() => resolveCallField('name')).toThrow(/unknown call field "name"/);
  });
});

describe('parseQuery', () => {
  it('builds the typed tree and keeps a single $and item unwrapped', () => {
    const query = parse({ $and: [{ $eq: [field('inputs.x'), literal(5)] }] });
    expect(query.expr).toMatchObject({
      kind: 'compare',
      operator: 'eq',
      left: { kind: 'field', field: { kind: 'json', column: 'inputs', path: ['x'] } },
      right: { kind: 'literal', value: 5 },
    });
  });

  it('accepts every operator and operand', () => {
    const query = parse({
      $or: [
        { $not: [{ $gt: [field('summary.weave.latency_ms'), literal(10)] }] },
        { $gte: [field('wb_run_step'), literal(1)] },
        { $lt: [field('started_at'), literal(1_700_000_000)] },
        { $lte: [field('ended_at'), literal('2026-01-01T00:00:00Z')] },
        { $in: [field('op_name'), [literal('a'), literal('b')]] },
        { $contains: { input: field('inputs.prompt'), substr: literal('hi'), case_insensitive: true } },
        { $convert: { input: field('inputs.flag'), to: 'bool' } },
        { $eq: [{ $convert: { input: field('inputs.n'), to: 'int' } }, literal(3)] },
      ],
    });
    expect(query.expr.kind).toBe('or');
  });

  it('names the offending part of a malformed tree', () => {
    expect(() => parse({ $and: [{ $eq: [field('id'), literal(1)] }, { $nope: 1 }] })).toThrow(
      'query.$expr.$and[1]: unknown operator "$nope"',
    );
    expect(() => parse({ $eq: [field('id'), { $literal: 1, $getField: 'x' }] })).toThrow(
      /query\.\$expr\.\$eq\[1\]: an operator object has exactly one key/,
    );
    expect(() => parse({ $in: [field('id'), literal('x')] })).toThrow(
      /\$in\[1\]: expected a list of operands/,
    );
    expect(() => parse({ $convert: { input: field('id'), to: 'date' } })).toThrow(
      /\$convert\.to: expected one of/,
    );
    expect(() => parse({ $contains: { input: field('id') } })).toThrow(/missing "substr"/);
    expect(() =>
      parse({ $contains: { input: field('id'), substr: literal('x'), case_insensitive: 'yes' } }),
    ).toThrow(/case_insensitive: expected true or false/);
    expect(() => parse({ $not: [field('inputs.x')] })).toThrow(/\$not\[0\]: expected a true\/false operand/);
    expect(() => parse({ $eq: [field('started_at'), literal(true)] })).toThrow(/can only be compared/);
    expect(() => parse(field('id'))).toThrow(/true\/false operand/);
    expect(() => parseQuery({ $expr: { $eq: [field('id'), literal(1)] }, x: 1 }, resolveCallField)).toThrow(
      /only key allowed/,
    );
    expect(() => parse({ $eq: [field('nope'), literal(1)] })).toThrow(
      /query\.\$expr\.\$eq\[0\]\.\$getField: unknown/,
    );
  });

  it('keeps a "__proto__" key in an object literal as a key', () => {
    const query = parse({ $eq: [field('inputs.x'), { $literal: JSON.parse('{"__proto__":{"a":1}}') }] });
    expect(query.expr).toMatchObject({ right: { kind: 'literal' } });
    const right = (query.expr as { right: { value: unknown } }).right.value;
    expect(JSON.stringify(right)).toBe('{"__proto__":{"a":1}}');
  });

  it('refuses trees nested too deeply, without exhausting the stack', () => {
    let expr: unknown = { $eq: [field('id'), literal('x')] };
    for (let depth = 0; depth < 5000; depth++) expr = { $not: [expr] };
    expect(() => parse(expr)).toThrow(/nested more than 64 levels/);
  });
});
