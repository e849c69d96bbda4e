/**
 * Retention on ClickHouse (docs/protocol.md §20): the per-project settings the server applies in
 * the background, and giving space back. (Removing old calls, pruneCalls, is the calls module's.)
 *
 * Settings are rows of `project_retention` (admin-schema.ts), a ReplacingMergeTree(version,
 * is_deleted) keyed by project id: setting a retention inserts a row with a newer version, and
 * clearing one inserts a tombstone, so a write never reads first and the latest write wins;
 * reads use FINAL.
 *
 * Space: ClickHouse frees it by itself. A merge rewrites parts without the rows a lightweight
 * DELETE masked and keeps only the newest version of a replaced row; the parts it replaced leave
 * the disk a few minutes later (old_parts_lifetime). `reclaimSpace` only hurries that:
 * - exclusive (`weft prune`, nothing else busy on the store): `OPTIMIZE TABLE … FINAL` of each of
 *   the database's MergeTree tables, which rewrites each into one part per partition, as SQLite's
 *   VACUUM rewrites the file, and waits for it;
 * - otherwise (the server's hourly maintenance, after pruning): forcing every table's rewrite
 *   each hour would make ClickHouse copy the whole calls table again and again, so only the parts
 *   that hold masked rows are rewritten (`APPLY DELETED MASK`, a mutation ClickHouse runs in the
 *   background; this does not wait for it), and the rest is left to the merges.
 * The sizes reported are the bytes of the database's active parts, before and after: what the
 * data takes once replaced parts are gone, on every replica of a cluster.
 */
import type { TraceStore } from '../trace-store.js';
import type { ClickHouseContext } from './context.js';
import { checkIdentifier } from './ddl.js';
import { insertRows, nextVersion, selectRows } from './query-helpers.js';

export type RetentionMethods = Pick<TraceStore, 'setRetention' | 'listRetention' | 'reclaimSpace'>;

/** A name from the system tables as a quoted identifier. */
function quoteIdentifier(name: string): string {
  return `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
}

export class ClickHouseRetention implements RetentionMethods {
  constructor(readonly context: ClickHouseContext) {}

  async setRetention(projectId: string, days: number | null): Promise<void> {
    await insertRows(this.context, 'project_retention', [
      { project_id: projectId, days: days ?? 0, version: nextVersion(), is_deleted: days === null ? 1 : 0 },
    ]);
  }

  listRetention(): Promise<Array<{ project_id: string; days: number }>> {
    return selectRows(
      this.context,
      `SELECT project_id, days FROM ${this.context.table('project_retention')} FINAL ORDER BY project_id`,
    );
  }

  async reclaimSpace(options: { exclusive?: boolean } = {}): Promise<{ before: number; after: number }> {
    const before = await this.activeBytes();
    for (const table of await this.mergeTreeTables(options.exclusive ? 'all' : 'masked')) {
      const name = `${quoteIdentifier(this.context.target.database)}.${quoteIdentifier(table)}`;
      if (options.exclusive) {
        // Even a table in one part is rewritten, so the rows a DELETE masked in it go.
        await this.command(
          `OPTIMIZE TABLE ${name}${this.onCluster()} FINAL SETTINGS optimize_skip_merged_partitions = 0`,
        );
      } else {
        await this.command(
          `ALTER TABLE ${name}${this.onCluster()} APPLY DELETED MASK SETTINGS mutations_sync = 0`,
        );
      }
    }
    return { before, after: await this.activeBytes() };
  }

  /** Bytes of the database's active parts (on a cluster: of every replica). */
  private async activeBytes(): Promise<number> {
    const [row] = await selectRows<{ bytes: number }>(
      this.context,
      `SELECT sum(bytes_on_disk) AS bytes FROM ${this.systemTable('parts')}
       WHERE database = {database:String} AND active`,
      { database: this.context.target.database },
    );
    return Number(row?.bytes ?? 0);
  }

  /**
   * The database's tables that hold parts (MergeTree family; on a cluster the `_local` ones, not
   * the Distributed tables over them): every one, or those with parts holding masked rows.
   */
  private async mergeTreeTables(which: 'all' | 'masked'): Promise<string[]> {
    const rows =
      which === 'all'
        ? await selectRows<{ table: string }>(
            this.context,
            `SELECT name AS table FROM system.tables
             WHERE database = {database:String} AND engine LIKE '%MergeTree' ORDER BY name`,
            { database: this.context.target.database },
          )
        : await selectRows<{ table: string }>(
            this.context,
            `SELECT DISTINCT table FROM ${this.systemTable('parts')}
             WHERE database = {database:String} AND active AND has_lightweight_delete ORDER BY table`,
            { database: this.context.target.database },
          );
    return rows.map((row) => row.table);
  }

  /** A system table of this node, or of every replica on a cluster. */
  private systemTable(name: string): string {
    const { cluster } = this.context.target;
    return cluster
      ? `clusterAllReplicas(${checkIdentifier('cluster', cluster)}, system.${name})`
      : `system.${name}`;
  }

  private onCluster(): string {
    const { cluster } = this.context.target;
    return cluster ? ` ON CLUSTER ${checkIdentifier('cluster', cluster)}` : '';
  }

  private async command(query: string): Promise<void> {
    await this.context.client.command({ query });
  }
}
