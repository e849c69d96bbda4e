/**
 * Files by digest on ClickHouse (objects-schema.ts): one row per project and digest in `files`,
 * the bytes as base64 text. Inserts travel as JSON text, which holds any string but not arbitrary
 * bytes, so base64 is what makes a round trip byte for byte. The content is keyed by its digest,
 * so a file stored again is not written again; when two stores of one digest race, both rows are
 * kept until a merge, and the first stored wins both before (reads take the earliest) and after
 * (the engine keeps the highest `keep_rank`, which falls as `stored_at` rises).
 */
import type { TraceStore } from '../trace-store.js';
import type { ClickHouseContext } from './context.js';
import { insertRows, QueryParams, selectRows } from './query-helpers.js';

export type FilesMethods = Pick<TraceStore, 'createFile' | 'readFile'>;

export class ClickHouseFiles implements FilesMethods {
  constructor(readonly context: ClickHouseContext) {}

  async createFile(projectId: string, digest: string, name: string, content: Uint8Array): Promise<void> {
    if (await this.exists(projectId, digest)) return;
    const bytes = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
    await insertRows(this.context, 'files', [
      {
        project_id: projectId,
        digest,
        name,
        size: content.byteLength,
        content_base64: bytes.toString('base64'),
        stored_at: Date.now() * 1000,
      },
    ]);
  }

  async readFile(
    projectId: string,
    digest: string,
  ): Promise<{ name: string; content: Uint8Array } | undefined> {
    const params = new QueryParams();
    const [file] = await selectRows<{ name: string; content_base64: string }>(
      this.context,
      `SELECT name, content_base64 FROM ${this.context.table('files')}
       WHERE project_id = ${params.bind(projectId, 'String')} AND digest = ${params.bind(digest, 'String')}
       ORDER BY stored_at ASC LIMIT 1`,
      params,
    );
    if (!file) return undefined;
    return { name: file.name, content: new Uint8Array(Buffer.from(file.content_base64, 'base64')) };
  }

  private async exists(projectId: string, digest: string): Promise<boolean> {
    const params = new QueryParams();
    const found = await selectRows<{ found: number }>(
      this.context,
      `SELECT 1 AS found FROM ${this.context.table('files')}
       WHERE project_id = ${params.bind(projectId, 'String')} AND digest = ${params.bind(digest, 'String')}
       LIMIT 1`,
      params,
    );
    return found.length > 0;
  }
}
