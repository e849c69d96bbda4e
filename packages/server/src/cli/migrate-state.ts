/**
 * Where `weft migrate` has got to, kept in a small JSON file so that a run that stopped (killed,
 * a lost connection, a full disk) continues when started again with the same arguments. Every
 * write the copy makes is idempotent, so the state only needs to say what is certainly done: it
 * is saved after each batch is stored, and a batch stored just before a stop is sent again.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** How far one kind of one project has been copied. */
export interface KindProgress {
  done: boolean;
  /** The key of the last item copied (a call id, an object name, a digest); null before the first. */
  after: string | null;
  /** How many items were copied. */
  copied: number;
}

interface StateData {
  version: 1;
  /** Which migration this is: a hash of the stores and the project (migrationKey). */
  key: string;
  /** For people reading the file: the stores, without passwords. */
  from: string;
  to: string;
  project: string | null;
  apiKeysDone: boolean;
  projects: Record<string, Record<string, KindProgress>>;
}

/** Names a migration: the two stores as `storeIdentity` gives them, and the project (or all). */
export function migrationKey(from: string, to: string, project: string | null): string {
  return createHash('sha256')
    .update(JSON.stringify([from, to, project]))
    .digest('hex')
    .slice(0, 12);
}

/** The state file a migration uses unless told: in the current folder, named by its key. */
export function defaultStatePath(key: string): string {
  return resolve(`weft-migrate-${key}.json`);
}

export class MigrationState {
  private constructor(
    readonly path: string,
    private readonly data: StateData,
    /** The file existed: this run continues an earlier one. */
    readonly resumed: boolean,
  ) {}

  /**
   * The state at `path`, or a fresh one. A file left by a different migration (other stores or
   * project) is refused rather than continued.
   */
  static load(
    path: string,
    migration: { key: string; from: string; to: string; project: string | null },
  ): MigrationState {
    if (!existsSync(path)) {
      return new MigrationState(path, { version: 1, ...migration, apiKeysDone: false, projects: {} }, false);
    }
    const data = JSON.parse(readFileSync(path, 'utf8')) as StateData;
    if (data.version !== 1 || data.key !== migration.key) {
      throw new Error(
        `the state file ${path} belongs to another migration (${data.from} → ${data.to}${
          data.project ? `, project ${data.project}` : ''
        }): remove it, or pass --state with another file`,
      );
    }
    return new MigrationState(path, data, true);
  }

  get apiKeysDone(): boolean {
    return this.data.apiKeysDone;
  }

  markApiKeysDone(): void {
    this.data.apiKeysDone = true;
    this.save();
  }

  /** The progress of a kind of a project, to be changed in place and then `save`d. */
  progress(project: string, kind: string): KindProgress {
    const kinds = this.data.projects[project] ?? {};
    this.data.projects[project] = kinds;
    const found = kinds[kind] ?? { done: false, after: null, copied: 0 };
    kinds[kind] = found;
    return found;
  }

  /** Written whole to a file beside, then renamed over: a stop mid-write leaves the old state. */
  save(): void {
    const temporary = `${this.path}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(this.data, null, 1)}\n`);
    renameSync(temporary, this.path);
  }

  remove(): void {
    rmSync(this.path, { force: true });
  }
}
