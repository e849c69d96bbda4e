/**
 * What the background senders do when their host process exits. A normal exit (the event loop ran
 * dry: `beforeExit`) first sends what is still pending, each sender keeping the process alive no
 * longer than its `exitFlushTimeoutMs`, then gives up on the rest. At `exit` (after that wait, or
 * at once when user code calls `process.exit()`), whatever is still pending is given up on, and
 * one warning says exactly how many calls (and feedback rows) were never delivered during the
 * run; a run that lost nothing prints nothing. Calls kept in the disk spool instead (call-spool.ts)
 * are not lost: a second warning says how many are still there, and where. Nothing here calls
 * `process.exit` or changes the exit code: tracing trouble is the SDK's to report, not the
 * application's to fail on.
 */
import { warnOnce } from '../logger.js';

/** A sender with work pending at exit. */
export interface ExitParticipant {
  /** Starts sending what is pending, within its own deadline. Never throws. */
  flushForExit(): void;
  /** Gives up on everything pending, now, counting it. Never throws. */
  abandon(): void;
}

/** Singular and plural of what a sender's report counts: `['call', 'calls']`. */
export type UnitNames = readonly [one: string, many: string];

/** A spool's part of the exit report. */
export interface SpoolAtExit {
  /** The folder. */
  readonly where: string;
  readonly names: UnitNames;
  /** Units this process put in the spool that are still there (asked once, at exit; synchronous). */
  stillSpooled(): number;
}

const pending = new Set<ExitParticipant>();
/** Units given up on and not yet reported, by their plural name, in the order first seen. */
const undelivered = new Map<string, { names: UnitNames; count: number }>();
const spools = new Set<SpoolAtExit>();
let lastProblem: string | undefined;
let hooksInstalled = false;

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('beforeExit', () => {
    for (const participant of pending) participant.flushForExit();
  });
  process.on('exit', () => {
    // Only synchronous work runs from here on: what is still pending will never be sent.
    for (const participant of pending) participant.abandon();
    pending.clear();
    const report = takeUndeliveredReport();
    // 'exit' is emitted once per process, so this is the one report.
    if (report !== undefined) warnOnce('undelivered-at-exit', report);
    for (const spool of spools) {
      const spooled = takeSpoolReport(spool);
      if (spooled !== undefined) warnOnce(`spooled-at-exit:${spool.where}`, spooled);
    }
  });
}

/** Reports at exit how many units the spool still holds (once per spool, however often called). */
export function reportSpoolAtExit(spool: SpoolAtExit): void {
  installHooks();
  spools.add(spool);
}

/** The sender has work pending: at exit it is flushed, then abandoned. */
export function pendingAtExit(participant: ExitParticipant): void {
  installHooks();
  pending.add(participant);
}

/** The sender has nothing pending: the exit hooks need not hold on to it. */
export function idleAtExit(participant: ExitParticipant): void {
  pending.delete(participant);
}

/** Counts units given up on, for the report at exit. */
export function noteUndelivered(names: UnitNames, count: number): void {
  if (count <= 0) return;
  installHooks();
  const entry = undelivered.get(names[1]);
  if (entry) entry.count += count;
  else undelivered.set(names[1], { names, count });
}

/** The last reason a request failed, quoted in the report (the cause, not "the process is exiting"). */
export function noteSendProblem(problem: string): void {
  lastProblem = problem;
}

/**
 * The exit warning for what was given up on since the last report (undefined if nothing was),
 * e.g. `20 calls and 2 feedback rows were not delivered to the trace server (...)`. Resets the
 * counts. Exported for tests.
 */
export function takeUndeliveredReport(): string | undefined {
  const counted = [...undelivered.values()].filter((entry) => entry.count > 0);
  undelivered.clear();
  if (counted.length === 0) return undefined;
  const parts = counted.map(({ names, count }) => `${count} ${count === 1 ? names[0] : names[1]}`);
  const list = parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
  const verb = counted.length === 1 && counted[0]?.count === 1 ? 'was' : 'were';
  const cause = lastProblem === undefined ? '' : ` (last error: ${lastProblem})`;
  return `${list} ${verb} not delivered to the trace server${cause}; client.stats counts them.`;
}

/**
 * The exit warning for a spool (undefined if it holds nothing of this process's), e.g. `2000 calls
 * were spooled to /var/spool/weft (last error: …); …`.
 */
function takeSpoolReport(spool: SpoolAtExit): string | undefined {
  const count = spool.stillSpooled();
  if (count <= 0) return undefined;
  const [one, many] = spool.names;
  const cause = lastProblem === undefined ? '' : ` (last error: ${lastProblem})`;
  return (
    `${count} ${count === 1 ? `${one} was` : `${many} were`} spooled to ${spool.where}${cause}; ` +
    'a process with this spool folder sends them when it reaches the trace server.'
  );
}
