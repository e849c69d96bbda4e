/**
 * Housekeeping `weft serve` does in the background: removing what has waited longer than
 * ORPHAN_TTL_MS for a call start that never came (docs/protocol.md §3.6), and each project's
 * calls older than its retention, then giving the space back (§20). Runs once soon after start,
 * then every interval; a run never overlaps the last, never throws, and logs what it did.
 */
import type { TraceStore } from '../storage/trace-store.js';

/**
 * How long an end (or a failure's walk up the tree) waits for its call's start. Clients of the v2
 * routes send a parent only when it finishes, after its children: a long evaluation's parent may
 * take hours, so this is generous.
 */
export const ORPHAN_TTL_MS = 30 * 24 * 60 * 60 * 1000;
export const MAINTENANCE_INTERVAL_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface MaintenanceLog {
  info(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface MaintenanceOptions {
  log: MaintenanceLog;
  orphanTtlMs?: number;
  intervalMs?: number;
}

export interface Maintenance {
  /** One run now (tests); resolves when it is done. */
  runNow(): Promise<void>;
  /** Stops the schedule and waits for a run in progress. */
  stop(): Promise<void>;
}

export function startMaintenance(store: TraceStore, options: MaintenanceOptions): Maintenance {
  const ttlMs = options.orphanTtlMs ?? ORPHAN_TTL_MS;
  let running: Promise<void> | undefined;
  let stopped = false;
  const run = (): Promise<void> => {
    running ??= (async () => {
      try {
        const removed = await store.removeOrphans((Date.now() - ttlMs) * 1000);
        if (removed.calls > 0 || removed.walks > 0) {
          options.log.info(removed, 'removed parts that waited too long for their call start');
        }
        let pruned = 0;
        for (const { project_id, days } of await store.listRetention()) {
          const count = await store.pruneCalls(project_id, (Date.now() - days * DAY_MS) * 1000);
          if (count > 0) options.log.info({ project_id, days, calls: count }, 'removed calls past retention');
          pruned += count;
        }
        // In small steps that never wait: this runs on the server's main thread.
        if (pruned > 0 || removed.calls > 0) await store.reclaimSpace();
      } catch (error) {
        if (!stopped) options.log.error({ err: error }, 'background maintenance failed; it runs again later');
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
  const first = setTimeout(run, 1_000);
  const every = setInterval(run, options.intervalMs ?? MAINTENANCE_INTERVAL_MS);
  first.unref();
  every.unref();
  return {
    runNow: run,
    async stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(every);
      await running;
    },
  };
}
