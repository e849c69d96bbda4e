/**
 * Sends what the disk spool holds (spool-dir.ts) in the background, oldest first, one file at a
 * time: each file is claimed, sent, and deleted only once the server accepted it (2xx). What the
 * server may get over (no answer, 429, 5xx) is retried with the batcher's backoff while it keeps
 * failing for less than `maxRetryMs`; then the file is given back and this run ends, until the
 * next `start` (the client starting, or the server answering again after failures).
 *
 * A file the server refuses (4xx) can never be delivered: it is deleted and its parts counted as
 * rejected. Except 401, 403 and 404, which say more about this process (its key, an older server
 * without the route) than about the file: the file is given back for another process, and this
 * run ends.
 *
 * At process exit (process-exit.ts) a run that is making progress may go on for the client's
 * `exitFlushTimeoutMs`; a run that is failing ends at once: the files are safe on disk.
 */
import { warnAtMostEvery, warnOnce } from '../logger.js';
import { type BatcherOptions, retryDelayMs } from './batcher.js';
import { type ExitParticipant, idleAtExit, pendingAtExit } from './process-exit.js';
import type { SpoolClaim, SpoolDir } from './spool-dir.js';
import type { SpoolRecord } from './spool-format.js';
import { TraceServerError } from './trace-server.js';

/** What the files hold and how to send it: the spool's owner (call-spool.ts) knows. */
export interface SpoolHandler {
  /** Parts a record carries; undefined when it is not a record this handler can send. */
  partsOf(record: SpoolRecord): number | undefined;
  /**
   * Sends a record; resolves with how many of its parts the server refused one by one. Throws
   * TraceServerError when the request failed.
   */
  send(record: SpoolRecord, signal: AbortSignal): Promise<number>;
  /** A file was delivered and deleted. */
  delivered?(name: string): void;
}

export type SpoolSenderOptions = Pick<
  BatcherOptions,
  'retryBaseDelayMs' | 'retryMaxDelayMs' | 'maxRetryMs' | 'exitFlushTimeoutMs'
>;

export interface SpoolSenderStats {
  /** Parts from spool files that the server stored. */
  sentParts: number;
  /** Parts from spool files that the server refused (the file is deleted), or unreadable files. */
  rejectedParts: number;
}

type Outcome = 'next' | 'stop';

export class SpoolSender implements ExitParticipant {
  readonly stats: SpoolSenderStats = { sentParts: 0, rejectedParts: 0 };
  private running: Promise<void> | undefined;
  /** Asked to start while running: look at the folder again before ending. */
  private again = false;
  /** The current run must end (at exit, or failing at exit). */
  private halted = false;
  /** Past the exit deadline: no run starts again. */
  private closed = false;
  /** The file this process holds while it sends it; given back synchronously at exit. */
  private held: SpoolClaim | undefined;
  private controller: AbortController | undefined;
  /** Ends the wait before a retry early (when the run is stopped). */
  private endWait: (() => void) | undefined;
  private failingSince: number | undefined;
  private exitDeadline: number | undefined;
  private exitTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly dir: SpoolDir,
    private readonly handler: SpoolHandler,
    private readonly options: SpoolSenderOptions,
    private readonly random: () => number = Math.random,
  ) {}

  /** Sends the spool's files in the background; if already at it, looks at the folder again after. */
  start(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.halted = false;
    pendingAtExit(this);
    this.running = this.sendAll().finally(() => {
      this.running = undefined;
      if (this.exitTimer) clearTimeout(this.exitTimer);
      this.exitTimer = undefined;
      idleAtExit(this);
    });
    if (this.exitDeadline !== undefined) this.armExitTimer();
  }

  /** Resolves when the run in progress, if any, has ended. Never rejects. */
  idle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  flushForExit(): void {
    if (!this.running) {
      idleAtExit(this);
      return;
    }
    this.exitDeadline ??= Date.now() + this.options.exitFlushTimeoutMs;
    // Failing: waiting would only delay the exit; the files stay for a later process.
    if (this.failingSince !== undefined) this.stopRun();
    else this.armExitTimer();
  }

  abandon(): void {
    this.closed = true;
    this.stopRun();
  }

  private armExitTimer(): void {
    if (this.exitTimer || this.exitDeadline === undefined) return;
    const left = this.exitDeadline - Date.now();
    if (left <= 0) {
      this.abandon();
      return;
    }
    // Not unref'd: at exit this timer is what lets the run go on, up to the deadline.
    this.exitTimer = setTimeout(() => this.abandon(), left);
  }

  /** Ends the run in progress at once, giving back the file it holds (synchronously). */
  private stopRun(): void {
    this.halted = true;
    this.controller?.abort();
    this.endWait?.();
    if (this.held) {
      this.dir.releaseNow(this.held);
      this.held = undefined;
    }
  }

  private async sendAll(): Promise<void> {
    // Each file once per run: one that could not be sent is not tried again until the next run.
    const tried = new Set<string>();
    try {
      for (;;) {
        this.again = false;
        const files = (await this.dir.pending()).filter((file) => !tried.has(file.name));
        if (files.length === 0 && !this.again) return;
        for (const file of files) {
          if (this.halted) return;
          tried.add(file.name);
          const claim = await this.dir.claim(file.file);
          if (!claim) continue;
          if (this.halted) {
            await this.dir.release(claim);
            return;
          }
          this.held = claim;
          if ((await this.sendClaimed(claim)) === 'stop') return;
        }
        if (this.halted) return;
      }
    } catch (error) {
      warnOnce('spool-bug', `internal error while sending the spool: ${String(error)}`);
    } finally {
      if (this.held) await this.giveBack(this.held);
    }
  }

  /** Sends a claimed file; by its end the file is deleted or given back (or stopRun gave it back). */
  private async sendClaimed(claim: SpoolClaim): Promise<Outcome> {
    const record = await this.dir.read(claim);
    if (this.halted) return 'stop';
    if (record === undefined || record === 'foreign') {
      await this.giveBack(claim);
      return 'next';
    }
    const parts = record === 'corrupt' ? undefined : this.handler.partsOf(record);
    if (record === 'corrupt' || parts === undefined) {
      this.held = undefined;
      await this.dir.remove(claim);
      warnOnce('spool-corrupt', `deleted an unreadable spool file (${claim.name}) in ${this.dir.path}`);
      return 'next';
    }
    for (let attempt = 0; ; attempt++) {
      const controller = new AbortController();
      this.controller = controller;
      try {
        const refused = await this.handler.send(record, controller.signal);
        this.failingSince = undefined;
        // Delivered: from here the file is deleted, never given back (it would be sent again).
        this.held = undefined;
        if (await this.dir.remove(claim)) this.handler.delivered?.(claim.name);
        this.stats.sentParts += parts - refused;
        this.stats.rejectedParts += refused;
        return 'next';
      } catch (error) {
        if (this.halted) return 'stop';
        const outcome = await this.failed(claim, parts, error, attempt);
        if (outcome !== undefined) return outcome;
      } finally {
        if (this.controller === controller) this.controller = undefined;
      }
    }
  }

  /** After a failed try: what to do with the file, or undefined to try again (after a wait). */
  private async failed(
    claim: SpoolClaim,
    parts: number,
    error: unknown,
    attempt: number,
  ): Promise<Outcome | undefined> {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof TraceServerError && !error.retryable) {
      this.failingSince = undefined;
      if (error.status === 401 || error.status === 403 || error.status === 404) {
        await this.giveBack(claim);
        warnOnce(
          'spool-kept',
          `the trace server refused calls sent from the spool (${message}); they stay in ${this.dir.path}`,
        );
        return 'stop';
      }
      this.held = undefined;
      await this.dir.remove(claim);
      this.stats.rejectedParts += parts;
      warnAtMostEvery(
        'spool-rejected',
        60_000,
        `the trace server refused a request from the spool (${message}); its ${parts} call parts were ` +
          'deleted (client.stats.spoolRejectedItems counts them)',
      );
      return 'next';
    }
    const now = Date.now();
    this.failingSince ??= now;
    const left = this.failingSince + this.options.maxRetryMs - now;
    if (left <= 0 || this.exitDeadline !== undefined) {
      await this.giveBack(claim);
      return 'stop';
    }
    await new Promise<void>((resolve) => {
      // Unref'd: a wait must not keep the process alive (at exit, flushForExit decides).
      const timer = setTimeout(resolve, Math.min(retryDelayMs(attempt, this.options, this.random), left));
      timer.unref();
      this.endWait = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.endWait = undefined;
    if (this.halted) return 'stop';
    await this.dir.touch(claim);
    return undefined;
  }

  private async giveBack(claim: SpoolClaim): Promise<void> {
    if (this.held === claim) this.held = undefined;
    await this.dir.release(claim);
  }
}
