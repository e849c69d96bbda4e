import { describe, expect, it } from 'vitest';
import { rowAfterKey } from './row-keyboard';

describe('rowAfterKey', () => {
  it('moves one row with the arrows and a page with Page Up/Down', () => {
    expect(rowAfterKey('ArrowDown', 4, 100, 10)).toBe(5);
    expect(rowAfterKey('ArrowUp', 4, 100, 10)).toBe(3);
    expect(rowAfterKey('PageDown', 4, 100, 10)).toBe(14);
    expect(rowAfterKey('PageUp', 14, 100, 10)).toBe(4);
  });

  it('goes to the ends with Home and End, and never past them', () => {
    expect(rowAfterKey('Home', 40, 100, 10)).toBe(0);
    expect(rowAfterKey('End', 40, 100, 10)).toBe(99);
    expect(rowAfterKey('ArrowUp', 0, 100, 10)).toBe(0);
    expect(rowAfterKey('PageDown', 95, 100, 10)).toBe(99);
    expect(rowAfterKey('PageUp', 3, 100, 10)).toBe(0);
  });

  it('leaves other keys alone', () => {
    expect(rowAfterKey('Enter', 4, 100, 10)).toBeUndefined();
    expect(rowAfterKey('a', 4, 100, 10)).toBeUndefined();
  });
});
