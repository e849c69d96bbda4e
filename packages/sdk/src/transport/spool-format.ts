/**
 * The spool's files on disk (spool-dir.ts keeps the folder).
 *
 * A file is one line of JSON (the header: format, body length, and the caller's fields), then the
 * body exactly as it would have gone over the wire: nothing is stored that would not be sent.
 *
 * Names are `<ms>-<pid>-<seq>.<server>.spool`: the time first, so a listing sorts oldest first;
 * `<server>` a hash of the server's URL, so that clients of different servers sharing a folder
 * never send one server's calls to another. `<name>.tmp` is a file being written,
 * `<name>.sending-<pid>` one claimed by a process that is sending it.
 */
import { createHash } from 'node:crypto';

/** Bumped when the file layout changes; a reader skips files of other formats. */
const FORMAT = 1;

const NAME = /^(\d+)-(\d+)-(\d+)\.([0-9a-f]+)\.spool(?:\.sending-(\d+)|(\.tmp))?$/;

/** What a spool file holds: the caller's header fields, and the body. */
export interface SpoolRecord {
  readonly meta: Readonly<Record<string, unknown>>;
  readonly body: Buffer;
}

/**
 * The server a URL names: its scheme, host and path, without credentials, a query or a fragment
 * (which do not name the server, and may hold secrets).
 */
export function serverId(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/+$/, '')}`;
  } catch {
    // Not a URL (an in-process server has none): the text itself names it.
    return url;
  }
}

/** The key in the names of a server's spool files: a short hash of `serverId(url)`. */
export function serverKey(url: string): string {
  return createHash('sha256').update(serverId(url)).digest('hex').slice(0, 16);
}

/** The name of a new spool file. */
export function spoolName(ms: number, pid: number, seq: number, key: string): string {
  return `${String(ms).padStart(13, '0')}-${pid}-${String(seq).padStart(9, '0')}.${key}.spool`;
}

/** The header line of a file holding `body` (the format's own fields first, and never overridden). */
export function encodeHeader(meta: Record<string, unknown>, body: Buffer): Buffer {
  const own = { weftSpool: FORMAT, bytes: body.length };
  return Buffer.from(`${JSON.stringify({ ...own, ...meta, ...own })}\n`);
}

/** What a file's name says. */
export interface ParsedName {
  file: string;
  name: string;
  ms: number;
  pid: number;
  seq: number;
  key: string;
  claimedBy: number | undefined;
  temp: boolean;
}

export function parseName(file: string): ParsedName | undefined {
  const match = NAME.exec(file);
  if (!match) return undefined;
  const [, ms, pid, seq, key, claimedBy, temp] = match;
  const name = `${ms}-${pid}-${seq}.${key}.spool`;
  return {
    file,
    name,
    ms: Number(ms),
    pid: Number(pid),
    seq: Number(seq),
    key: key as string,
    claimedBy: claimedBy === undefined ? undefined : Number(claimedBy),
    temp: temp !== undefined,
  };
}

/** A spool file's bytes as a record, or why not (see `SpoolDir.read`). */
export function parseRecord(data: Buffer): SpoolRecord | 'corrupt' | 'foreign' {
  const newline = data.indexOf(0x0a);
  if (newline < 0) return 'corrupt';
  let meta: unknown;
  try {
    meta = JSON.parse(data.toString('utf8', 0, newline));
  } catch {
    return 'corrupt';
  }
  if (typeof meta !== 'object' || meta === null || !('weftSpool' in meta)) return 'corrupt';
  const fields = meta as Record<string, unknown>;
  if (fields.weftSpool !== FORMAT) return 'foreign';
  const body = data.subarray(newline + 1);
  // A file cut short (the machine crashed before the disk had it all): never half a request.
  if (fields.bytes !== body.length) return 'corrupt';
  return { meta: fields, body };
}
