/**
 * The line diff between two versions of an op's source, shaped for display: lines with their
 * numbers on each side, long unchanged stretches folded, and the pairing of removed and added
 * lines for the side-by-side view. The diff itself is jsdiff's (Myers), bounded in time so a pair
 * of giant, unrelated files cannot freeze the page.
 */
import { diffArrays } from 'diff';

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
