/**
 * Answers that are sent as they are read (docs/protocol.md §1.7): the body is pulled from an async
 * iterable of text chunks (pages of rows, already rendered) only as fast as the client takes it,
 * and a client that stops taking it is cut off after the write timeout. Together with reading in
 * pages (storage/paging.ts) this bounds what one response can hold: a page or two of text and the
 * socket's buffers, and nothing in the database.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** How long a response may wait for its client to take more of it before the connection is closed. */
export const DEFAULT_WRITE_TIMEOUT_MS = 30_000;

/**
 * A chunk is written in slices of this size, so that waiting for the client is measured per 64 KiB:
 * a client that reads slowly but steadily is never cut off for the size of one page.
 */
const SLICE_BYTES = 64 * 1024;

export interface ChunkedReplyOptions {
  /** A client that takes no bytes for this long has its connection closed. */
  writeTimeoutMs: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    chunkedReplies: ChunkedReplyOptions;
  }
}

/** Sets the options every chunked answer of the app uses; the write timeout is 30 s by default. */
export function registerChunkedReplies(
  app: FastifyInstance,
  writeTimeoutMs = DEFAULT_WRITE_TIMEOUT_MS,
): void {
  if (!(writeTimeoutMs > 0)) throw new RangeError(`writeTimeoutMs must be positive, got ${writeTimeoutMs}`);
  app.decorate('chunkedReplies', { writeTimeoutMs });
}

/**
 * Sends `chunks` as the body. The first chunk is read before the response starts, so a request
 * that fails early (a bad query, a missing table, a time limit before the first rows) still gets
 * its error status; a failure after that cuts the response short, as nothing else can be said.
 */
export async function sendChunks(
  reply: FastifyReply,
  contentType: string,
  chunks: AsyncIterable<string>,
): Promise<FastifyReply> {
  const iterator = chunks[Symbol.asyncIterator]();
  const first = await iterator.next();
  const { writeTimeoutMs } = reply.server.chunkedReplies ?? { writeTimeoutMs: DEFAULT_WRITE_TIMEOUT_MS };
  const body = new ChunkedBody(first, iterator, writeTimeoutMs, () => {
    reply.log.warn(
      { writeTimeoutMs },
      `cut off a response its client stopped reading: no bytes taken for ${writeTimeoutMs} ms`,
    );
    reply.raw.destroy();
  });
  // 'drain' on the response means the client took what was waiting: it is still reading.
  reply.raw.on('drain', () => body.progress());
  // Everything was handed to the operating system, or the connection is gone: nothing to watch.
  reply.raw.once('finish', () => body.settled());
  reply.raw.once('close', () => body.settled());
  // Gone while the first page was read: there is no client left to wait for.
  if (reply.raw.destroyed) body.settled();
  return reply.type(contentType).send(body);
}

/**
 * The response body: a chunk is pulled from the iterator only when the one before has been taken
 * (Node calls `_read` when the response wants more), and a slice that waits longer than the write
 * timeout means the client stopped reading.
 */
class ChunkedBody extends Readable {
  /** What is left of the current chunk, as bytes (slicing text could split a character). */
  private pending: Buffer | undefined;
  private ended = false;
  private timer: NodeJS.Timeout | undefined;
  private done = false;

  constructor(
    first: IteratorResult<string>,
    private readonly rest: AsyncIterator<string>,
    private readonly timeoutMs: number,
    private readonly onStall: () => void,
  ) {
    // Buffer at most one slice here: the response and the socket buffer the rest.
    super({ highWaterMark: SLICE_BYTES });
    if (first.done) this.ended = true;
    else this.pending = Buffer.from(first.value);
  }

  override _read(): void {
    // Asked for more: the slice before was taken.
    this.disarm();
    if (this.pending) {
      this.pushSlice();
      return;
    }
    if (this.ended) {
      this.finish();
      return;
    }
    // Reading the next page is the server's time, not the client's: no timer meanwhile.
    this.rest.next().then(
      (next) => {
        if (this.destroyed) return;
        if (next.done) {
          this.ended = true;
          this.finish();
        } else {
          this.pending = Buffer.from(next.value);
          this.pushSlice();
        }
      },
      (error: unknown) => this.destroy(error instanceof Error ? error : new Error(String(error))),
    );
  }

  /** The client took bytes: it has the whole timeout again for the next ones. */
  progress(): void {
    if (this.timer) this.arm();
  }

  /** The response is complete or its connection gone. */
  settled(): void {
    this.done = true;
    this.disarm();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.settled();
    // Stops the pages read ahead (and the read in progress, if any) of a response cut short.
    this.rest.return?.().then(undefined, () => undefined);
    callback(error);
  }

  private pushSlice(): void {
    const pending = this.pending as Buffer;
    const slice = pending.subarray(0, SLICE_BYTES);
    this.pending = pending.length > SLICE_BYTES ? pending.subarray(SLICE_BYTES) : undefined;
    this.push(slice);
    this.arm();
  }

  private finish(): void {
    this.push(null);
    // The last slices still have to reach the client: watched until the response finishes.
    this.arm();
  }

  private arm(): void {
    if (this.done) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.onStall();
    }, this.timeoutMs);
    // Never what keeps the process alive; shutdown closes connections on its own terms.
    this.timer.unref();
  }

  private disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
