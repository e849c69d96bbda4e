/**
 * scripts/objects.py: weave.publish of a dict, a weave.Object subclass and a weave.Dataset;
 * weave.ref(uri).get() and client.get(ref); a Dataset row passed to an op; a Dataset of over
 * 1,000 rows (sent in parts with /table/create_from_digests); delete_object_version /
 * delete_op_version.
 */
import { parseRef } from '@weft/protocol';
import { expect, it } from 'vitest';
import { Dataset, op } from 'weft';
import { postJson } from '../../support/weft-server.js';
import { itCompleted, opRefPattern, type PythonGroup } from '../support/suite.js';

interface ObjectsResult {
  config_v0: string;
  config_v1: string;
  prompt_ref: string;
  prompt_view: Record<string, unknown>;
  render_call: string;
  loaded_render_call: string;
  dataset_ref: string;
  dataset_view: { class: string; name: string; description: string; length: number; rows: unknown[] };
  row_call: string;
  large_dataset_ref: string;
  large_dataset_view: { length: number; first: unknown; last: unknown };
  retired_ref: string;
  deleted_object_read: string;
  deleted_op_read: string;
}

const CONFIG_V0 = { a: 1, b: [1, 2], nested: { c: 'x', pi: 3.25 }, flag: false, none: null };
const CONFIG_V1 = { ...CONFIG_V0, a: 2 };
const ROWS = [
  { id: '0', question: '1+1?', expected: '2' },
  { id: '1', question: 'capital of France?', expected: 'Paris' },
  { id: '2', question: 'color of the sky?', expected: 'blue' },
];

export const objects: PythonGroup = {
  name: 'objects',
  script: 'objects.py',
  allowedStatuses: () => [
    {
      method: 'POST',
      path: '/obj/read',
      status: 404,
      count: 2,
      reason:
        'reading the deleted dict version and the deleted op version: weft answers 404 with deleted_at, ' +
        'so the client raises at once instead of retrying the read',
    },
  ],
  checks(suite, mode) {
    const project = suite.project('objects', mode);

    it('runs to completion, every request answered 2xx but the reads of deleted versions', () => {
      const result = suite.completed<ObjectsResult>('objects', mode);
      expect(result.deleted_object_read).toBe(
        `Unable to read object for ref uri: ${result.config_v0} (status 404): ` +
          `object py-config:${digestOf(result.config_v0)} was deleted at ${deletedAt(result.deleted_object_read)}`,
      );
      expect(result.deleted_op_read).toMatch(
        /\(status 404\): object retired:[A-Za-z0-9]{43} was deleted at /,
      );
      const failures = suite.exchanges('objects', mode).filter((exchange) => exchange.status >= 300);
      expect(failures.map((exchange) => JSON.parse(exchange.failure!))).toEqual([
        expect.objectContaining({ deleted_at: expect.any(String), error_type: 'NotFound' }),
        expect.objectContaining({ deleted_at: expect.any(String), error_type: 'NotFound' }),
      ]);
      const calls =
        mode === 'complete' ? 'POST /v2/{entity}/{project}/calls/complete' : 'POST /call/upsert_batch';
      expect(suite.routesUsed('objects', mode)).toEqual(
        [
          'GET /server_info',
          'POST /graphql',
          'POST /obj/create',
          'POST /obj/read',
          'POST /obj/delete',
          'POST /file/create',
          'POST /file/content',
          'POST /table/create',
          'POST /table/create_from_digests',
          'POST /table/query',
          'POST /table/query_stats',
          calls,
        ].sort(),
      );
    });

    itCompleted<ObjectsResult>(
      suite,
      'objects',
      mode,
      'a dict is stored as sent; the same content is the same version; a deleted version is gone',
      async ({ config_v0, config_v1 }) => {
        expect(config_v1).toMatch(new RegExp(`^weave:///${project}/object/py-config:[A-Za-z0-9]{43}$`));
        const v1 = await suite.reader.readObject(config_v1);
        expect(v1.val).toEqual(CONFIG_V1);
        const gone = await postJson(
          suite.serverUrl,
          '/obj/read',
          {
            project_id: project,
            object_id: 'py-config',
            digest: digestOf(config_v0),
          },
          { headers: suite.authHeaders },
        );
        expect(gone.status).toBe(404);
        expect(gone.body).toMatchObject({ deleted_at: expect.any(String) });
        // Three publishes, two versions, one deleted: latest is v1, read by weft's SDK too.
        const { objs } = await suite.reader.post<{ objs: Array<{ digest: string }> }>('/objs/query', {
          project_id: project,
          filter: { object_ids: ['py-config'] },
        });
        expect(objs.map((obj) => obj.digest)).toEqual([v1.digest]);
        expect(await suite.weft('objects', mode).get(`weave:///${project}/object/py-config:latest`)).toEqual(
          CONFIG_V1,
        );
      },
    );

    itCompleted<ObjectsResult>(
      suite,
      'objects',
      mode,
      'a weave.Object subclass keeps its class, fields and method op, and is its call’s self',
      async ({ prompt_ref, prompt_view, render_call, loaded_render_call }) => {
        expect(prompt_view).toEqual({
          class: 'WeaveObject',
          class_name: 'Prompt',
          template: 'Tell me about {subject}.',
          temperature: 0.25,
          name: 'py-prompt',
        });
        const obj = await suite.reader.readObject(prompt_ref);
        expect(obj.val).toEqual({
          _type: 'Prompt',
          _class_name: 'Prompt',
          _bases: ['Object', 'BaseModel'],
          name: 'py-prompt',
          description: null,
          template: 'Tell me about {subject}.',
          temperature: 0.25,
          render: expect.stringMatching(opRefPattern(project, 'Prompt.render')),
        });
        const { source } = await suite.reader.readOp(obj.val.render as string);
        expect(source).toContain('def render(self, subject: str) -> str:');
        const client = suite.weft('objects', mode);
        const first = await client.getCall(render_call);
        expect([first.op_name, first.inputs, first.output]).toEqual([
          obj.val.render,
          { self: prompt_ref, subject: 'weft' },
          'Tell me about weft.',
        ]);
        // The object read back ran the op rebuilt from that source: the same op version.
        const second = await client.getCall(loaded_render_call);
        expect([second.op_name, second.inputs, second.output]).toEqual([
          obj.val.render,
          { self: prompt_ref, subject: 'loaded' },
          'Tell me about loaded.',
        ]);
        // weft's SDK reads the object; the op comes back as a stand-in carrying its source.
        const model = (await client.get(prompt_ref)) as Record<string, unknown>;
        expect(model).toMatchObject({
          _class_name: 'Prompt',
          template: 'Tell me about {subject}.',
          temperature: 0.25,
        });
        expect((model.render as { source: string }).source).toBe(source);
      },
    );

    itCompleted<ObjectsResult>(
      suite,
      'objects',
      mode,
      'a Dataset is a Dataset object whose rows are a table; a row passed to an op is a row ref',
      async ({ dataset_ref, dataset_view, row_call }) => {
        expect(dataset_view).toEqual({
          class: 'Dataset',
          name: 'py-dataset',
          description: 'three rows',
          length: 3,
          rows: ROWS,
        });
        const obj = await suite.reader.readObject(dataset_ref);
        expect(obj.val).toEqual({
          _type: 'Dataset',
          _class_name: 'Dataset',
          _bases: ['Object', 'BaseModel'],
          name: 'py-dataset',
          description: 'three rows',
          rows: expect.stringMatching(new RegExp(`^weave:///${project}/table/[0-9a-f]{64}$`)),
        });
        const rows = await suite.reader.tableRows(obj.val.rows as string);
        expect(rows.map((row) => row.val)).toEqual(ROWS);

        const client = suite.weft('objects', mode);
        const call = await client.getCall(row_call);
        const rowRef = `${dataset_ref}/attr/rows/id/${rows[1]!.digest}`;
        expect(call.inputs).toEqual({ row: rowRef });
        // The op returned a value read from the row, so the client recorded it as a ref into it.
        expect(call.output).toBe(`${rowRef}/key/expected`);
        expect(await suite.reader.readRefs([rowRef, call.output as string])).toEqual([ROWS[1], 'Paris']);

        // weft's SDK reads the Dataset, and records its row with the same row ref.
        const dataset = (await client.get(dataset_ref)) as Dataset;
        expect(dataset).toBeInstanceOf(Dataset);
        expect([dataset.name, dataset.rows]).toEqual(['py-dataset', ROWS]);
        const echo = op(function echoRow(row: unknown) {
          return row;
        });
        const [, weftCall] = echo.invoke(dataset.row(1));
        expect(weftCall!.inputs.arg0).toBe(rowRef);
      },
    );

    itCompleted<ObjectsResult>(
      suite,
      'objects',
      mode,
      'a Dataset of over 1,000 rows is made from its row digests, the table /table/create gives those rows',
      async ({ large_dataset_ref, large_dataset_view }) => {
        const expected = Array.from({ length: 1500 }, (_, index) => ({
          index,
          question: `${index} + ${index}?`,
        }));
        expect(large_dataset_view).toEqual({ length: 1500, first: expected[0], last: expected[1499] });
        // Asked once with no digests, then the whole table from every row digest.
        const made = suite
          .exchanges('objects', mode)
          .filter((exchange) => exchange.path === '/table/create_from_digests');
        expect(made.map((exchange) => exchange.status)).toEqual([200, 200]);

        const obj = await suite.reader.readObject(large_dataset_ref);
        const tableRef = obj.val.rows as string;
        const rows = await suite.reader.tableRows(tableRef);
        expect(rows.map((row) => row.val)).toEqual(expected);
        const created = await suite.reader.post<{ digest: string }>('/table/create', {
          table: { project_id: project, rows: expected },
        });
        expect(tableRef).toBe(`weave:///${project}/table/${created.digest}`);
      },
    );

    itCompleted<ObjectsResult>(
      suite,
      'objects',
      mode,
      'delete_op_version deletes the op version its calls still name',
      async ({ retired_ref }) => {
        expect(retired_ref).toMatch(opRefPattern(project, 'retired'));
        const gone = await postJson(
          suite.serverUrl,
          '/obj/read',
          {
            project_id: project,
            object_id: 'retired',
            digest: digestOf(retired_ref),
          },
          { headers: suite.authHeaders },
        );
        expect([gone.status, gone.body]).toEqual([
          404,
          expect.objectContaining({ deleted_at: expect.any(String) }),
        ]);
        const calls = await suite
          .weft('objects', mode)
          .getCalls({ filter: { op_names: [retired_ref] } })
          .toArray();
        expect(calls.map((call) => [call.inputs, call.output])).toEqual([[{ x: 1 }, 1]]);
      },
    );
  },
};

function digestOf(uri: string): string {
  const ref = parseRef(uri);
  if (ref.kind !== 'op' && ref.kind !== 'object') throw new Error(`not an object or op ref: ${uri}`);
  return ref.digest;
}

/** The timestamp at the end of weft's "was deleted at …" reason. */
function deletedAt(message: string): string {
  return /was deleted at (\S+)$/.exec(message)?.[1] ?? '(no time)';
}
