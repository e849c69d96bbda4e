/** Progress of `client.finish()`: a bar on a terminal, or status updates to a callback. */
import cliProgress from 'cli-progress';

export interface FlushStatus {
  /** Call parts sent (or given up on) since finish() began. */
  totalCompleted: number;
  /** Sent since the previous update. */
  completedSinceLastUpdate: number;
  /** The most that were pending at once during this finish(). */
  maxTotalJobs: number;
  /** Still waiting or in flight. */
  pendingJobs: number;
  hasPendingJobs: boolean;
}

const UPDATE_INTERVAL_MS = 100;

export class FinishProgress {
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly bar: cliProgress.SingleBar | undefined;
  private maxTotal: number;
  private reported = 0;

  constructor(
    private readonly pending: () => number,
    private readonly options: { useProgressBar?: boolean; callback?: (status: FlushStatus) => void },
  ) {
    this.maxTotal = pending();
    if (this.maxTotal === 0) return;
    if (!options.callback && (options.useProgressBar ?? true) && process.stderr.isTTY) {
      this.bar = new cliProgress.SingleBar(
        {
          format: 'weft: sending traces [{bar}] {value}/{total}',
          stream: process.stderr,
          clearOnComplete: true,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(this.maxTotal, 0);
    }
    if (this.bar || options.callback) {
      this.timer = setInterval(() => this.update(), UPDATE_INTERVAL_MS);
      this.timer.unref();
    }
  }

  private update(): FlushStatus {
    const pending = this.pending();
    this.maxTotal = Math.max(this.maxTotal, pending);
    const completed = this.maxTotal - pending;
    const status: FlushStatus = {
      totalCompleted: completed,
      completedSinceLastUpdate: completed - this.reported,
      maxTotalJobs: this.maxTotal,
      pendingJobs: pending,
      hasPendingJobs: pending > 0,
    };
    this.reported = completed;
    this.bar?.setTotal(this.maxTotal);
    this.bar?.update(completed);
    try {
      this.options.callback?.(status);
    } catch {
      // A throwing callback must not break flushing.
    }
    return status;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.bar || this.options.callback) this.update();
    this.bar?.stop();
  }
}
