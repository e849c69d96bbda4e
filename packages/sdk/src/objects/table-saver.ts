/**
 * Sends a Dataset's rows as a table (docs/protocol.md §10). Rows that fit one request (about
 * 8 MiB) are one `/table/create`. More are cut into chunks of that size, each sent as a
 * `/table/create` of its own small table, a few at a time (rows are stored once per project by
 * digest, so nothing is stored twice), then made one table with `/table/create_from_digests`
 * listing every row digest in order: what the server stores grows with the rows. The Python SDK
 * does the same (0.54, for tables of over 1,000 rows).
 *
 * A server without that route (it answers 404, as weft did before it) gets what it always got: the
 * first chunk created, then each other one appended with `/table/update`, every append storing a
 * new table with all the digests so far, which grows with the square of the rows.
 */
import type { JsonValue } from '../serialize/serialize.js';
import { type TraceServer, TraceServerError } from '../transport/trace-server.js';
import { withRetries } from './save-retries.js';

export interface TableSaverHost {
  readonly projectId: string;
  readonly server: TraceServer;
}

export interface TableSaverOptions {
  /** Rows per request are cut at about this many bytes of JSON (default 8 MiB). */
  chunkBytes?: number;
  /** Chunks sent at once (default 4, the HTTP binding's sockets per server). */
  concurrency?: number;
}

export interface SavedTable {
  digest: string;
  /** Each row's digest, in table order. */
  rowDigests: string[];
}

type CreateFromDigests = NonNullable<TraceServer['tableCreateFromDigests']>;

const DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024;
const DEFAULT_CONCURRENCY = 4;
/**
 * The most row digests sent in one `/table/create_from_digests`: weft's digests take 46 bytes each
 * in a JSON list, so 600,000 make about 27 MB, under the 31 MiB Weave's clients keep to (weft and
 * Weave take 32 MiB). A larger table is sent by appends.
 */
export const MAX_ROW_DIGESTS_PER_REQUEST = 600_000;

export class TableSaver {
  /** Whether the server makes tables from row digests: asked once per client, on its first large table. */
  private fromDigests: Promise<boolean> | undefined;
  private readonly chunkBytes: number;
  private readonly concurrency: number;

  constructor(
    private readonly host: TableSaverHost,
    options: TableSaverOptions = {},
  ) {
    this.chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    this.concurrency = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_CONCURRENCY));
  }

  /**
   * Creates the table of `rows` (`rowCount` of them). The rows are read as the chunks are sent, so
   * values made while iterating (serialized rows) are held only for the chunks in flight.
   */
  async save(rows: Iterable<JsonValue>, rowCount: number): Promise<SavedTable> {
    const chunks = chunkBySize(rows, this.chunkBytes);
    const first = chunks.next();
    const second = chunks.next();
    if (first.done || second.done) return this.createOne(first.done ? [] : first.value);
    const all = resume([first.value, second.value], chunks);
    const fromDigests = this.host.server.tableCreateFromDigests?.bind(this.host.server);
    if (
      fromDigests &&
      rowCount <= MAX_ROW_DIGESTS_PER_REQUEST &&
      (await this.serverMakesTablesFromDigests(fromDigests))
    ) {
      return this.createFromChunks(all, fromDigests);
    }
    return this.createByAppends(all);
  }

  private async createOne(rows: JsonValue[]): Promise<SavedTable> {
    const created = await withRetries(() =>
      this.host.server.tableCreate({ table: { project_id: this.host.projectId, rows } }),
    );
    return { digest: created.digest, rowDigests: created.row_digests };
  }

  /** Each chunk a table of its own, `concurrency` at a time; then the whole table from their row digests. */
  private async createFromChunks(
    chunks: Iterator<JsonValue[]>,
    fromDigests: CreateFromDigests,
  ): Promise<SavedTable> {
    const parts: string[][] = [];
    await forEachConcurrently(chunks, this.concurrency, async (rows, index) => {
      parts[index] = (await this.createOne(rows)).rowDigests;
    });
    const rowDigests = parts.flat();
    const made = await withRetries(() =>
      fromDigests({ project_id: this.host.projectId, row_digests: rowDigests }),
    );
    return { digest: made.digest, rowDigests };
  }

  /** The first chunk created, the others appended one after the other (servers without create_from_digests). */
  private async createByAppends(chunks: Iterator<JsonValue[]>): Promise<SavedTable> {
    const first = chunks.next();
    const created = await this.createOne(first.done ? [] : first.value);
    let digest = created.digest;
    const rowDigests = [...created.rowDigests];
    for (let next = chunks.next(); !next.done; next = chunks.next()) {
      const base = digest;
      const rows = next.value;
      const updated = await withRetries(() =>
        this.host.server.tableUpdate({
          project_id: this.host.projectId,
          base_digest: base,
          updates: rows.map((row) => ({ append: { row } })),
        }),
      );
      digest = updated.digest;
      rowDigests.push(...updated.updated_row_digests);
    }
    return { digest, rowDigests };
  }

  /**
   * Asks as the Python SDK does: `/table/create_from_digests` of no rows (which makes the empty
   * table, harmless). 404 means no such route; any other refusal that is not worth retrying means
   * the route is there (the Python SDK reads it so too). No answer is the publish's failure, and
   * is asked again next time.
   */
  private serverMakesTablesFromDigests(fromDigests: CreateFromDigests): Promise<boolean> {
    if (!this.fromDigests) {
      const asked = withRetries(() => fromDigests({ project_id: this.host.projectId, row_digests: [] }));
      this.fromDigests = asked.then(
        () => true,
        (error: unknown) => {
          if (error instanceof TraceServerError && !error.retryable) return error.status !== 404;
          this.fromDigests = undefined;
          throw error;
        },
      );
    }
    return this.fromDigests;
  }
}

/** Rows in chunks of about `maxBytes` of JSON each (a larger row is a chunk of its own); one empty chunk for no rows. */
export function* chunkBySize(rows: Iterable<JsonValue>, maxBytes: number): Generator<JsonValue[]> {
  let chunk: JsonValue[] = [];
  let bytes = 0;
  let any = false;
  for (const row of rows) {
    const size = JSON.stringify(row).length;
    if (chunk.length > 0 && bytes + size > maxBytes) {
      yield chunk;
      any = true;
      chunk = [];
      bytes = 0;
    }
    chunk.push(row);
    bytes += size;
  }
  if (chunk.length > 0 || !any) yield chunk;
}

/** The items already taken from `rest`, then the rest of it. */
function* resume<T>(taken: readonly T[], rest: Iterator<T>): Generator<T> {
  yield* taken;
  for (let next = rest.next(); !next.done; next = rest.next()) yield next.value;
}

/**
 * Runs `work` on each item, at most `limit` at a time, taking items only as workers free up. After
 * a failure no new item is started; it rejects with the first failure once the running ones have
 * settled, so nothing is left sending after it returns.
 */
async function forEachConcurrently<T>(
  items: Iterator<T>,
  limit: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let taken = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure) {
      let next: IteratorResult<T>;
      try {
        next = items.next();
      } catch (error) {
        failure ??= { error };
        return;
      }
      if (next.done) return;
      const index = taken++;
      try {
        await work(next.value, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  if (failure) throw failure.error;
}
