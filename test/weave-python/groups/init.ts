/**
 * scripts/init.py: weave.init with a bare project name (weft's GraphQL DefaultEntity supplies the
 * entity), then weave.init("entity/project") in the same process.
 */
import { expect, it } from 'vitest';
import { init } from 'weft';
import type { Mode } from '../support/run-script.js';
import { DEFAULT_ENTITY, itCompleted, KEY_USER, opRefPattern, type PythonGroup } from '../support/suite.js';

interface InitSide {
  entity: string;
  project: string;
  call_id: string;
  read: Array<[string, string]>;
}

interface InitResult {
  bare: InitSide;
  explicit: InitSide;
}

const bareProject = (mode: Mode) => `init-bare-${mode}`;

/** The GraphQL operations of a group's requests, by the name after `query`/`mutation`. */
function graphqlOperations(bodies: unknown[]): string[] {
  return bodies.map((body) => {
    const query = (body as { query?: string }).query ?? '';
    return /\b(?:query|mutation)\s+(\w+)/.exec(query)?.[1] ?? `(unnamed) ${query.slice(0, 40)}`;
  });
}

export const initGroup: PythonGroup = {
  name: 'init',
  script: 'init.py',
  vars: (mode) => ({ BARE_PROJECT: bareProject(mode) }),
  checks(suite, mode) {
    const explicit = suite.project('init', mode);
    const bare = `${DEFAULT_ENTITY}/${bareProject(mode)}`;

    it('runs to completion, every request answered 2xx', () => {
      suite.completed<InitResult>('init', mode);
      const calls =
        mode === 'complete' ? 'POST /v2/{entity}/{project}/calls/complete' : 'POST /call/upsert_batch';
      expect(suite.routesUsed('init', mode, [bare, explicit])).toEqual(
        [
          'GET /server_info',
          'POST /graphql',
          'POST /obj/create',
          'POST /file/create',
          'POST /calls/stream_query',
          calls,
        ].sort(),
      );
      expect(
        suite.exchanges('init', mode).filter((exchange) => exchange.path === '/server_info'),
      ).toHaveLength(2);
    });

    itCompleted<InitResult>(
      suite,
      'init',
      mode,
      'a bare project name gets weft’s default entity; entity/project is used as given',
      (result) => {
        expect([result.bare.entity, result.bare.project]).toEqual([DEFAULT_ENTITY, bareProject(mode)]);
        expect(result.bare.read).toEqual([[result.bare.call_id, bare]]);
        expect([result.explicit.entity, result.explicit.project]).toEqual(explicit.split('/'));
        expect(result.explicit.read).toEqual([[result.explicit.call_id, explicit]]);
      },
    );

    itCompleted<InitResult>(
      suite,
      'init',
      mode,
      'init asks GraphQL for the default entity and the project, and never needs UpsertModel',
      () => {
        const bodies = suite.requestBodies('init', mode, 'POST', '/graphql');
        const operations = graphqlOperations(bodies);
        // Bare name: DefaultEntity (for the entity) and Project, then DefaultEntity (the username);
        // entity/project: Project and DefaultEntity. weft creates a project it is asked about.
        expect([...operations].sort()).toEqual([
          'DefaultEntity',
          'DefaultEntity',
          'DefaultEntity',
          'Project',
          'Project',
        ]);
        const projects = bodies
          .filter((_, i) => operations[i] === 'Project')
          .map((body) => (body as { variables: { entityName: string; name: string } }).variables);
        expect(projects).toEqual([
          { entityName: DEFAULT_ENTITY, name: bareProject(mode) },
          { entityName: explicit.split('/')[0], name: explicit.split('/')[1] },
        ]);
      },
    );

    itCompleted<InitResult>(
      suite,
      'init',
      mode,
      'each project holds its own call, read back through weft’s SDK',
      async (result) => {
        for (const [project, side, where] of [
          [bare, result.bare, 'bare'],
          [explicit, result.explicit, 'explicit'],
        ] as const) {
          const calls = await init(project, { serverUrl: suite.serverUrl, apiKey: suite.apiKey })
            .getCalls()
            .toArray();
          expect(calls.map((call) => [call.id, call.project_id, call.inputs, call.output])).toEqual([
            [side.call_id, project, { where }, `hello from ${where}`],
          ]);
          expect(calls[0]!.op_name).toMatch(opRefPattern(project, 'hello'));
          // The server requires keys: the call is signed with the key's user (docs/protocol.md §19.3).
          expect(calls[0]!.wb_user_id).toBe(KEY_USER);
        }
      },
    );
  },
};
