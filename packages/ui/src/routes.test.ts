import { describe, expect, it } from 'vitest';
import { sectionOfPath } from './routes';

describe('sectionOfPath', () => {
  it('puts each page of a project in its section', () => {
    expect(sectionOfPath('/e/p/weave/traces')).toBe('Traces');
    expect(sectionOfPath('/e/p/weave/calls/abc')).toBe('Traces');
    expect(sectionOfPath('/e/p/weave/evaluations/abc')).toBe('Evaluations');
    expect(sectionOfPath('/e/p/weave/compare-evaluations')).toBe('Evaluations');
    expect(sectionOfPath('/e/p/weave/ops/summarize/versions/d')).toBe('Ops');
    expect(sectionOfPath('/e/p/weave/datasets')).toBe('Datasets');
    expect(sectionOfPath('/e/p/weave/objects/qa/versions/d')).toBe('Objects');
    expect(sectionOfPath('/e/p/weave/prices')).toBe('Prices');
  });

  it('names no section outside a project', () => {
    expect(sectionOfPath('/')).toBeUndefined();
    expect(sectionOfPath('/e/p/weave/unknown')).toBeUndefined();
  });
});
