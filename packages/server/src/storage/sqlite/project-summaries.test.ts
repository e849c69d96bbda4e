/**
 * The projects summary counts calls from the `calls_live_started` index alone: the statement's
 * bytecode opens that index and never reads a column of the calls table itself. (EXPLAIN QUERY
 * PLAN says "USING INDEX", not "COVERING": the table cursor is opened for a deferred seek that
 * nothing ever triggers, which only the bytecode shows.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { PROJECT_SUMMARIES_SQL } from './project-summaries.js';
import { registerQueryFunctions } from './query-functions.js';
import { SqliteTraceStore } from './sqlite-trace-store.js';

const dataDir = mkdtempSync(join(tmpdir(), 'weft-project-summaries-'));

afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

/** Opcodes that read or move a cursor (p1); a deferred seek on the table is not one. */
const READS_A_CURSOR = new Set([
  'Column',
  'Rowid',
  'RowData',
  'SeekRowid',
  'NotExists',
  'Rewind',
  'Last',
  'Next',
  'Prev',
  'SeekGE',
  'SeekGT',
  'SeekLE',
  'SeekLT',
]);

interface Instruction {
  opcode: string;
  p1: number;
  p2: number;
}

it('counts live calls without reading a row of the calls table', async () => {
  const path = join(dataDir, 'weft.db');
  await SqliteTraceStore.open(path).close();
  const db = new Database(path, { readonly: true });
  try {
    registerQueryFunctions(db);
    const rootPage = (name: string) =>
      db.prepare('SELECT rootpage FROM sqlite_schema WHERE name = ?').pluck().get(name) as number;
    const program = db.prepare(`EXPLAIN ${PROJECT_SUMMARIES_SQL}`).all() as Instruction[];
    const cursorOn = (page: number) =>
      program.find((step) => step.opcode === 'OpenRead' && step.p2 === page)?.p1;

    const reads = (cursor: number | undefined) =>
      program
        .filter((step) => step.p1 === cursor && READS_A_CURSOR.has(step.opcode))
        .map((step) => step.opcode);

    const index = cursorOn(rootPage('calls_live_started'));
    expect(index).toBeDefined();
    expect(reads(index)).toContain('Column');
    const table = cursorOn(rootPage('calls'));
    expect(table).toBeDefined();
    expect(reads(table)).toEqual([]);
  } finally {
    db.close();
  }
});
