/**
 * The official Weave Python SDK (PyPI `weave`, pinned in requirements.txt) logs to weft unchanged.
 *
 * The test installs the SDK into test/weave-python/.venv (support/venv.ts), starts the real built
 * `weft serve` behind a recording proxy, and runs every scenario group (scripts/*.py, one process
 * each) twice: with the SDK's default settings, which send calls to the v2 routes
 * (`/v2/{entity}/{project}/calls/complete`, eager `/call/start` and `/call/end`), and with
 * WEAVE_USE_CALLS_COMPLETE=false, which sends them to `/call/upsert_batch`. Each group must exit 0
 * with every request answered 2xx (or as its group allows, with the reason); then what it logged
 * is read back through weft's HTTP API and weft's own SDK (groups/*.ts).
 *
 * Nothing but 127.0.0.1 is reached: the proxy variables point at a closed loopback port
 * (support/run-script.ts). How to add a group, and to debug one: README.md here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Call, resetClient } from 'weft';
import { objectName } from '../support/weft-reads.js';
import { GROUPS } from './groups/index.js';
import { MODES } from './support/run-script.js';
import { PythonSuite } from './support/suite.js';

const suite = new PythonSuite(GROUPS);

// The first run on a machine creates the venv: pip downloads weave and its dependencies.
beforeAll(() => suite.prepareVenv(), 15 * 60_000);
beforeAll(() => suite.runAll(), 5 * 60_000);

afterAll(async () => {
  resetClient();
  await suite.stop();
});

for (const mode of MODES) {
  describe(`${mode} mode`, () => {
    for (const group of GROUPS) describe(group.name, () => group.checks(suite, mode));
  });
}

/**
 * The two ways of sending calls must store the same thing: per group, each call the Python SDK
 * logged as (its op, its parent's op, inputs, output, exception type, status, display name), with
 * the project written out of the refs and the values that differ from run to run left out.
 */
describe('both modes', () => {
  for (const group of GROUPS.filter((each) => each.name !== 'init')) {
    it(`store the same calls for ${group.name}`, async () => {
      const [complete, legacy] = await Promise.all(
        MODES.map(async (mode) => {
          suite.completed(group.name, mode);
          const calls = await suite
            .weft(group.name, mode)
            .getCalls({ sortBy: [{ field: 'started_at', direction: 'asc' }] })
            .toArray();
          return shapes(calls, suite.project(group.name, mode));
        }),
      );
      expect(complete!.length).toBeGreaterThan(0);
      expect(legacy).toEqual(complete);
    });
  }
});

function shapes(calls: readonly Call[], project: string): string[] {
  const byId = new Map(calls.map((call) => [call.id, call]));
  const opOf = (call: Call | undefined) => (call ? objectName(call.op_name) : null);
  // Objects hold refs that name their project, so their digests differ between the projects of
  // the two modes; an op's digest comes from its source alone, and a Dataset row's from its
  // content, and those must be equal.
  const normalise = (value: unknown): unknown =>
    JSON.parse(
      JSON.stringify(value ?? null)
        .replaceAll(`weave:///${project}/`, 'weave:///<project>/')
        .replace(/(weave:\/\/\/<project>\/object\/[^:/"]+):[A-Za-z0-9]{43}/g, '$1:<digest>')
        // An evaluation's result rows hold the model's latency: their digests differ run to run.
        .replace(/(\/EvaluationResults:<digest>\/attr\/rows\/id\/)[A-Za-z0-9]{43}/g, '$1<row>'),
      (key, each) => (key === 'model_latency' || key === 'traceback' ? undefined : each),
    );
  return calls
    .filter((call) => (call.attributes.weave as { source?: string } | undefined)?.source === 'python-sdk')
    .map((call) =>
      JSON.stringify({
        op: opOf(call),
        parent: opOf(call.parent_id === null ? undefined : byId.get(call.parent_id)),
        inputs: normalise(call.inputs),
        output: normalise(call.output),
        exception: call.exception === null ? null : (JSON.parse(call.exception) as { type: string }).type,
        status: (call.summary?.weave as { status?: string } | undefined)?.status,
        display_name: call.display_name?.startsWith('eval-') ? '<generated>' : call.display_name,
      }),
    )
    .sort();
}
