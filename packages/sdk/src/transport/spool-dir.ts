/**
 * The disk spool (`WEFT_SPOOL_DIR`): a folder of request bodies that could not be delivered, one
 * file per request, kept until a process using the same folder reaches the server. Only files
 * and names live here (their format in spool-format.ts); what a body means and where it goes is
 * the caller's (call-spool.ts). The folder is made with mode 0700 and not used if another user
 * may write to it (their files would be sent with this process's key). The life of a file:
 * - written as `<name>.tmp` (mode 0600), synced, then renamed: a reader never sees half a file;
 * - claimed by the process that sends it by renaming it to `<name>.sending-<pid>` (a rename is
 *   atomic, so of two processes claiming one file, one finds it gone: no file is sent by two at
 *   once); released by renaming it back, deleted once the server accepted it;
 * - a claim is stale when its process is gone, or when it has not been touched (the holder
 *   touches it before every try) for `staleClaimMs`, which also covers a pid reused by another
 *   process or a folder shared across hosts; a stale claim is claimed again.
 *
 * The folder's total size is bounded (`maxBytes`, every file counted, of every process). Processes
 * sharing a folder each add their own writes to the total they last counted, and count again
 * (at most once a second) when that reaches the bound, so the bound holds to within the writes
 * in flight. Nothing here throws: trouble goes to `onError` and the operation reports failure.
 */
import {
  closeSync,
  fdatasyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  type Stats,
  statSync,
  unlinkSync,
  writevSync,
} from 'node:fs';
import { mkdir, open, readdir, readFile, rename, stat, unlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import {
  encodeHeader,
  type ParsedName,
  parseName,
  parseRecord,
  type SpoolRecord,
  spoolName,
} from './spool-format.js';

export const DEFAULT_MAX_SPOOL_BYTES = 1024 ** 3;
const DEFAULT_STALE_CLAIM_MS = 10 * 60_000;
/** Counting the folder reads every file's size: not more often than this. */
const RECOUNT_MS = 1_000;

export interface SpoolDirOptions {
  /** A short hash of the server URL (`serverKey`): the files this folder reads and writes. */
  serverKey: string;
  /** Bound on the folder's total bytes (default 1 GiB). */
  maxBytes?: number;
  /** Trouble with the disk; the operation that met it reports failure. */
  onError?: (what: string, error: unknown) => void;
  /** A claim not touched for this long is stale whoever holds it (default 10 min). */
  staleClaimMs?: number;
  /** For tests: this process's id, whether another one is alive, and the clock. */
  pid?: number;
  isAlive?: (pid: number) => boolean;
  now?: () => number;
}

/** A file listed by `pending`: its name in the folder now, and its name when not claimed. */
export interface SpoolFile {
  readonly file: string;
  readonly name: string;
}

/** A file this process has claimed: it alone sends it until it releases or removes it. */
export interface SpoolClaim {
  /** The file's name when not claimed. */
  readonly name: string;
  readonly path: string;
}

/** A file written under its temporary name: `commit` makes it visible, `discard` removes it. */
export interface PendingSpoolFile {
  readonly name: string;
  /** Synchronous, so the caller can decide and commit in one step. False if the rename failed. */
  commit(): boolean;
  discard(): void;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is another user's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Throws unless the folder is owned by this user and writable by no one else: a file another user
 * put there would be sent with this process's API key. (Windows has no uids: not checked there.)
 */
function checkOwner(path: string, stats: Stats): void {
  const uid = process.getuid?.();
  if (uid === undefined) return;
  if (stats.uid !== uid || (stats.mode & 0o022) !== 0) {
    throw new Error(`${path} must belong to this user and be writable by no one else (chmod 700)`);
  }
}

const code = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code;

// Process-wide, since two clients of one process may share a folder: names never collide, and
// a claim or a temporary file of this process is never taken for a dead namesake's.
let sequence = 0;
/** Paths of the claims this process holds. */
const held = new Set<string>();
/** Paths of the temporary files this process is writing. */
const writing = new Set<string>();

export class SpoolDir {
  readonly maxBytes: number;
  /** Whether the last write was refused for the bound (and no room was seen since). */
  full = false;
  private readonly key: string;
  private readonly pid: number;
  private readonly staleClaimMs: number;
  private readonly isAlive: (pid: number) => boolean;
  private readonly now: () => number;
  private readonly onError: (what: string, error: unknown) => void;
  /** The folder exists and is this user's alone (see `checkOwner`). */
  private folderReady = false;
  /** The folder's bytes as last counted, plus this process's writes since, minus its deletions. */
  private usedBytes: number | undefined;
  private countedAt = Number.NEGATIVE_INFINITY;

  constructor(
    readonly path: string,
    options: SpoolDirOptions,
  ) {
    this.key = options.serverKey;
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_SPOOL_BYTES;
    this.pid = options.pid ?? process.pid;
    this.staleClaimMs = options.staleClaimMs ?? DEFAULT_STALE_CLAIM_MS;
    this.isAlive = options.isAlive ?? isAlive;
    this.now = options.now ?? Date.now;
    this.onError = options.onError ?? (() => undefined);
  }

  // ---- writing ---------------------------------------------------------------------------------

  /**
   * Writes a record under a temporary name and syncs it; undefined when it cannot (the bound is
   * reached: `full` is then true; or the disk failed: reported to onError).
   */
  async prepare(meta: Record<string, unknown>, body: Buffer): Promise<PendingSpoolFile | undefined> {
    const header = encodeHeader(meta, body);
    const size = header.length + body.length;
    if (!(await this.ready(true))) return undefined;
    try {
      if (this.needsCount(size)) this.counted(await this.count());
    } catch (error) {
      this.onError('the spool folder cannot be used', error);
      return undefined;
    }
    if (!this.reserve(size)) return undefined;
    const name = this.nextName();
    const temp = join(this.path, `${name}.tmp`);
    writing.add(temp);
    try {
      const handle = await open(temp, 'wx', 0o600);
      try {
        const { bytesWritten } = await handle.writev([header, body]);
        if (bytesWritten !== size) throw new Error(`wrote ${bytesWritten} of ${size} bytes`);
        await handle.datasync();
      } finally {
        await handle.close();
      }
    } catch (error) {
      writing.delete(temp);
      this.unreserve(size);
      // The folder was removed meanwhile: made again on the next write.
      if (code(error) === 'ENOENT') this.folderReady = false;
      await unlink(temp).catch(() => undefined);
      this.onError('writing to the spool failed', error);
      return undefined;
    }
    return {
      name,
      commit: () => {
        writing.delete(temp);
        try {
          renameSync(temp, join(this.path, name));
          return true;
        } catch (error) {
          this.unreserve(size);
          this.onError('writing to the spool failed', error);
          this.removeQuietly(temp);
          return false;
        }
      },
      discard: () => {
        writing.delete(temp);
        this.unreserve(size);
        void unlink(temp).catch(() => undefined);
      },
    };
  }

  /** `prepare` and `commit` in one, synchronously (at process exit). The file's name, or undefined. */
  writeNow(meta: Record<string, unknown>, body: Buffer): string | undefined {
    const header = encodeHeader(meta, body);
    const size = header.length + body.length;
    if (!this.readyNow()) return undefined;
    try {
      if (this.needsCount(size)) this.counted(this.countNow());
    } catch (error) {
      this.onError('the spool folder cannot be used', error);
      return undefined;
    }
    if (!this.reserve(size)) return undefined;
    const name = this.nextName();
    const temp = join(this.path, `${name}.tmp`);
    try {
      const fd = openSync(temp, 'wx', 0o600);
      try {
        const written = writevSync(fd, [header, body]);
        if (written !== size) throw new Error(`wrote ${written} of ${size} bytes`);
        fdatasyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temp, join(this.path, name));
      return name;
    } catch (error) {
      this.unreserve(size);
      if (code(error) === 'ENOENT') this.folderReady = false;
      this.removeQuietly(temp);
      this.onError('writing to the spool failed', error);
      return undefined;
    }
  }

  /**
   * Makes the folder if asked (0700: the calls in it are the user's) and checks it is this user's
   * alone; false (reported, unless it just does not exist yet) when it cannot be used.
   */
  private async ready(create: boolean): Promise<boolean> {
    if (this.folderReady) return true;
    try {
      if (create) await mkdir(this.path, { recursive: true, mode: 0o700 });
      checkOwner(this.path, await stat(this.path));
      this.folderReady = true;
    } catch (error) {
      if (create || code(error) !== 'ENOENT') this.onError('the spool folder cannot be used', error);
    }
    return this.folderReady;
  }

  private readyNow(): boolean {
    if (this.folderReady) return true;
    try {
      mkdirSync(this.path, { recursive: true, mode: 0o700 });
      checkOwner(this.path, statSync(this.path));
      this.folderReady = true;
    } catch (error) {
      this.onError('the spool folder cannot be used', error);
    }
    return this.folderReady;
  }

  private nextName(): string {
    sequence += 1;
    return spoolName(this.now(), this.pid, sequence, this.key);
  }

  private needsCount(size: number): boolean {
    if (this.usedBytes === undefined) return true;
    return this.usedBytes + size > this.maxBytes && this.now() - this.countedAt >= RECOUNT_MS;
  }

  private counted(bytes: number): void {
    this.usedBytes = bytes;
    this.countedAt = this.now();
  }

  private reserve(size: number): boolean {
    const used = this.usedBytes ?? 0;
    if (used + size > this.maxBytes) {
      this.full = true;
      return false;
    }
    this.full = false;
    this.usedBytes = used + size;
    return true;
  }

  private unreserve(size: number): void {
    if (this.usedBytes !== undefined) this.usedBytes = Math.max(0, this.usedBytes - size);
  }

  /** Every file's size, whoever wrote it (temporary files and claims included). */
  private async count(): Promise<number> {
    let total = 0;
    for (const file of await readdir(this.path)) {
      try {
        total += (await stat(join(this.path, file))).size;
      } catch {
        // Deleted or renamed while counting: its new name, if any, is counted or will be.
      }
    }
    return total;
  }

  private countNow(): number {
    let total = 0;
    for (const file of readdirSync(this.path)) {
      try {
        total += statSync(join(this.path, file)).size;
      } catch {
        // As in count().
      }
    }
    return total;
  }

  // ---- sending ---------------------------------------------------------------------------------

  /**
   * Names of the files for this server that may be claimed (unclaimed, or stale claims), oldest
   * first. Removes temporary files their writer left behind.
   */
  async pending(): Promise<SpoolFile[]> {
    if (!(await this.ready(false))) return [];
    let files: string[];
    try {
      files = await readdir(this.path);
    } catch (error) {
      if (code(error) !== 'ENOENT') this.onError('reading the spool folder failed', error);
      return [];
    }
    const found: ParsedName[] = [];
    for (const file of files) {
      const parsed = parseName(file);
      if (!parsed) continue;
      if (parsed.temp) {
        if (await this.abandonedTemp(parsed)) this.removeQuietly(join(this.path, file));
      } else if (parsed.key === this.key) {
        if (parsed.claimedBy === undefined || (await this.staleClaim(parsed))) found.push(parsed);
      }
    }
    found.sort((a, b) => a.ms - b.ms || a.pid - b.pid || a.seq - b.seq);
    return found.map(({ file, name }) => ({ file, name }));
  }

  /** Claims a file listed by `pending`; undefined if another process got it first (or it is gone). */
  async claim(file: string): Promise<SpoolClaim | undefined> {
    const parsed = parseName(file);
    if (!parsed || parsed.temp) return undefined;
    const path = join(this.path, `${parsed.name}.sending-${this.pid}`);
    try {
      await rename(join(this.path, file), path);
    } catch (error) {
      if (code(error) !== 'ENOENT') this.onError('claiming a spool file failed', error);
      return undefined;
    }
    held.add(path);
    const claim = { name: parsed.name, path };
    // A rename keeps the file's time; the claim's age counts from now.
    await this.touch(claim);
    return claim;
  }

  /** Marks a claim as still held (see `staleClaimMs`). */
  async touch(claim: SpoolClaim): Promise<void> {
    const now = new Date(this.now());
    await utimes(claim.path, now, now).catch(() => undefined);
  }

  /**
   * The record in a claimed file: `corrupt` when it is not a whole spool file (it will never be
   * sendable), `foreign` when it is another format's (a newer SDK's: left alone), undefined when
   * it could not be read.
   */
  async read(claim: SpoolClaim): Promise<SpoolRecord | 'corrupt' | 'foreign' | undefined> {
    let data: Buffer;
    try {
      data = await readFile(claim.path);
    } catch (error) {
      this.onError('reading a spool file failed', error);
      return undefined;
    }
    return parseRecord(data);
  }

  /** Deletes a claimed file (it was delivered, or can never be). False if that failed. */
  async remove(claim: SpoolClaim): Promise<boolean> {
    held.delete(claim.path);
    try {
      const { size } = await stat(claim.path);
      await unlink(claim.path);
      this.unreserve(size);
      return true;
    } catch (error) {
      // Gone already: another process judged our claim stale and took the file over.
      if (code(error) === 'ENOENT') return true;
      this.onError('deleting a sent spool file failed', error);
      return false;
    }
  }

  /** Gives a claimed file back for a later try, by this process or another. */
  async release(claim: SpoolClaim): Promise<void> {
    held.delete(claim.path);
    await rename(claim.path, join(this.path, claim.name)).catch((error: unknown) => {
      if (code(error) !== 'ENOENT') this.onError('releasing a spool file failed', error);
    });
  }

  /** `release`, synchronously (at process exit). */
  releaseNow(claim: SpoolClaim): void {
    held.delete(claim.path);
    try {
      renameSync(claim.path, join(this.path, claim.name));
    } catch (error) {
      if (code(error) !== 'ENOENT') this.onError('releasing a spool file failed', error);
    }
  }

  /** Names of the files in the folder now, claimed or not (synchronous, for the exit report). */
  presentNow(): Set<string> | undefined {
    try {
      const names = new Set<string>();
      for (const file of readdirSync(this.path)) {
        const parsed = parseName(file);
        if (parsed && !parsed.temp) names.add(parsed.name);
      }
      return names;
    } catch {
      return undefined;
    }
  }

  private async staleClaim(parsed: ParsedName): Promise<boolean> {
    if (parsed.claimedBy === this.pid) return !held.has(join(this.path, parsed.file));
    if (parsed.claimedBy === undefined || !this.isAlive(parsed.claimedBy)) return true;
    return this.untouchedFor(parsed.file, this.staleClaimMs);
  }

  private async abandonedTemp(parsed: ParsedName): Promise<boolean> {
    const path = join(this.path, parsed.file);
    if (parsed.pid === this.pid) return !writing.has(path);
    if (!this.isAlive(parsed.pid)) return true;
    return this.untouchedFor(parsed.file, this.staleClaimMs);
  }

  private async untouchedFor(file: string, ms: number): Promise<boolean> {
    try {
      return this.now() - (await stat(join(this.path, file))).mtimeMs > ms;
    } catch {
      return false;
    }
  }

  private removeQuietly(path: string): void {
    try {
      unlinkSync(path);
    } catch {
      // Gone already, or not ours to remove: nothing more to do.
    }
  }
}
