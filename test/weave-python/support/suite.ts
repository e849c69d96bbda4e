/**
 * The harness of test/weave-python: one real `weft serve`, the recording proxy in front of it,
 * the venv with the official `weave` package, and every scenario group run once per mode.
 *
 * A group is a script in scripts/ plus the checks that read what it logged back through weft
 * (groups/*.ts). Each (group, mode) pair logs to its own project and proxy prefix, so all of them
 * run side by side in one `beforeAll`; the checks then only read.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { init, type WeaveClient } from 'weft';
import { type Exchange, type RecordingProxy, startRecordingProxy } from '../../support/recording-proxy.js';
import { authHeaders, type WeftReader, weftReader } from '../../support/weft-reads.js';
import {
  CLI_PATH,
  cliStoreArgs,
  removeDataDir,
  startWeftServer,
  type WeftServerProcess,
} from '../../support/weft-server.js';
import { type DeadPort, MODES, type Mode, runScript, type ScriptRun, startDeadPort } from './run-script.js';
import { ensureVenv } from './venv.js';

/** The entity weft gives project names without one (`weft serve --default-entity`). */
export const DEFAULT_ENTITY = 'py-default';
/** The user of the API key the suite's server requires (docs/protocol.md §19). */
export const KEY_USER = 'py-tester';

/**
 * A non-2xx answer a scenario is allowed to get: one the client is documented to expect and
 * handle, or a gap in weft that a later issue closes. Either way the reason is written down, and
 * `count` pins how many such requests the scenario makes, so the allowance cannot outlive the
 * behaviour it describes.
 */
export interface AllowedStatus {
  method: string;
  /** The path weft saw (the group's project is already in it for /v2 routes). */
  path: string;
  status: number;
  reason: string;
  /** Exactly this many such requests; omitted: one or more. */
  count?: number;
  /** A stderr line the client prints for each of these requests (not an unexpected error). */
  clientLog?: RegExp;
}

export interface PythonGroup {
  /** Names the group's project (`py-<mode>/<name>`) and proxy prefix. */
  name: string;
  /** The script in scripts/. */
  script: string;
  /** More WEFT_PY_* variables for the script. */
  vars?(mode: Mode): Record<string, string>;
  allowedStatuses?(mode: Mode): AllowedStatus[];
  /** Registers the group's tests (inside a describe for the mode). */
  checks(suite: PythonSuite, mode: Mode): void;
}

/** stderr lines that report trouble; each must be explained by an AllowedStatus. */
const TROUBLE = /error|traceback|fail|drop|retry|exception/i;

export class PythonSuite {
  readonly groups: readonly PythonGroup[];
  private server: WeftServerProcess | undefined;
  private proxy: RecordingProxy | undefined;
  private python: string | undefined;
  private deadPort: DeadPort | undefined;
  private key: string | undefined;
  private readonly runs = new Map<string, ScriptRun>();

  constructor(groups: readonly PythonGroup[]) {
    this.groups = groups;
  }

  /** Creates or reuses the venv (slow the first time: pip downloads weave and its dependencies). */
  async prepareVenv(): Promise<void> {
    this.python = (await ensureVenv()).python;
  }

  /** Starts weft and the proxy and runs every group in both modes, a few at a time. */
  async runAll(parallel = 3): Promise<void> {
    if (!this.python) throw new Error('prepareVenv() first');
    // The server requires API keys, as a shared one does: the SDK sends the key it is given, and
    // what it stores is signed with the key's user.
    const dataDir = mkdtempSync(join(tmpdir(), 'weft-python-'));
    const apiKey = execFileSync(
      process.execPath,
      [CLI_PATH, 'keys', 'create', '--user', KEY_USER, ...cliStoreArgs(dataDir)],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    ).trim();
    this.key = apiKey;
    this.server = await startWeftServer({ dataDir, args: ['--default-entity', DEFAULT_ENTITY] });
    this.proxy = await startRecordingProxy(this.server.url, { keepRequestBodies: true });
    this.deadPort = await startDeadPort();
    const deadPort = this.deadPort.port;
    const queue = MODES.flatMap((mode) => this.groups.map((group) => ({ group, mode })));
    const python = this.python;
    const worker = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const { group, mode } = next;
        const run = await runScript({
          python,
          script: group.script,
          mode,
          baseUrl: this.proxy!.urlFor(key(group.name, mode)),
          deadPort,
          apiKey,
          vars: { PROJECT: this.project(group.name, mode), ...(group.vars?.(mode) ?? {}) },
        });
        this.runs.set(key(group.name, mode), run);
      }
    };
    await Promise.all(Array.from({ length: parallel }, worker));
  }

  async stop(): Promise<void> {
    await this.proxy?.close();
    await this.deadPort?.close();
    if (this.server) {
      await this.server.stop();
      removeDataDir(this.server.dataDir);
    }
  }

  get serverUrl(): string {
    if (!this.server) throw new Error('weft is not running');
    return this.server.url;
  }

  get reader(): WeftReader {
    return weftReader(this.serverUrl, { apiKey: this.apiKey });
  }

  /** The key every request to the suite's server needs. */
  get apiKey(): string {
    if (!this.key) throw new Error('weft is not running');
    return this.key;
  }

  /** The Authorization header of the suite's key, for requests made by hand. */
  get authHeaders(): Record<string, string> {
    return authHeaders(this.apiKey);
  }

  /** The `entity/project` a group logs to in a mode. */
  project(group: string, mode: Mode): string {
    return `py-${mode}/${group}`;
  }

  /** weft's own SDK, reading the group's project. */
  weft(group: string, mode: Mode): WeaveClient {
    return init(this.project(group, mode), { serverUrl: this.serverUrl, apiKey: this.apiKey });
  }

  run(group: string, mode: Mode): ScriptRun {
    const run = this.runs.get(key(group, mode));
    if (!run) throw new Error(`group ${group} did not run in ${mode} mode`);
    return run;
  }

  exchanges(group: string, mode: Mode): Exchange[] {
    return this.proxy?.exchanges(key(group, mode)) ?? [];
  }

  /**
   * The script's RESULT, after checking that the run was clean: exit 0, nothing in the client's
   * dropped-items log, every request answered 2xx or as the group allows, and no trouble on
   * stderr other than the client's log lines for the allowed statuses.
   */
  completed<T>(groupName: string, mode: Mode): T {
    const group = this.groups.find((each) => each.name === groupName);
    if (!group) throw new Error(`no group ${groupName}`);
    const run = this.run(groupName, mode);
    const context = `${groupName} (${mode})\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
    expect(run.exitCode, context).toBe(0);
    expect(run.signal, context).toBeNull();
    expect(run.droppedItemsLog, context).toBeUndefined();

    // Every request of every run carried its run's prefix (none lost its base URL's path).
    expect(this.proxy?.unrouted(), 'requests without a group prefix').toEqual([]);
    const allowed = group.allowedStatuses?.(mode) ?? [];
    const exchanges = this.exchanges(groupName, mode);
    const unexpected = exchanges.filter(
      (exchange) =>
        exchange.dropped !== undefined ||
        (exchange.status >= 300 && !allowed.some((allow) => matches(allow, exchange))),
    );
    expect(
      unexpected.map((exchange) => ({ ...exchange, requestBody: exchange.requestBody?.slice(0, 2000) })),
      `requests ${groupName} (${mode}) did not expect; weft's log:\n${this.server?.output() ?? ''}`,
    ).toEqual([]);
    for (const allow of allowed) {
      const seen = exchanges.filter((exchange) => matches(allow, exchange)).length;
      const what = `${allow.method} ${allow.path} → ${allow.status} (${allow.reason})`;
      if (allow.count === undefined) expect(seen, what).toBeGreaterThan(0);
      else expect(seen, what).toBe(allow.count);
    }

    const trouble = run.stderr
      .split('\n')
      .filter((line) => TROUBLE.test(line))
      .filter((line) => !allowed.some((allow) => allow.clientLog?.test(line)));
    expect(trouble, context).toEqual([]);
    expect(run.result, context).toBeDefined();
    return run.result as T;
  }

  /**
   * The routes a group's client used, each once, sorted; `/v2/<entity>/<project>/…` must name
   * the group's own project and is shown as `/v2/{entity}/{project}/…`.
   */
  routesUsed(group: string, mode: Mode, projects = [this.project(group, mode)]): string[] {
    const routes = this.exchanges(group, mode).map((exchange) => {
      const v2 = /^\/v2\/([^/]+)\/([^/]+)(\/.*)$/.exec(exchange.path);
      if (!v2) return `${exchange.method} ${exchange.path}`;
      expect(projects).toContain(`${v2[1]}/${v2[2]}`);
      return `${exchange.method} /v2/{entity}/{project}${v2[3]}`;
    });
    return [...new Set(routes)].sort();
  }

  /** The JSON bodies of a group's requests to one path. */
  requestBodies(group: string, mode: Mode, method: string, path: string): unknown[] {
    return this.exchanges(group, mode)
      .filter((exchange) => exchange.method === method && exchange.path === path)
      .map((exchange) => JSON.parse(exchange.requestBody ?? 'null'));
  }
}

function key(group: string, mode: Mode): string {
  return `${group}-${mode}`;
}

function matches(allow: AllowedStatus, exchange: Exchange): boolean {
  return allow.method === exchange.method && allow.path === exchange.path && allow.status === exchange.status;
}

/** Matches the ref of any version of op `name` in `project`: `weave:///<project>/op/<name>:<digest>`. */
export function opRefPattern(project: string, name: string): RegExp {
  const escaped = `weave:///${project}/op/${name}:`.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return new RegExp(`^${escaped}[A-Za-z0-9]{43}$`);
}

/** `it` for a check that needs the group's run to have completed cleanly first. */
export function itCompleted<T>(
  suite: PythonSuite,
  group: string,
  mode: Mode,
  name: string,
  check: (result: T) => Promise<void> | void,
): void {
  it(name, async () => {
    await check(suite.completed<T>(group, mode));
  });
}
