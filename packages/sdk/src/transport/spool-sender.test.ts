/**
 * Sending the spool, against a fake handler (no network) and real temporary folders: oldest
 * first, each file deleted only after the server took it, failures retried then given back,
 * refusals counted, and two senders sharing a folder never sending one file twice.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { SpoolDir } from './spool-dir.js';
import { type SpoolRecord, serverKey } from './spool-format.js';
import { type SpoolHandler, SpoolSender, type SpoolSenderOptions } from './spool-sender.js';
import { TraceServerError } from './trace-server.js';

const folders: string[] = [];
let warn: MockInstance<typeof console.warn>;

beforeEach(() => {
  warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
});

afterEach(() => {
  warn.mockRestore();
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

const OPTIONS: SpoolSenderOptions = {
  retryBaseDelayMs: 1,
  retryMaxDelayMs: 5,
  maxRetryMs: 60_000,
  exitFlushTimeoutMs: 1_000,
};

function folderWith(pid: number, count: number): Promise<{ path: string; names: string[] }> {
  const path = join(mkdtempSync(join(tmpdir(), 'weft-spool-sender-')), 'spool');
  folders.push(path);
  return fill(path, pid, count);
}

async function fill(
  path: string,
  pid: number,
  count: number,
  prefix = '',
): Promise<{ path: string; names: string[] }> {
  let now = 1_000;
  const dir = new SpoolDir(path, { serverKey: serverKey(''), pid, now: () => now });
  const names: string[] = [];
  for (let index = 0; index < count; index++) {
    now += 1;
    const file = await dir.prepare({ parts: 2 }, Buffer.from(`request ${prefix}${index}`));
    file?.commit();
    names.push(file?.name as string);
  }
  return { path, names };
}

type Answer = 'ok' | TraceServerError | number;

/** Records every send, checks the file is still on disk (claimed) when it is sent, and answers. */
class FakeHandler implements SpoolHandler {
  readonly sent: string[] = [];
  readonly deliveredNames: string[] = [];
  stillOnDisk = true;

  constructor(
    private readonly path: string,
    private readonly answers: Answer[] = [],
    private readonly then: Answer = 'ok',
  ) {}

  partsOf(record: SpoolRecord): number | undefined {
    return typeof record.meta.parts === 'number' ? record.meta.parts : undefined;
  }

  async send(record: SpoolRecord, _signal: AbortSignal): Promise<number> {
    const claimed = readdirSync(this.path).filter((file) => file.includes('.sending-'));
    if (claimed.length === 0) this.stillOnDisk = false;
    this.sent.push(record.body.toString());
    const answer = this.answers.shift() ?? this.then;
    if (answer instanceof TraceServerError) throw answer;
    return answer === 'ok' ? 0 : answer;
  }

  delivered(name: string): void {
    this.deliveredNames.push(name);
  }
}

const noAnswer = () => new TraceServerError('POST /v2/e/p/calls/complete failed: ECONNREFUSED', undefined);
const status = (code: number) => new TraceServerError(`POST /v2/e/p/calls/complete returned ${code}`, code);

function senderFor(path: string, handler: SpoolHandler, pid = 4242, options = OPTIONS) {
  return new SpoolSender(new SpoolDir(path, { serverKey: serverKey(''), pid }), handler, options, () => 0.5);
}

describe('sending the spool', () => {
  it('sends files oldest first, and deletes each only after the server took it', async () => {
    const { path, names } = await folderWith(100, 5);
    const handler = new FakeHandler(path);
    const sender = senderFor(path, handler);
    sender.start();
    await sender.idle();
    expect(handler.sent).toEqual([0, 1, 2, 3, 4].map((index) => `request ${index}`));
    // Each was still on disk (claimed) while it was sent.
    expect(handler.stillOnDisk).toBe(true);
    expect(handler.deliveredNames).toEqual(names);
    expect(readdirSync(path)).toEqual([]);
    expect(sender.stats).toEqual({ sentParts: 10, rejectedParts: 0 });
  });

  it('retries a failing file with backoff, keeping it until a send succeeds', async () => {
    const { path } = await folderWith(100, 2);
    const handler = new FakeHandler(path, [noAnswer(), status(503), status(429)]);
    const sender = senderFor(path, handler);
    sender.start();
    await sender.idle();
    expect(handler.sent).toEqual(['request 0', 'request 0', 'request 0', 'request 0', 'request 1']);
    expect(handler.stillOnDisk).toBe(true);
    expect(readdirSync(path)).toEqual([]);
  });

  it('gives a file back and stops once the server has failed for maxRetryMs', async () => {
    const { path, names } = await folderWith(100, 3);
    const handler = new FakeHandler(path, [], noAnswer());
    const sender = senderFor(path, handler, 4242, { ...OPTIONS, maxRetryMs: 20 });
    sender.start();
    await sender.idle();
    // Only the oldest was tried; every file is back under its own name for a later run.
    expect(new Set(handler.sent)).toEqual(new Set(['request 0']));
    expect(readdirSync(path).sort()).toEqual([...names].sort());
    expect(sender.stats).toEqual({ sentParts: 0, rejectedParts: 0 });
  });

  it('deletes and counts a file the server refuses, and counts parts refused one by one', async () => {
    const { path } = await folderWith(100, 3);
    const handler = new FakeHandler(path, [status(400), 1]);
    const sender = senderFor(path, handler);
    sender.start();
    await sender.idle();
    expect(handler.sent).toEqual(['request 0', 'request 1', 'request 2']);
    expect(readdirSync(path)).toEqual([]);
    expect(sender.stats).toEqual({ sentParts: 3, rejectedParts: 3 });
  });

  it.each([401, 403, 404])('keeps the files for another process after a %i, and stops', async (code) => {
    const { path, names } = await folderWith(100, 2);
    const handler = new FakeHandler(path, [status(code)]);
    const sender = senderFor(path, handler);
    sender.start();
    await sender.idle();
    expect(handler.sent).toEqual(['request 0']);
    expect(readdirSync(path).sort()).toEqual([...names].sort());
  });

  it('sends each file once when two processes send one folder at the same time', async () => {
    const { path } = await folderWith(100, 30);
    await fill(path, 101, 30, 'b');
    const first = new FakeHandler(path);
    const second = new FakeHandler(path);
    const senders = [senderFor(path, first, 1), senderFor(path, second, 2)];
    for (const sender of senders) sender.start();
    await Promise.all(senders.map((sender) => sender.idle()));
    const sent = [...first.sent, ...second.sent];
    expect(sent).toHaveLength(60);
    expect(new Set(sent).size).toBe(60);
    expect(readdirSync(path)).toEqual([]);
  });

  it('looks at the folder again when asked to start while it is sending', async () => {
    const { path } = await folderWith(100, 1);
    let sender: SpoolSender | undefined;
    const handler = new FakeHandler(path);
    const send = handler.send.bind(handler);
    let added = false;
    handler.send = async (record, signal) => {
      // A file spooled while the run is under way (its listing is done): the next start finds it.
      if (!added) {
        added = true;
        await fill(path, 300, 1, 'c');
        sender?.start();
      }
      return send(record, signal);
    };
    sender = senderFor(path, handler);
    sender.start();
    await sender.idle();
    expect(handler.sent).toHaveLength(2);
    expect(readdirSync(path)).toEqual([]);
  });

  it('at exit, stops at once while failing and gives the file it holds back', async () => {
    const { path, names } = await folderWith(100, 2);
    const handler = new FakeHandler(path, [], noAnswer());
    const sender = senderFor(path, handler, 4242, {
      ...OPTIONS,
      retryBaseDelayMs: 10_000,
      retryMaxDelayMs: 10_000,
    });
    sender.start();
    await expect.poll(() => handler.sent.length).toBe(1);
    // Waiting for its retry; the process is exiting.
    sender.flushForExit();
    await sender.idle();
    expect(readdirSync(path).sort()).toEqual([...names].sort());
    expect(existsSync(path)).toBe(true);
  });

  it('at exit, lets a run that is making progress go on only until the exit deadline', async () => {
    const { path, names } = await folderWith(100, 3);
    const handler = new FakeHandler(path);
    const send = handler.send.bind(handler);
    // The first file goes through; the second hangs (a server that no longer answers) until aborted.
    handler.send = (record, signal) =>
      handler.sent.length === 0
        ? send(record, signal)
        : new Promise<number>((_resolve, reject) => {
            handler.sent.push(record.body.toString());
            signal.addEventListener('abort', () => reject(noAnswer()));
          });
    const sender = senderFor(path, handler, 4242, { ...OPTIONS, exitFlushTimeoutMs: 50 });
    sender.start();
    await expect.poll(() => handler.sent.length).toBe(2);
    sender.flushForExit();
    await sender.idle();
    expect(handler.sent).toEqual(['request 0', 'request 1']);
    // The one sent is gone; the one it was sending is back under its name, with the one not tried.
    expect(readdirSync(path).sort()).toEqual(names.slice(1).sort());
  });

  it('at the exit deadline, gives the file it is sending back synchronously', async () => {
    const { path, names } = await folderWith(100, 1);
    const handler = new FakeHandler(path);
    let sending: () => void = () => undefined;
    handler.send = () =>
      new Promise<number>((_resolve, reject) => {
        sending = () => reject(noAnswer());
      });
    const sender = senderFor(path, handler);
    sender.start();
    await expect.poll(() => readdirSync(path).some((file) => file.includes('.sending-'))).toBe(true);
    sender.abandon();
    expect(readdirSync(path)).toEqual(names);
    sending();
    await sender.idle();
    expect(readdirSync(path)).toEqual(names);
    // Closed for good: the process is exiting.
    sender.start();
    await sender.idle();
    expect(readdirSync(path)).toEqual(names);
  });
});
