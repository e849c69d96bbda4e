import { describe, expect, it } from 'vitest';
import {
  diffStats,
  foldUnchanged,
  lineDiff,
  linePartners,
  markRanges,
  splitLines,
  splitRows,
  wordChanges,
} from './line-diff';

describe('splitLines', () => {
  it('does not count a final newline as a line, and reads CRLF', () => {
    expect(splitLines('a\nb\n')).toEqual(['a', 'b']);
    expect(splitLines('a\r\nb')).toEqual(['a', 'b']);
    expect(splitLines('')).toEqual(['']);
  });
});

describe('lineDiff', () => {
  it('numbers lines on each side and marks what changed', () => {
    const lines = lineDiff('a\nb\nc\n', 'a\nB\nc\nd\n');
    expect(lines).toEqual([
      { change: 'same', oldNumber: 1, newNumber: 1, text: 'a' },
      { change: 'removed', oldNumber: 2, text: 'b' },
      { change: 'added', newNumber: 2, text: 'B' },
      { change: 'same', oldNumber: 3, newNumber: 3, text: 'c' },
      { change: 'added', newNumber: 4, text: 'd' },
    ]);
    expect(diffStats(lines ?? [])).toEqual({ added: 2, removed: 1 });
  });

  it('finds no change between equal texts', () => {
    expect(diffStats(lineDiff('x\ny', 'x\ny') ?? [])).toEqual({ added: 0, removed: 0 });
  });
});

describe('foldUnchanged', () => {
  const oldText = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join('\n');
  const newText = oldText.replace('line 10', 'line ten');

  it('keeps the change with three lines around it and folds the rest', () => {
    const blocks = foldUnchanged(lineDiff(oldText, newText) ?? []);
    expect(blocks.map((block) => [block.kind, block.lines.length])).toEqual([
      ['folded', 6],
      ['lines', 8],
      ['folded', 7],
    ]);
    expect(blocks[0]).toMatchObject({ start: 0 });
    expect(blocks[2]).toMatchObject({ start: 14 });
  });

  it('does not fold a short unchanged stretch', () => {
    const blocks = foldUnchanged(lineDiff('a\nb\nc\nd', 'A\nb\nc\nD') ?? [], 1);
    expect(blocks.map((block) => block.kind)).toEqual(['lines']);
  });
});

describe('splitRows', () => {
  it('pairs a removed run with the added run after it, padding the shorter', () => {
    const rows = splitRows(lineDiff('a\nb\nc\nz', 'a\nB\nz') ?? []);
    expect(rows.map((row) => [row.left?.text, row.right?.text])).toEqual([
      ['a', 'a'],
      ['b', 'B'],
      ['c', undefined],
      ['z', 'z'],
    ]);
  });
});

describe('linePartners', () => {
  it('pairs each removed line with the added line at the same place in its run', () => {
    const lines = lineDiff('a\nb\nc', 'a\nB\nc') ?? [];
    const partners = linePartners(lines);
    const removed = lines.find((line) => line.change === 'removed');
    expect(removed && partners.get(removed)?.text).toBe('B');
  });
});

describe('wordChanges', () => {
  it('marks the words that changed on each side', () => {
    const marks = wordChanges('return words.slice(0, 3).join(" ")', 'return words.slice(0, 5).join(" ")');
    expect(marks).toEqual({ old: [{ start: 22, end: 23 }], new: [{ start: 22, end: 23 }] });
  });

  it('marks nothing when the whole line changed', () => {
    expect(wordChanges('alpha beta', 'gamma delta')).toBeUndefined();
  });
});

describe('markRanges', () => {
  it('cuts tokens at range edges and keeps each piece with its token', () => {
    const tokens = [
      { content: 'return', kind: 'keyword' },
      { content: ' x + 1', kind: 'plain' },
    ];
    const pieces = markRanges(tokens, [{ start: 4, end: 8 }]);
    expect(pieces.map((piece) => [piece.content, piece.token.kind, piece.changed])).toEqual([
      ['retu', 'keyword', false],
      ['rn', 'keyword', true],
      [' x', 'plain', true],
      [' + 1', 'plain', false],
    ]);
  });

  it('leaves tokens whole without ranges', () => {
    expect(markRanges([{ content: 'abc' }], []).map((piece) => piece.content)).toEqual(['abc']);
  });
});
