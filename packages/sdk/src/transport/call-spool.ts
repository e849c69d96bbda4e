/**
 * The disk spool for calls (`spoolDir`, `WEFT_SPOOL_DIR`): call requests the batcher cannot
 * deliver are kept as files (spool-dir.ts) instead of being dropped, and sent again (spool-sender.ts)
 * when this client starts and whenever the server answers again after failing, by this process or
 * the next one that uses the folder. A request's bytes are kept exactly as they were encoded: the
 * server stores a call part once by its id, so a request sent twice (a crash between the server's
 * answer and the file's deletion) stores nothing twice.
 *
 * A file's header holds only what sending needs: the route, the project, the counts, and the
 * server's URL without credentials. The API key is never written; the process that sends a file
 * uses its own.
 */
import type { CallsCompleteRes } from '@weft/protocol';
import { warnOnce } from '../logger.js';
import type { BatcherOptions, BatchSpill, SpilledRequest } from './batcher.js';
import { type CallRequest, COMPLETE, itemId } from './call-requests.js';
import { reportSpoolAtExit, type UnitNames } from './process-exit.js';
import { SpoolDir } from './spool-dir.js';
import { type SpoolRecord, serverId, serverKey } from './spool-format.js';
import { SpoolSender } from './spool-sender.js';
import { type TraceServer, TraceServerError } from './trace-server.js';
import { UndeliveredCalls } from './undelivered-calls.js';

export interface CallSpoolOptions {
  /** The folder (created 0700 on first use). */
  dir: string;
  /** Bound on the folder's bytes (default 1 GiB). */
  maxBytes?: number;
  /** Backoff, retry time and exit wait for sending the spool: the client's batch options. */
  sending: Pick<BatcherOptions, 'retryBaseDelayMs' | 'retryMaxDelayMs' | 'maxRetryMs' | 'exitFlushTimeoutMs'>;
}

const CALL_UNITS: UnitNames = ['call', 'calls'];

interface CallMeta {
  route: 'complete' | 'upsert';
  projectId: string;
  parts: number;
}

export class CallSpool implements BatchSpill<CallRequest> {
  readonly folder: SpoolDir;
  /** Disk trouble met (writing, claiming, reading or deleting files). */
  errors = 0;
  private readonly sender: SpoolSender;
  private readonly serverUrl: string;
  /** Calls with a part this process wrote to the spool, each once (a start and an end apart too). */
  private readonly spooled = new UndeliveredCalls();
  /** Files this process wrote, with how many calls were first counted in each: the exit report. */
  private readonly written = new Map<string, number>();
  private reporting = false;

  constructor(
    private readonly server: TraceServer,
    options: CallSpoolOptions,
  ) {
    this.serverUrl = serverId(server.baseUrl ?? '');
    this.folder = new SpoolDir(options.dir, {
      serverKey: serverKey(server.baseUrl ?? ''),
      ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }),
      onError: (what, error) => this.diskError(what, error),
    });
    this.sender = new SpoolSender(
      this.folder,
      {
        partsOf: (record) => metaOf(record)?.parts,
        send: (record, signal) => this.send(record, signal),
        delivered: (name) => this.written.delete(name),
      },
      options.sending,
    );
  }

  /** Calls with a part this process wrote to the spool (each once). */
  get spooledCalls(): number {
    return this.spooled.count;
  }

  get sentParts(): number {
    return this.sender.stats.sentParts;
  }

  get rejectedParts(): number {
    return this.sender.stats.rejectedParts;
  }

  /** Sends what the folder holds for this server, in the background. */
  start(): void {
    this.sender.start();
  }

  async write(request: CallRequest): Promise<SpilledRequest | undefined> {
    const file = await this.folder.prepare(this.metaFor(request), request.body);
    if (file === undefined) {
      this.cannotWrite();
      return undefined;
    }
    return {
      commit: () => {
        if (!file.commit()) return false;
        this.kept(file.name, request);
        return true;
      },
      discard: () => file.discard(),
    };
  }

  writeNow(request: CallRequest): boolean {
    const name = this.folder.writeNow(this.metaFor(request), request.body);
    if (name === undefined) {
      this.cannotWrite();
      return false;
    }
    this.kept(name, request);
    return true;
  }

  private metaFor(request: CallRequest): Record<string, unknown> & CallMeta {
    return {
      route: request.route,
      projectId: request.projectId,
      items: request.count,
      parts: request.parts,
      server: this.serverUrl,
    };
  }

  /** Counts the calls of a request now in the spool, and remembers its file for the exit report. */
  private kept(name: string, request: CallRequest): void {
    const before = this.spooled.count;
    for (let index = 0; index < request.count; index++) {
      if (request.kinds[index] === COMPLETE) this.spooled.whole();
      else this.spooled.half(itemId(request, index));
    }
    this.written.set(name, this.spooled.count - before);
    if (!this.reporting) {
      this.reporting = true;
      reportSpoolAtExit({
        where: this.folder.path,
        names: CALL_UNITS,
        stillSpooled: () => this.stillSpooled(),
      });
    }
  }

  /** Calls this process spooled whose files are still in the folder (sent by no one yet). */
  private stillSpooled(): number {
    const present = this.folder.presentNow();
    let calls = 0;
    for (const [name, count] of this.written) if (present === undefined || present.has(name)) calls += count;
    return calls;
  }

  private cannotWrite(): void {
    if (!this.folder.full) return;
    warnOnce(
      'spool-full',
      `the spool folder ${this.folder.path} holds its limit (maxSpoolBytes, ${this.folder.maxBytes} bytes); ` +
        'calls that cannot be delivered are dropped (client.stats.droppedItems counts them)',
    );
  }

  private diskError(what: string, error: unknown): void {
    this.errors += 1;
    warnOnce(
      'spool-error',
      `${what} (${this.folder.path}): ${error instanceof Error ? error.message : String(error)}; ` +
        'client.stats.spoolErrors counts such errors',
    );
  }

  /** Sends a spooled request to its route; resolves with the parts the server refused one by one. */
  private async send(record: SpoolRecord, signal: AbortSignal): Promise<number> {
    const meta = metaOf(record) as CallMeta;
    let answer: Pick<CallsCompleteRes, 'errors'> | undefined;
    if (meta.route === 'complete') {
      if (!this.server.callsCompleteEncoded) {
        throw new TraceServerError('this transport has no /calls/complete route', 404);
      }
      answer = await this.server.callsCompleteEncoded(meta.projectId, record.body, { signal });
    } else if (this.server.callUpsertBatchEncoded) {
      answer = await this.server.callUpsertBatchEncoded(record.body, { signal });
    } else {
      answer = await this.server.callUpsertBatch(JSON.parse(record.body.toString('utf8')));
    }
    // A complete item carries a call's two parts; an upsert item one.
    return (answer?.errors?.length ?? 0) * (meta.route === 'complete' ? 2 : 1);
  }
}

/** The header fields sending needs, if the record has them. */
function metaOf(record: SpoolRecord): CallMeta | undefined {
  const { route, projectId, parts } = record.meta;
  if (route !== 'complete' && route !== 'upsert') return undefined;
  if (typeof projectId !== 'string' || typeof parts !== 'number' || !Number.isInteger(parts))
    return undefined;
  return { route, projectId, parts };
}
