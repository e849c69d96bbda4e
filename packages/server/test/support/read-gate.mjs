/**
 * A test hook for the real `weft serve` process, loaded with `node --import` (workers inherit it):
 * in each read worker, a statement whose SQL contains `WEFT_TEST_GATE_SQL` stops before its first
 * row until the file `open` exists in `WEFT_TEST_GATE_DIR`, and says so by creating a
 * `waiting-<thread>-<n>` file there first. A test can then hold a query inside its worker for as
 * long as it needs, and know that it is there, instead of guessing how long a query takes.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { isMainThread, threadId } from 'node:worker_threads';

const dir = process.env.WEFT_TEST_GATE_DIR;
const marker = process.env.WEFT_TEST_GATE_SQL;

if (!isMainThread && dir && marker) {
  // The same module the server's workers load: required from the server package.
  const Database = createRequire(new URL('../../package.json', import.meta.url))('better-sqlite3');
  const prepare = Database.prototype.prepare;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  let waits = 0;
  Database.prototype.prepare = function gatedPrepare(source, ...rest) {
    const statement = prepare.call(this, source, ...rest);
    if (!source.includes(marker)) return statement;
    const iterate = statement.iterate;
    statement.iterate = function gatedIterate(...args) {
      waits += 1;
      writeFileSync(join(dir, `waiting-${threadId}-${waits}`), '');
      // A synchronous wait, as SQLite's own work would be: the worker answers nothing meanwhile.
      while (!existsSync(join(dir, 'open'))) Atomics.wait(pause, 0, 0, 10);
      return iterate.apply(this, args);
    };
    return statement;
  };
}
