/**
 * Sends feedback in the background, as calls are sent (the same batcher: bounded queue, retries
 * with backoff, drop-count-warn): each row carries the id and time the SDK chose when it was
 * added, so the caller has its id at once and a re-sent batch is stored once (docs/protocol.md
 * §18.1). Rows the server refuses one by one are counted.
 */
import type { FeedbackCreateReq } from '@weft/protocol';
import { warnOnce } from '../logger.js';
import {
  type BatcherOptions,
  type BatchSink,
  CallBatcher,
  DEFAULT_BATCHER_OPTIONS,
} from '../transport/batcher.js';
import type { TraceServer } from '../transport/trace-server.js';

/** Rows per request, as the Python client batches them. */
const BATCH_ROWS = 100;

export interface QueuedFeedback {
  row: FeedbackCreateReq;
  /** Encoded size, for the queue's byte bound. */
  bytes: number;
}

interface FeedbackRequest {
  batch: FeedbackCreateReq[];
}

export class FeedbackSender {
  private readonly batcher: CallBatcher<QueuedFeedback, FeedbackRequest>;
  /** Rows the server refused (a bad reaction, a reserved type) while storing the rest. */
  rejectedRows = 0;

  constructor(server: TraceServer, options: Partial<BatcherOptions> = {}) {
    const sink: BatchSink<QueuedFeedback, FeedbackRequest> = {
      sizeOf: (item) => item.bytes,
      partsOf: () => 1,
      prepare: (items) => {
        const requests: FeedbackRequest[] = [];
        for (let index = 0; index < items.length; index += BATCH_ROWS) {
          requests.push({ batch: items.slice(index, index + BATCH_ROWS).map((item) => item.row) });
        }
        return requests;
      },
      partsIn: (request) => request.batch.length,
      send: async (request, signal) => {
        const answer = await server.feedbackBatchCreate(request, { signal });
        const refused = answer.errors?.length ?? 0;
        if (refused > 0) {
          this.rejectedRows += refused;
          warnOnce(
            'feedback-refused',
            `the server refused ${refused} feedback row(s): ${answer.errors?.[0]?.reason ?? ''} (client.stats.rejectedFeedback counts them)`,
          );
        }
      },
      split: (request) => {
        if (request.batch.length < 2) return undefined;
        const half = Math.ceil(request.batch.length / 2);
        return [{ batch: request.batch.slice(0, half) }, { batch: request.batch.slice(half) }];
      },
      discard: () => undefined,
    };
    this.batcher = new CallBatcher(sink, {
      ...DEFAULT_BATCHER_OPTIONS,
      maxBatchItems: BATCH_ROWS * 10,
      maxQueueItems: 100_000,
      ...options,
    });
  }

  /** Queues a row; false when the queue is full (the row is dropped and counted). */
  enqueue(row: FeedbackCreateReq): boolean {
    return this.batcher.enqueue({ row, bytes: JSON.stringify(row).length + 64 }, 'end');
  }

  /** Resolves when every row queued so far has been sent or given up on. Never rejects. */
  flush(): Promise<void> {
    return this.batcher.flush();
  }

  get pending(): number {
    return this.batcher.pending;
  }

  get droppedRows(): number {
    return this.batcher.stats.droppedItems;
  }
}
