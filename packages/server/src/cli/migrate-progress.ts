/**
 * How `weft migrate` shows its progress: a bar per project and kind on a terminal (cli-progress,
 * on stderr, so stdout keeps only the result), or, when stderr is a file or a pipe (a log, CI), a
 * line per project and kind as each is done, which reads well in a log where a bar would not.
 */
import { Presets, SingleBar } from 'cli-progress';
import type { CopyKind, CopyObserver } from './migrate-copy.js';

/** The observer for this stream: a bar when it is a terminal, lines otherwise. */
export function progressObserver(stream: NodeJS.WriteStream): CopyObserver {
  return stream.isTTY ? new BarProgress(stream) : new LineProgress(stream);
}

class LineProgress implements CopyObserver {
  constructor(private readonly stream: NodeJS.WritableStream) {}

  begin(): void {}

  advance(): void {}

  end(project: string, kind: CopyKind, copied: number): void {
    this.stream.write(`${project}: ${kind}: ${copied} copied\n`);
  }
}

class BarProgress implements CopyObserver {
  private bar: SingleBar | undefined;

  constructor(private readonly stream: NodeJS.WriteStream) {}

  begin(project: string, kind: CopyKind, total: number, copied: number): void {
    // Nothing to copy, nothing to show.
    if (total === 0 && copied === 0) return;
    this.bar = new SingleBar(
      {
        stream: this.stream,
        format: `${project} ${kind.padEnd(10)} {bar} {value}/{total} {eta_formatted}`,
        // Counts are those of the source when the copy began; a kind may find more or fewer.
        autopadding: true,
        etaBuffer: 50,
      },
      Presets.shades_classic,
    );
    this.bar.start(Math.max(total, copied), copied);
  }

  advance(copied: number): void {
    const bar = this.bar;
    if (!bar) return;
    if (copied > bar.getTotal()) bar.setTotal(copied);
    bar.update(copied);
  }

  end(_project: string, _kind: CopyKind, copied: number): void {
    const bar = this.bar;
    if (!bar) return;
    if (copied > bar.getTotal()) bar.setTotal(copied);
    bar.update(copied);
    bar.stop();
    this.bar = undefined;
  }
}
