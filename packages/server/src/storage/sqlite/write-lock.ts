/**
 * How long a call write waits for the database's write lock before it fails, on the call writer
 * thread. SQLite's busy handler is not fair: a run of object or table writes on the main
 * connection can keep the lock from the writer for seconds on a loaded machine. A batch waits
 * rather than fail (clients wait longer than this for an answer); waiting blocks only the writer
 * thread. The main connection keeps 5 s: a wait there blocks the event loop.
 */
export const WRITE_BUSY_TIMEOUT_MS = 30_000;
