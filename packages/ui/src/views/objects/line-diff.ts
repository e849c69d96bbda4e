/**
 * The line diff between two versions of an op's source, shaped for display: lines with their
 * numbers on each side, long unchanged stretches folded, and the pairing of removed and added
 * lines for the side-by-side view. The diff itself is jsdiff's (Myers), bounded in time so a pair
 * of giant, unrelated files cannot freeze the page.
 */
import { diffArrays, diffWordsWithSpace } from 'diff';

export type LineChange = 'same' | 'added' | 'removed';

export interface DiffLine {
  change: LineChange;
  /** 1-based line number in the older text (absent for added lines). */
  oldNumber?: number;
  /** 1-based line number in the newer text (absent for removed lines). */
  newNumber?: number;
  text: string;
}

/** Lines as an editor numbers them; a final newline does not start an extra line. */
export function splitLines(text: string): string[] {
  const lines = text.split(/\r\n|\n|\r/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** How long the diff may take before it gives up (the texts are then too different to show usefully). */
const DIFF_TIMEOUT_MS = 1500;

/** Every line of both texts in order, or undefined when the diff gave up. */
export function lineDiff(oldText: string, newText: string): DiffLine[] | undefined {
  const changes = diffArrays(splitLines(oldText), splitLines(newText), { timeout: DIFF_TIMEOUT_MS });
  if (!changes) return undefined;
  const lines: DiffLine[] = [];
  let oldNumber = 1;
  let newNumber = 1;
  for (const change of changes) {
    for (const text of change.value) {
      if (change.added) lines.push({ change: 'added', newNumber: newNumber++, text });
      else if (change.removed) lines.push({ change: 'removed', oldNumber: oldNumber++, text });
      else lines.push({ change: 'same', oldNumber: oldNumber++, newNumber: newNumber++, text });
    }
  }
  return lines;
}

export function diffStats(lines: readonly DiffLine[]): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const line of lines) {
    if (line.change === 'added') added += 1;
    else if (line.change === 'removed') removed += 1;
  }
  return { added, removed };
}

export type DiffBlock =
  | { kind: 'lines'; lines: DiffLine[] }
  /** Unchanged lines folded away; `start` is the index of the first in the full line list. */
  | { kind: 'folded'; lines: DiffLine[]; start: number };

/**
 * The lines in blocks: changes with `context` unchanged lines around them, and the unchanged
 * stretches between them folded (a stretch shorter than a fold is worth is kept open).
 */
export function foldUnchanged(lines: readonly DiffLine[], context = 3): DiffBlock[] {
  const keep = new Array<boolean>(lines.length).fill(false);
  lines.forEach((line, index) => {
    if (line.change === 'same') return;
    for (
      let near = Math.max(0, index - context);
      near <= Math.min(lines.length - 1, index + context);
      near++
    ) {
      keep[near] = true;
    }
  });
  const blocks: DiffBlock[] = [];
  let index = 0;
  while (index < lines.length) {
    const kept = keep[index] === true;
    let end = index;
    while (end < lines.length && (keep[end] === true) === kept) end++;
    const run = lines.slice(index, end);
    // Folding fewer than three lines saves nothing: the fold's own bar takes a line.
    if (kept || run.length < 3) {
      const last = blocks[blocks.length - 1];
      if (last?.kind === 'lines') last.lines.push(...run);
      else blocks.push({ kind: 'lines', lines: run });
    } else {
      blocks.push({ kind: 'folded', lines: run, start: index });
    }
    index = end;
  }
  return blocks;
}

export interface SplitRow {
  left?: DiffLine;
  right?: DiffLine;
}

/**
 * Lines side by side: an unchanged line on both sides; a run of removed lines next to the run of
 * added lines that follows it, paired in order, the shorter run padded with blanks.
 */
export function splitRows(lines: readonly DiffLine[]): SplitRow[] {
  const rows: SplitRow[] = [];
  let index = 0;
  while (index < lines.length) {
    const line = lines[index]!;
    if (line.change === 'same') {
      rows.push({ left: line, right: line });
      index++;
      continue;
    }
    const removed: DiffLine[] = [];
    const added: DiffLine[] = [];
    while (index < lines.length && lines[index]!.change === 'removed') removed.push(lines[index++]!);
    while (index < lines.length && lines[index]!.change === 'added') added.push(lines[index++]!);
    for (let pair = 0; pair < Math.max(removed.length, added.length); pair++) {
      const row: SplitRow = {};
      const left = removed[pair];
      const right = added[pair];
      if (left) row.left = left;
      if (right) row.right = right;
      rows.push(row);
    }
  }
  return rows;
}

/**
 * Each changed line's counterpart on the other side: a removed line and the added line at the
 * same position in the run that replaces it (as the side-by-side view pairs them). Word changes
 * are marked only between partners.
 */
export function linePartners(lines: readonly DiffLine[]): Map<DiffLine, DiffLine> {
  const partners = new Map<DiffLine, DiffLine>();
  for (const { left, right } of splitRows(lines)) {
    if (left && right && left.change === 'removed' && right.change === 'added') {
      partners.set(left, right);
      partners.set(right, left);
    }
  }
  return partners;
}

/** A half-open range of characters `[start, end)` within a line. */
export interface CharRange {
  start: number;
  end: number;
}

/** Lines longer than this are not word-diffed: the marks would cost more than they tell. */
const WORD_DIFF_MAX_LENGTH = 10_000;
/** When more than this share of a line changed, marking words is noise: the whole line is new. */
const WORD_DIFF_MAX_CHANGED = 0.7;

/**
 * The characters that differ between a removed line and the added line that replaced it, on each
 * side, by words (jsdiff's diffWordsWithSpace). Undefined when the lines are too long or too
 * different for the marks to help.
 */
export function wordChanges(
  oldLine: string,
  newLine: string,
): { old: CharRange[]; new: CharRange[] } | undefined {
  if (oldLine.length > WORD_DIFF_MAX_LENGTH || newLine.length > WORD_DIFF_MAX_LENGTH) return undefined;
  const changes = diffWordsWithSpace(oldLine, newLine, { timeout: 200 });
  if (!changes) return undefined;
  const old: CharRange[] = [];
  const added: CharRange[] = [];
  let oldAt = 0;
  let newAt = 0;
  let changed = 0;
  for (const change of changes) {
    const length = change.value.length;
    if (change.removed) {
      old.push({ start: oldAt, end: oldAt + length });
      oldAt += length;
      changed += length;
    } else if (change.added) {
      added.push({ start: newAt, end: newAt + length });
      newAt += length;
      changed += length;
    } else {
      oldAt += length;
      newAt += length;
    }
  }
  if (changed > WORD_DIFF_MAX_CHANGED * (oldLine.length + newLine.length)) return undefined;
  return { old, new: added };
}

export interface MarkedPiece<T> {
  token: T;
  content: string;
  changed: boolean;
}

/**
 * Highlighted tokens cut where changed ranges start and end, so a changed word can be marked
 * without losing its colour. `ranges` must be sorted and not overlap (wordChanges' are).
 */
export function markRanges<T extends { content: string }>(
  tokens: readonly T[],
  ranges: readonly CharRange[],
): MarkedPiece<T>[] {
  const pieces: MarkedPiece<T>[] = [];
  let at = 0;
  let rangeIndex = 0;
  for (const token of tokens) {
    const tokenEnd = at + token.content.length;
    let cursor = at;
    while (cursor < tokenEnd) {
      while (rangeIndex < ranges.length && ranges[rangeIndex]!.end <= cursor) rangeIndex++;
      const range = ranges[rangeIndex];
      let pieceEnd: number;
      let changed: boolean;
      if (range && range.start <= cursor) {
        pieceEnd = Math.min(tokenEnd, range.end);
        changed = true;
      } else {
        pieceEnd = Math.min(tokenEnd, range ? range.start : tokenEnd);
        changed = false;
      }
      pieces.push({ token, content: token.content.slice(cursor - at, pieceEnd - at), changed });
      cursor = pieceEnd;
    }
    at = tokenEnd;
  }
  return pieces;
}
