/**
 * Model names from logged usage are matched to prices (docs/protocol.md §17.4); the patterns that
 * read them must stay linear whatever a client logs.
 */
import { isSafe } from 'redos-detector';
import { describe, expect, it } from 'vitest';
import { DATE_SUFFIX, MAX_MATCHED_NAME_CHARS, priceNames } from './model-names.js';

describe('model names', () => {
  it('read a date suffix with a pattern that cannot backtrack without bound', () => {
    expect(isSafe(DATE_SUFFIX).safe).toBe(true);
    expect(priceNames('my-model-2024-07-18').projectNames).toContain('my-model');
    expect(priceNames('my-model@20240620').projectNames).toContain('my-model');
  });

  it('match a name to the default dataset, unless it is longer than any model name', () => {
    expect(priceNames('openai/gpt-4o-mini-2024-07-18').datasetModel).toMatchObject({ provider_id: 'openai' });
    const long = `gpt-4o-${'1'.repeat(MAX_MATCHED_NAME_CHARS)}-2024-07-18`;
    expect(priceNames(long)).toEqual({ projectNames: [long], datasetModel: null });
  });
});
