/**
 * How long a write waits for the database's write lock before it fails, on both writing
 * connections (the call writer thread's and the main one). SQLite's busy handler is not fair: a
 * run of object or table writes on one connection can keep the lock from the other for seconds on
 * a loaded machine. A write waits rather than fail; clients wait longer than this for an answer.
 */
export const WRITE_BUSY_TIMEOUT_MS = 30_000;
