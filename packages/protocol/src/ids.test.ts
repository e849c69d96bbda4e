import { describe, expect, it } from 'vitest';
import { isId } from './ids.js';

describe('isId', () => {
  it('reads UUIDs of any version and case, and OTel span and trace ids', () => {
    for (const id of [
      '0192f000-0000-7000-8000-000000000001',
      '00000000-0000-0000-0000-000000000000',
      'F47AC10B-58CC-4372-A567-0E02B2C3D479',
      'b7ad6b7169203331',
      '0af7651916cd43dd8448eb211c80319c',
    ]) {
      expect(isId(id), id).toBe(true);
    }
  });

  it('refuses everything else', () => {
    for (const id of [
      '',
      'call-1',
      '0192f000-0000-7000-8000-00000000000',
      '0192f000-0000-7000-8000-0000000000011',
      '0192f0000000-7000-8000-000000000001-',
      '{0192f000-0000-7000-8000-000000000001}',
      ' 0192f000-0000-7000-8000-000000000001',
      '0192f000-0000-7000-8000-000000000001\n',
      'b7ad6b716920333',
      'b7ad6b7169203331b',
      'g7ad6b7169203331',
      '0af7651916cd43dd8448eb211c80319c0',
    ]) {
      expect(isId(id), JSON.stringify(id)).toBe(false);
    }
    expect(isId(12)).toBe(false);
    expect(isId(null)).toBe(false);
  });
});
