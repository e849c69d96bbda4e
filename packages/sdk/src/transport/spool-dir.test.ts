/**
 * The spool folder on its own, in temporary folders: files appear whole or not at all, the folder
 * stays within its bound, claims keep a file to one process and stale claims are taken over,
 * files come oldest first, and a file is gone only when its sender says so.
 */
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type SpoolClaim, SpoolDir, type SpoolDirOptions } from './spool-dir.js';
import { parseRecord, serverId, serverKey } from './spool-format.js';

const folders: string[] = [];

afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/** A folder that does not exist yet, inside a fresh temporary one. */
function freshFolder(): string {
  const parent = mkdtempSync(join(tmpdir(), 'weft-spool-dir-'));
  folders.push(parent);
  return join(parent, 'spool');
}

const KEY = serverKey('http://127.0.0.1:6345');
const body = (text: string) => Buffer.from(`{"batch":[${JSON.stringify(text)}]}`);

/** A spool of process `pid` (alive unless listed in `dead`) on a clock the test moves. */
function spoolOf(path: string, pid: number, options: Partial<SpoolDirOptions> & { dead?: Set<number> } = {}) {
  const errors: string[] = [];
  const { dead = new Set<number>(), ...rest } = options;
  const dir = new SpoolDir(path, {
    serverKey: KEY,
    pid,
    isAlive: (other) => !dead.has(other),
    onError: (what, error) => errors.push(`${what}: ${String(error)}`),
    ...rest,
  });
  return { dir, errors };
}

async function write(dir: SpoolDir, text: string): Promise<string> {
  const file = await dir.prepare({ route: 'complete' }, body(text));
  if (!file) throw new Error('not written');
  expect(file.commit()).toBe(true);
  return file.name;
}

async function bodyOf(dir: SpoolDir, claim: SpoolClaim): Promise<string> {
  const record = await dir.read(claim);
  if (typeof record !== 'object') throw new Error(`unreadable: ${record}`);
  return record.body.toString();
}

describe('writing', () => {
  it('makes a file visible only once it is whole: written under a temporary name, then renamed', async () => {
    const path = freshFolder();
    const { dir } = spoolOf(path, 100);
    const file = await dir.prepare({ route: 'complete', projectId: 'e/p' }, body('one'));
    expect(file).toBeDefined();
    // Written and synced, not yet visible: only the temporary file is there, and it is not listed.
    expect(readdirSync(path)).toEqual([`${file?.name}.tmp`]);
    expect(await dir.pending()).toEqual([]);
    expect(file?.commit()).toBe(true);
    expect(readdirSync(path)).toEqual([file?.name]);
    expect(await dir.pending()).toEqual([{ file: file?.name, name: file?.name }]);
    // A header line, then the body exactly as it would be sent.
    const record = parseRecord(readFileSync(join(path, file?.name as string)));
    expect(record).toEqual({
      meta: { weftSpool: 1, bytes: body('one').length, route: 'complete', projectId: 'e/p' },
      body: body('one'),
    });
  });

  it('creates the folder for its owner only, and files readable by their owner only', async () => {
    const path = freshFolder();
    const { dir } = spoolOf(path, 100);
    const name = await write(dir, 'private');
    expect(statSync(path).mode & 0o777).toBe(0o700);
    expect(statSync(join(path, name)).mode & 0o777).toBe(0o600);
    // The synchronous write (at exit) too.
    const now = dir.writeNow({ route: 'complete' }, body('at exit'));
    expect(statSync(join(path, now as string)).mode & 0o777).toBe(0o600);
  });

  it('refuses a folder other users may write to: files put there would be sent with our key', async () => {
    const path = freshFolder();
    mkdirSync(path, { mode: 0o700 });
    chmodSync(path, 0o777);
    const { dir, errors } = spoolOf(path, 100);
    expect(await dir.prepare({ route: 'complete' }, body('one'))).toBeUndefined();
    expect(dir.writeNow({ route: 'complete' }, body('one'))).toBeUndefined();
    writeFileSync(join(path, `0000000001000-7-000000001.${KEY}.spool`), 'planted');
    expect(await dir.pending()).toEqual([]);
    expect(errors).toHaveLength(3);
    expect(errors[0]).toMatch(/writable by no one else/);
  });

  it('leaves nothing behind when a write is discarded', async () => {
    const path = freshFolder();
    const { dir } = spoolOf(path, 100);
    const file = await dir.prepare({ route: 'complete' }, body('unwanted'));
    file?.discard();
    await expect.poll(() => readdirSync(path)).toEqual([]);
  });

  it('removes the temporary files of a writer that died, and keeps those of one still writing', async () => {
    const path = freshFolder();
    const dead = new Set([200]);
    const { dir: writer } = spoolOf(path, 300);
    const { dir: reader } = spoolOf(path, 100, { dead });
    const inProgress = await writer.prepare({ route: 'complete' }, body('still writing'));
    const { dir: dying } = spoolOf(path, 200);
    await dying.prepare({ route: 'complete' }, body('cut off'));
    expect(readdirSync(path)).toHaveLength(2);
    expect(await reader.pending()).toEqual([]);
    expect(readdirSync(path)).toEqual([`${inProgress?.name}.tmp`]);
    expect(inProgress?.commit()).toBe(true);
    expect(await reader.pending()).toHaveLength(1);
  });

  it('reads a file cut short as corrupt, never as half a request', async () => {
    const path = freshFolder();
    const { dir } = spoolOf(path, 100);
    const name = await write(dir, 'whole');
    const bytes = readFileSync(join(path, name));
    writeFileSync(join(path, name), bytes.subarray(0, bytes.length - 3));
    const claim = await dir.claim(name);
    expect(await dir.read(claim as SpoolClaim)).toBe('corrupt');
    // A newer SDK's format is left alone rather than judged corrupt.
    writeFileSync((claim as SpoolClaim).path, '{"weftSpool":2,"bytes":0}\n');
    expect(await dir.read(claim as SpoolClaim)).toBe('foreign');
  });

  it('keeps credentials, queries and fragments out of the server it names', () => {
    expect(serverId('https://ada:secret@traces.example.com:8443/weft/?token=abc#x')).toBe(
      'https://traces.example.com:8443/weft',
    );
    expect(serverKey('http://ada:secret@127.0.0.1:6345/')).toBe(serverKey('http://127.0.0.1:6345'));
    expect(serverKey('http://127.0.0.1:6346')).not.toBe(serverKey('http://127.0.0.1:6345'));
  });
});

describe('the bound on bytes', () => {
  it('refuses a write that would take the folder past its bound, and takes writes again once there is room', async () => {
    const path = freshFolder();
    let now = 1_000_000;
    const { dir } = spoolOf(path, 100, { maxBytes: 400, now: () => now });
    const written: string[] = [];
    // Each file is a header of about 60 bytes and a body of 110: two fit, the third would not.
    for (let index = 0; index < 3; index++) {
      const file = await dir.prepare({ route: 'complete' }, body('x'.repeat(95)));
      if (file?.commit()) written.push(file.name);
    }
    expect(written).toHaveLength(2);
    expect(dir.full).toBe(true);
    expect(dir.writeNow({ route: 'complete' }, body('x'.repeat(95)))).toBeUndefined();
    const total = readdirSync(path).reduce((sum, file) => sum + statSync(join(path, file)).size, 0);
    expect(total).toBeLessThanOrEqual(400);
    // Another process sent and deleted a file: seen when the folder is counted again (not more
    // often than once a second).
    rmSync(join(path, written[0] as string));
    expect(await dir.prepare({ route: 'complete' }, body('x'.repeat(95)))).toBeUndefined();
    now += 1_000;
    const file = await dir.prepare({ route: 'complete' }, body('x'.repeat(95)));
    expect(file?.commit()).toBe(true);
    expect(dir.full).toBe(false);
  });

  it("counts every process's files against the bound", async () => {
    const path = freshFolder();
    const { dir: other } = spoolOf(path, 200);
    await write(other, 'x'.repeat(300));
    const { dir } = spoolOf(path, 100, { maxBytes: 500 });
    expect(await dir.prepare({ route: 'complete' }, body('x'.repeat(300)))).toBeUndefined();
  });
});

describe('claims', () => {
  it('lets one process claim a file: the other finds it gone, and does not list it while the holder lives', async () => {
    const path = freshFolder();
    const { dir: a } = spoolOf(path, 100);
    const { dir: b } = spoolOf(path, 200);
    const name = await write(a, 'one');
    const [listedByA] = await a.pending();
    const [listedByB] = await b.pending();
    const claim = await a.claim(listedByA?.file as string);
    expect(claim?.name).toBe(name);
    expect(readdirSync(path)).toEqual([`${name}.sending-100`]);
    expect(await b.claim(listedByB?.file as string)).toBeUndefined();
    expect(await b.pending()).toEqual([]);
    // Given back: anyone may take it again.
    await a.release(claim as SpoolClaim);
    expect(await b.pending()).toEqual([{ file: name, name }]);
  });

  it('takes over the claim of a process that died, exactly once among those who try', async () => {
    const path = freshFolder();
    const dead = new Set<number>();
    const { dir: a } = spoolOf(path, 100);
    const { dir: b } = spoolOf(path, 200, { dead });
    const { dir: c } = spoolOf(path, 300, { dead });
    const name = await write(a, 'orphan');
    await a.claim(name);
    expect(await b.pending()).toEqual([]);
    dead.add(100);
    const stale = `${name}.sending-100`;
    expect(await b.pending()).toEqual([{ file: stale, name }]);
    expect(await c.pending()).toEqual([{ file: stale, name }]);
    const claims = await Promise.all([b.claim(stale), c.claim(stale)]);
    expect(claims.filter((claim) => claim !== undefined)).toHaveLength(1);
    const taken = (claims[0] ?? claims[1]) as SpoolClaim;
    expect(await bodyOf(b, taken)).toBe(body('orphan').toString());
  });

  it('takes over a claim that was not touched for too long, even if its pid is alive (reused, or another host)', async () => {
    const path = freshFolder();
    const { dir: a } = spoolOf(path, 100);
    const { dir: b } = spoolOf(path, 200, { staleClaimMs: 60_000 });
    const name = await write(a, 'slow');
    const claim = (await a.claim(name)) as SpoolClaim;
    expect(await b.pending()).toEqual([]);
    const longAgo = new Date(Date.now() - 120_000);
    utimesSync(claim.path, longAgo, longAgo);
    expect(await b.pending()).toEqual([{ file: `${name}.sending-100`, name }]);
    // The holder touches its claim before every try: then it is not stale.
    await a.touch(claim);
    expect(await b.pending()).toEqual([]);
  });

  it("treats a claim with this process's pid that it does not hold as a dead namesake's", async () => {
    const path = freshFolder();
    const { dir } = spoolOf(path, process.pid);
    const name = await write(dir, 'left by an earlier process');
    // An earlier process with the same pid claimed it and died.
    renameSync(join(path, name), join(path, `${name}.sending-${process.pid}`));
    const stale = `${name}.sending-${process.pid}`;
    expect(await dir.pending()).toEqual([{ file: stale, name }]);
    // Its own claims it does not list again, whichever of its clients holds them.
    await dir.claim(stale);
    expect(await dir.pending()).toEqual([]);
    const { dir: otherClient } = spoolOf(path, process.pid);
    expect(await otherClient.pending()).toEqual([]);
  });

  it('gives a claimed file back synchronously (at exit)', async () => {
    const path = freshFolder();
    const { dir } = spoolOf(path, 100);
    const name = await write(dir, 'one');
    const claim = (await dir.claim(name)) as SpoolClaim;
    dir.releaseNow(claim);
    expect(readdirSync(path)).toEqual([name]);
  });
});

describe('order', () => {
  it('lists files oldest first: by time, then process, then sequence', async () => {
    const path = freshFolder();
    let now = 5_000;
    const clock = () => now;
    const { dir: a } = spoolOf(path, 200, { now: clock });
    const { dir: b } = spoolOf(path, 31, { now: clock });
    const order: string[] = [];
    order.push(await write(a, 'a1'));
    now = 10_000;
    // Same millisecond: the lower pid first (as numbers: 31 before 200), then each process's
    // sequence.
    order.push(await write(b, 'b1'));
    for (let index = 0; index < 10; index++) order.push(await write(b, `b${index + 2}`));
    order.push(await write(a, 'a2'));
    now = 100_000;
    order.push(await write(a, 'a3'));
    const { dir: reader } = spoolOf(path, 7);
    expect((await reader.pending()).map((file) => file.name)).toEqual(order);
  });

  it('lists only the files for its own server', async () => {
    const path = freshFolder();
    const { dir } = spoolOf(path, 100);
    const { dir: other } = spoolOf(path, 100, { serverKey: serverKey('http://elsewhere:1') });
    await write(other, 'for another server');
    expect(await dir.pending()).toEqual([]);
    expect(await other.pending()).toHaveLength(1);
  });
});

describe('deleting', () => {
  it('deletes a file only when told to, and counts its bytes out of the bound', async () => {
    const path = freshFolder();
    const { dir } = spoolOf(path, 100, { maxBytes: 250 });
    const name = await write(dir, 'x'.repeat(100));
    const claim = (await dir.claim(name)) as SpoolClaim;
    expect(await bodyOf(dir, claim)).toContain('x'.repeat(100));
    // Read, maybe sent: still there until removed.
    expect(readdirSync(path)).toHaveLength(1);
    expect(await dir.prepare({ route: 'complete' }, body('y'.repeat(100)))).toBeUndefined();
    expect(await dir.remove(claim)).toBe(true);
    expect(readdirSync(path)).toEqual([]);
    expect(await dir.prepare({ route: 'complete' }, body('y'.repeat(100)))).toBeDefined();
  });
});
