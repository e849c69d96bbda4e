/**
 * The copying `weft migrate` does, through the TraceStore interface only, so any store copies to
 * any other. A project is copied kind by kind, each a loop of pages read from the source and
 * written to the target, continuing after the last key written (migrate-state.ts). Every write is
 * one the target applies idempotently (upserts merged by id, rows by digest, ids that exist left
 * alone), so a batch sent again after a stop changes nothing.
 */
import { parseQuery, resolveFeedbackField } from '@weft/protocol';
import type { ExportPage, FeedbackQuery, StoredProject, TraceStore } from '../storage/trace-store.js';
import type { KindProgress, MigrationState } from './migrate-state.js';

/** What is copied of a project, in this order (rows before the tables made of them). */
export const COPY_KINDS = [
  'project',
  'retention',
  'prices',
  'objects',
  'table rows',
  'tables',
  'files',
  'calls',
  'feedback',
] as const;
export type CopyKind = (typeof COPY_KINDS)[number];

/** Items per page, per kind (objects: names, each with all its versions). */
export interface BatchSizes {
  calls: number;
  objects: number;
  tableRows: number;
  tables: number;
  files: number;
  feedback: number;
}

export const DEFAULT_BATCH_SIZES: BatchSizes = {
  calls: 1000,
  objects: 100,
  tableRows: 1000,
  tables: 100,
  files: 50,
  feedback: 1000,
};

/** Told how the copy goes (the progress bar, or lines in a log). */
export interface CopyObserver {
  /** A kind of a project begins, or continues where an earlier run left it (`copied` of `total`). */
  begin(project: string, kind: CopyKind, total: number, copied: number): void;
  /** `copied` of the kind so far. */
  advance(copied: number): void;
  end(project: string, kind: CopyKind, copied: number): void;
}

export interface StoreCopyOptions {
  state: MigrationState;
  observer: CopyObserver;
  batchSizes?: BatchSizes;
}

export class StoreCopy {
  private readonly state: MigrationState;
  private readonly observer: CopyObserver;
  private readonly sizes: BatchSizes;

  constructor(
    private readonly from: TraceStore,
    private readonly to: TraceStore,
    options: StoreCopyOptions,
  ) {
    this.state = options.state;
    this.observer = options.observer;
    this.sizes = options.batchSizes ?? DEFAULT_BATCH_SIZES;
  }

  /**
   * Every API key, revoked ones too, with its id and hash as they are: clients keep working with
   * the keys they have. A key the target holds already must be the same key.
   */
  async copyApiKeys(): Promise<number> {
    if (this.state.apiKeysDone) return (await this.from.listApiKeys()).length;
    const keys = await this.from.listApiKeys();
    for (const key of keys) {
      const there = await this.to.readApiKey(key.id);
      if (!there) {
        await this.to.createApiKey(key);
        continue;
      }
      if (there.secret_hash !== key.secret_hash || there.user !== key.user) {
        throw new Error(`the target holds another API key with the id ${key.id}: not copying over it`);
      }
      if (key.revoked_at !== null && there.revoked_at === null)
        await this.to.revokeApiKey(key.id, key.revoked_at);
    }
    this.state.markApiKeysDone();
    return keys.length;
  }

  /** Copies one project; `registration` is the source's, when the project was registered there. */
  async copyProject(projectId: string, registration: StoredProject | undefined): Promise<void> {
    const contents = await this.from.countProjectContents(projectId);
    const calls = await this.from.countCalls({ project_id: projectId, filter: {}, query: null, limit: null });
    await this.once(projectId, 'project', registration ? 1 : 0, async () => {
      if (!registration) return 0;
      await this.to.ensureProject(registration);
      return 1;
    });
    const retention = (await this.from.listRetention()).find((setting) => setting.project_id === projectId);
    await this.once(projectId, 'retention', retention ? 1 : 0, async () => {
      if (!retention) return 0;
      await this.to.setRetention(projectId, retention.days);
      return 1;
    });
    await this.once(projectId, 'prices', contents.prices, async () => {
      const prices = await this.from.queryPrices({
        project_id: projectId,
        query: null,
        sort_by: [],
        limit: null,
        offset: 0,
      });
      await this.to.createPrices(prices);
      return prices.length;
    });
    await this.pages(projectId, 'objects', contents.object_versions, this.sizes.objects, {
      read: (page) => this.from.exportObjectVersions(projectId, page),
      keyOf: (version) => version.object_id,
      write: (versions) => this.to.importObjectVersions(projectId, versions),
    });
    await this.pages(projectId, 'table rows', contents.table_rows, this.sizes.tableRows, {
      read: (page) => this.from.exportTableRows(projectId, page),
      keyOf: (row) => row.digest,
      write: (rows) => this.to.importTableRows(projectId, rows),
    });
    await this.pages(projectId, 'tables', contents.tables, this.sizes.tables, {
      read: (page) => this.from.listTableDigests(projectId, page),
      keyOf: (digest) => digest,
      write: async (digests) => {
        for (const digest of digests) {
          // Its rows were copied before (`table rows`): the table is only its list of digests.
          const rowDigests = (await this.from.tableRowDigests(projectId, digest)) ?? [];
          await this.to.createTable(projectId, digest, rowDigests, []);
        }
      },
    });
    await this.pages(projectId, 'files', contents.files, this.sizes.files, {
      read: (page) => this.from.listFileDigests(projectId, page),
      keyOf: (digest) => digest,
      write: async (digests) => {
        for (const digest of digests) {
          const file = await this.from.readFile(projectId, digest);
          if (file) await this.to.createFile(projectId, digest, file.name, file.content);
        }
      },
    });
    await this.pages(projectId, 'calls', calls, this.sizes.calls, {
      read: (page) => this.from.exportCalls(projectId, page),
      keyOf: (call) => call.id,
      write: (batch) => this.to.upsertCalls(batch),
    });
    await this.pages(projectId, 'feedback', contents.feedback, this.sizes.feedback, {
      read: (page) => this.from.queryFeedback(feedbackAfter(projectId, page)),
      keyOf: (row) => row.id,
      // Rows stored already are left as they are: a page copied again adds nothing.
      write: async (rows) => {
        await this.to.createFeedback(rows);
      },
    });
  }

  /** A kind copied in one step; `work` returns how many items it copied. */
  private async once(
    projectId: string,
    kind: CopyKind,
    total: number,
    work: () => Promise<number>,
  ): Promise<void> {
    const progress = this.state.progress(projectId, kind);
    if (progress.done) return;
    this.observer.begin(projectId, kind, total, 0);
    this.finish(projectId, kind, progress, await work());
  }

  /** A kind copied a page at a time, each page after the last key of the one before. */
  private async pages<T>(
    projectId: string,
    kind: CopyKind,
    total: number,
    limit: number,
    steps: {
      read: (page: ExportPage) => Promise<T[]>;
      keyOf: (item: T) => string;
      write: (items: T[]) => Promise<void>;
    },
  ): Promise<void> {
    const progress = this.state.progress(projectId, kind);
    if (progress.done) return;
    this.observer.begin(projectId, kind, total, progress.copied);
    for (;;) {
      const items = await steps.read({ after: progress.after, limit });
      const last = items[items.length - 1];
      if (last === undefined) break;
      await steps.write(items);
      progress.after = steps.keyOf(last);
      progress.copied += items.length;
      this.state.save();
      this.observer.advance(progress.copied);
    }
    this.finish(projectId, kind, progress, progress.copied);
  }

  private finish(projectId: string, kind: CopyKind, progress: KindProgress, copied: number): void {
    progress.done = true;
    progress.copied = copied;
    this.state.save();
    this.observer.end(projectId, kind, copied);
  }
}

/**
 * A page of a project's feedback in id order, after `page.after`: a feedback id is unique in its
 * project, so it is a key to continue after, which rows written meanwhile do not shift.
 */
function feedbackAfter(projectId: string, page: ExportPage): FeedbackQuery {
  const after = page.after;
  return {
    project_id: projectId,
    query:
      after === null
        ? null
        : parseQuery({ $expr: { $gt: [{ $getField: 'id' }, { $literal: after }] } }, resolveFeedbackField),
    sort_by: [{ field: 'id', direction: 'asc' }],
    limit: page.limit,
    offset: 0,
  };
}
