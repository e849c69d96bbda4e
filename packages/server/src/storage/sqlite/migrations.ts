/**
 * Numbered schema migrations, applied in order at start-up inside one transaction each. The
 * database's `user_version` records the last one applied. Never edit a released migration: add one.
 * (Until weft's first release, migration 1 is still being shaped; a development database made by
 * an earlier build is thrown away, not migrated.)
 */
import type Database from 'better-sqlite3';
import { FeedbackSortKeys } from './feedback-sort-keys.js';

export interface Migration {
  version: number;
  description: string;
  sql: string;
  /** Fills what the SQL created from data already stored, in the same transaction. */
  populate?: (db: Database.Database) => void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'calls table and its hot-path indexes',
    sql: `
      -- One row per call, merged from its start and end parts in whichever order they arrive.
      -- Timestamps are integer µs since the epoch (UTC); JSON fields are JSON text.
      CREATE TABLE calls (
        project_id TEXT NOT NULL,
        id TEXT NOT NULL,
        trace_id TEXT,
        parent_id TEXT,
        op_name TEXT,
        -- The name inside the op ref (summary.weave.trace_name), kept for sorting by trace name.
        op_short_name TEXT,
        display_name TEXT,
        -- Which part set display_name: 0 none, 1 start, 2 end, 3 call/update. A part only
        -- overrides a name set at the same or a lower level, so re-sent parts never undo a rename.
        display_name_level INTEGER NOT NULL DEFAULT 0,
        thread_id TEXT,
        turn_id TEXT,
        started_at INTEGER,
        ended_at INTEGER,
        attributes TEXT,
        inputs TEXT,
        output TEXT,
        summary TEXT,
        exception TEXT,
        otel_dump TEXT,
        wb_user_id TEXT,
        wb_run_id TEXT,
        wb_run_step INTEGER,
        wb_run_step_end INTEGER,
        deleted_at INTEGER,
        -- Maintained on every write from the tree itself: some live descendant has an exception
        -- (see failure-flags.ts; a flag waiting for an ancestor's start is in pending_failure_walks).
        has_failed_descendant INTEGER NOT NULL DEFAULT 0,
        -- The client's own roll-up (summary.status_counts.error > 0) says a descendant failed.
        summary_reports_error INTEGER NOT NULL DEFAULT 0,
        UNIQUE (project_id, id)
      );
      CREATE INDEX calls_project_started ON calls (project_id, started_at);
      CREATE INDEX calls_project_roots ON calls (project_id, started_at) WHERE parent_id IS NULL;
      CREATE INDEX calls_project_trace ON calls (project_id, trace_id);
      CREATE INDEX calls_project_parent ON calls (project_id, parent_id);
      CREATE INDEX calls_project_op ON calls (project_id, op_name, started_at);
      -- Lets a write skip the deleted-parent check in projects that never deleted a call.
      CREATE INDEX calls_project_deleted ON calls (project_id) WHERE deleted_at IS NOT NULL;

      -- Calls whose start part has not arrived but whose failure (their own, or a child's) must
      -- travel up the tree once it does. Arriving starts look here instead of probing children.
      CREATE TABLE pending_failure_walks (
        project_id TEXT NOT NULL,
        call_id TEXT NOT NULL,
        PRIMARY KEY (project_id, call_id)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    description: 'status column, sort-friendly indexes, indexed JSON fields',
    sql: `
      -- summary.weave.status (docs/protocol.md §4.2) as a column so filters on it can use an index.
      -- VIRTUAL: computed when read, nothing stored per row beyond the index.
      ALTER TABLE calls ADD COLUMN status TEXT GENERATED ALWAYS AS (
        CASE WHEN exception IS NOT NULL THEN 'error'
             WHEN ended_at IS NULL THEN 'running'
             WHEN has_failed_descendant = 1 OR summary_reports_error = 1 THEN 'descendant_error'
             ELSE 'success' END
      ) VIRTUAL;
      -- The id tie-breaker is part of every sort, so the hot-path indexes end with it: a first page
      -- then reads index order and stops after the limit instead of sorting. They hold live calls
      -- only (every query asks for deleted_at IS NULL), which also lets counts run on the index
      -- alone without reading each row to check it is not deleted.
      DROP INDEX calls_project_started;
      DROP INDEX calls_project_roots;
      DROP INDEX calls_project_op;
      CREATE INDEX calls_live_started ON calls (project_id, started_at, id) WHERE deleted_at IS NULL;
      CREATE INDEX calls_live_roots ON calls (project_id, started_at, id)
        WHERE deleted_at IS NULL AND parent_id IS NULL;
      CREATE INDEX calls_live_op ON calls (project_id, op_name, started_at, id) WHERE deleted_at IS NULL;
      CREATE INDEX calls_live_status ON calls (project_id, status, started_at, id) WHERE deleted_at IS NULL;
      DROP INDEX calls_project_trace;
      CREATE INDEX calls_project_trace ON calls (project_id, trace_id, started_at, id);

      -- JSON fields indexed with "weft index add": each is a generated column holding the field's
      -- text (query/dialects/sqlite.ts, sqliteJsonText) with an index on it.
      CREATE TABLE field_indexes (
        field TEXT PRIMARY KEY,
        json_column TEXT NOT NULL,
        json_path TEXT NOT NULL,
        column_name TEXT NOT NULL UNIQUE
      );
    `,
  },
  {
    version: 3,
    description: 'object versions',
    sql: `
      -- One row per (object, digest): a digest created again is the same row. version_index counts
      -- every version ever made of the object, deleted ones included (docs/protocol.md §8.4).
      CREATE TABLE objects (
        project_id TEXT NOT NULL,
        object_id TEXT NOT NULL,
        digest TEXT NOT NULL,
        version_index INTEGER NOT NULL,
        is_latest INTEGER NOT NULL,
        kind TEXT NOT NULL,
        base_object_class TEXT,
        leaf_object_class TEXT,
        val TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        deleted_at INTEGER,
        wb_user_id TEXT,
        PRIMARY KEY (project_id, object_id, digest)
      ) WITHOUT ROWID;
      CREATE INDEX objects_by_version ON objects (project_id, object_id, version_index);
      CREATE INDEX objects_by_time ON objects (project_id, created_at, version_index);
    `,
  },
  {
    version: 4,
    description: 'tables and their rows, content-addressed',
    sql: `
      -- A row is stored once per project, however many tables (or versions of one) hold it.
      CREATE TABLE table_rows (
        project_id TEXT NOT NULL,
        digest TEXT NOT NULL,
        val TEXT NOT NULL,
        PRIMARY KEY (project_id, digest)
      ) WITHOUT ROWID;
      -- A table is its ordered list of row digests (a JSON array); its digest is derived from it.
      CREATE TABLE tables (
        project_id TEXT NOT NULL,
        digest TEXT NOT NULL,
        row_digests TEXT NOT NULL,
        row_count INTEGER NOT NULL,
        PRIMARY KEY (project_id, digest)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 5,
    description: 'files, content-addressed',
    sql: `
      -- File contents (op source, images, audio) stored once per project by digest.
      CREATE TABLE files (
        project_id TEXT NOT NULL,
        digest TEXT NOT NULL,
        name TEXT NOT NULL,
        size INTEGER NOT NULL,
        content BLOB NOT NULL,
        PRIMARY KEY (project_id, digest)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 6,
    description: 'refs found in call inputs and outputs',
    sql: `
      -- JSON arrays of the weave:/// refs inside inputs / output (NULL when none), for the
      -- input_refs / output_refs filters (docs/protocol.md §4.6).
      ALTER TABLE calls ADD COLUMN input_refs TEXT;
      ALTER TABLE calls ADD COLUMN output_refs TEXT;
    `,
  },
  {
    version: 7,
    description: 'one version per index; refs of calls stored before migration 6',
    sql: `
      CREATE UNIQUE INDEX objects_unique_version ON objects (project_id, object_id, version_index);
      -- Calls stored before migration 6 get their refs too (order does not matter to the filters).
      UPDATE calls SET input_refs = (
        SELECT json_group_array(DISTINCT value) FROM json_tree(calls.inputs)
        WHERE type = 'text' AND substr(value, 1, 9) = 'weave:///'
      ) WHERE input_refs IS NULL AND instr(inputs, 'weave:///') > 0;
      UPDATE calls SET output_refs = (
        SELECT json_group_array(DISTINCT value) FROM json_tree(calls.output)
        WHERE type = 'text' AND substr(value, 1, 9) = 'weave:///'
      ) WHERE output_refs IS NULL AND instr(output, 'weave:///') > 0;
      UPDATE calls SET input_refs = NULL WHERE input_refs = '[]';
      UPDATE calls SET output_refs = NULL WHERE output_refs = '[]';
    `,
  },
  {
    version: 8,
    description: 'ops and objects keep separate version histories',
    sql: `
      -- Weave keys object versions by (project_id, kind, object_id, digest) and counts
      -- version_index and is_latest per (project, kind, object_id) (docs/protocol.md
      -- §8.4): an op and an object may share a name without sharing versions. SQLite
      -- cannot change a primary key, so the table is rebuilt. object_id comes before kind because
      -- /obj/read and /obj/delete name no kind.
      CREATE TABLE objects_by_kind (
        project_id TEXT NOT NULL,
        object_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        digest TEXT NOT NULL,
        version_index INTEGER NOT NULL,
        is_latest INTEGER NOT NULL,
        base_object_class TEXT,
        leaf_object_class TEXT,
        val TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        deleted_at INTEGER,
        wb_user_id TEXT,
        PRIMARY KEY (project_id, object_id, kind, digest)
      ) WITHOUT ROWID;
      -- Names used by both kinds had one sequence of indexes between them: each kind's versions
      -- are numbered again from 0 in their old order. Every other name keeps its indexes.
      INSERT INTO objects_by_kind (project_id, object_id, kind, digest, version_index, is_latest,
        base_object_class, leaf_object_class, val, created_at, deleted_at, wb_user_id)
      SELECT project_id, object_id, kind, digest,
        CASE WHEN shared THEN ROW_NUMBER() OVER (
          PARTITION BY project_id, object_id, kind ORDER BY version_index) - 1
        ELSE version_index END,
        is_latest, base_object_class, leaf_object_class, val, created_at, deleted_at, wb_user_id
      FROM (
        SELECT o.*, (SELECT COUNT(DISTINCT s.kind) FROM objects AS s
          WHERE s.project_id = o.project_id AND s.object_id = o.object_id) > 1 AS shared
        FROM objects AS o
      );
      -- Each kind has its own latest: where a shared name's latest was of the other kind, this
      -- kind's newest live version becomes its latest (as a delete chooses a new one).
      UPDATE objects_by_kind SET is_latest = 1
      WHERE deleted_at IS NULL
        AND NOT EXISTS (
          SELECT 1 FROM objects_by_kind AS l
          WHERE l.project_id = objects_by_kind.project_id AND l.object_id = objects_by_kind.object_id
            AND l.kind = objects_by_kind.kind AND l.is_latest = 1)
        AND digest = (
          SELECT n.digest FROM objects_by_kind AS n
          WHERE n.project_id = objects_by_kind.project_id AND n.object_id = objects_by_kind.object_id
            AND n.kind = objects_by_kind.kind AND n.deleted_at IS NULL
          ORDER BY n.created_at DESC, n.version_index DESC LIMIT 1);
      DROP TABLE objects;
      ALTER TABLE objects_by_kind RENAME TO objects;
      CREATE UNIQUE INDEX objects_unique_version ON objects (project_id, object_id, kind, version_index);
      CREATE INDEX objects_by_time ON objects (project_id, created_at, version_index);
    `,
  },
  {
    version: 9,
    description: 'tags of object versions and aliases of object names',
    sql: `
      -- docs/protocol.md §9.3. A tag belongs to one version, named by object and digest
      -- (a digest is one value, so one kind). Deleting a version removes its tags.
      CREATE TABLE object_tags (
        project_id TEXT NOT NULL,
        object_id TEXT NOT NULL,
        digest TEXT NOT NULL,
        tag TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (project_id, object_id, digest, tag)
      ) WITHOUT ROWID;
      -- GET /tags: distinct tags of a project, read in order from the index.
      CREATE INDEX object_tags_by_tag ON object_tags (project_id, tag);
      -- An alias belongs to an object name (ops and objects of one name share them, as Weave keys
      -- aliases by project and object_id) and points at one digest; setting it again moves it.
      -- \`latest\` is never stored: objects.is_latest says which version is latest.
      CREATE TABLE object_aliases (
        project_id TEXT NOT NULL,
        object_id TEXT NOT NULL,
        alias TEXT NOT NULL,
        digest TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (project_id, object_id, alias)
      ) WITHOUT ROWID;
      CREATE INDEX object_aliases_by_alias ON object_aliases (project_id, alias);
    `,
  },
  {
    version: 10,
    description: 'projects registered by name',
    sql: `
      -- Projects a client named (GraphQL Project / UpsertModel at the Python SDK's init), so the
      -- UI can list them. id is the wire project id, entity/name.
      CREATE TABLE projects (
        id TEXT NOT NULL PRIMARY KEY,
        entity TEXT NOT NULL,
        name TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 11,
    description: 'token prices with effective dates, and the store settings',
    sql: `
      -- docs/protocol.md §17.1. Per-token prices of a model: default ones (pricing_level_id
      -- 'default', loaded from the price dataset at start) and a project's own. Timestamps are µs.
      CREATE TABLE llm_prices (
        id TEXT NOT NULL PRIMARY KEY,
        pricing_level TEXT NOT NULL,
        pricing_level_id TEXT NOT NULL,
        provider_id TEXT NOT NULL,
        llm_id TEXT NOT NULL,
        effective_date INTEGER,
        prompt_token_cost REAL NOT NULL,
        completion_token_cost REAL NOT NULL,
        cache_read_input_token_cost REAL,
        cache_creation_input_token_cost REAL,
        prompt_token_cost_unit TEXT NOT NULL,
        completion_token_cost_unit TEXT NOT NULL,
        created_by TEXT,
        created_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      -- Pricing a call looks prices up by level and name; a project's price list is by level too.
      CREATE INDEX llm_prices_by_name ON llm_prices (pricing_level_id, llm_id, effective_date);
      -- Small facts about the store itself, such as which default price set it holds.
      CREATE TABLE settings (key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
    `,
  },
  {
    version: 12,
    description: 'feedback on calls and objects',
    sql: `
      -- docs/protocol.md §18. One row per feedback, with the id the client chose; payload is JSON
      -- text; created_at is µs. call_id is the call weave_ref names when it is a call of this
      -- project (null for objects): what calls queries join on, and what deleting a call deletes.
      CREATE TABLE feedback (
        project_id TEXT NOT NULL,
        id TEXT NOT NULL,
        weave_ref TEXT NOT NULL,
        call_id TEXT,
        creator TEXT,
        feedback_type TEXT NOT NULL,
        payload TEXT NOT NULL,
        annotation_ref TEXT,
        runnable_ref TEXT,
        call_ref TEXT,
        trigger_ref TEXT,
        wb_user_id TEXT,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (project_id, id)
      ) WITHOUT ROWID;
      -- A call's feedback of one type, oldest first: feedback fields in calls queries.
      CREATE INDEX feedback_by_call ON feedback (project_id, call_id, feedback_type, created_at);
      CREATE INDEX feedback_by_ref ON feedback (project_id, weave_ref, created_at);
      CREATE INDEX feedback_by_time ON feedback (project_id, created_at);
    `,
  },
  {
    version: 13,
    description: 'sort keys of feedback fields',
    sql: `
      -- docs/protocol.md §18.6, feedback-sort-keys.ts. For each call's oldest feedback row of each
      -- type, every value in it as a sort reads it: the number (NULL when it reads as none) and
      -- the text. One index per sort direction, so the first page of a sort walks one in order.
      CREATE TABLE feedback_sort_keys (
        project_id TEXT NOT NULL,
        feedback_type TEXT NOT NULL,
        path TEXT NOT NULL,
        call_id TEXT NOT NULL,
        number_missing INTEGER NOT NULL,
        number REAL,
        text TEXT NOT NULL,
        -- By call first: writes replace a call's keys of a type, and reads probe one call's key.
        PRIMARY KEY (project_id, call_id, feedback_type, path)
      ) WITHOUT ROWID;
      CREATE INDEX feedback_sort_keys_asc
        ON feedback_sort_keys (project_id, feedback_type, path, number_missing, number, text, call_id);
      CREATE INDEX feedback_sort_keys_desc
        ON feedback_sort_keys (project_id, feedback_type, path, number_missing, number DESC, text DESC, call_id);
      -- Paths (or '' for a whole type) the keys cannot answer for; sorts by them take the general plan.
      CREATE TABLE feedback_sort_gaps (
        project_id TEXT NOT NULL,
        feedback_type TEXT NOT NULL,
        path TEXT NOT NULL,
        PRIMARY KEY (project_id, feedback_type, path)
      ) WITHOUT ROWID;
      -- Whichever connection deletes feedback (a purge here, a deleted call on the call writer),
      -- the keys of that call and type go with it; a purge then re-reads them from the oldest row left.
      CREATE TRIGGER feedback_sort_keys_follow_deletes AFTER DELETE ON feedback
      WHEN OLD.call_id IS NOT NULL BEGIN
        DELETE FROM feedback_sort_keys
        WHERE project_id = OLD.project_id AND call_id = OLD.call_id AND feedback_type = OLD.feedback_type;
      END;
    `,
    populate: (db) => new FeedbackSortKeys(db).rebuild(),
  },
  {
    version: 14,
    description: 'API keys',
    sql: `
      -- docs/protocol.md §19. A key is never stored: only its id (the public part of the key's
      -- text) and a slow hash of its secret part. projects is a JSON list of wire project ids, or
      -- NULL for every project. Revoked keys stay, so that revoking the last key never opens the
      -- server again; times are µs.
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        user TEXT NOT NULL,
        projects TEXT,
        read_only INTEGER NOT NULL,
        secret_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 15,
    description: 'arrival times of parts still waiting for their call start',
    sql: `
      -- docs/protocol.md §3.6, orphans.ts. When a call's first part is not its start (an end, a
      -- failing child's walk up to a parent not seen yet), the time it arrived, in server µs: a
      -- start that has not come long after is never coming, and what waits for it is removed.
      ALTER TABLE calls ADD COLUMN part_arrived_at INTEGER;
      UPDATE calls SET part_arrived_at = CAST(unixepoch('subsec') * 1000000 AS INTEGER)
      WHERE started_at IS NULL;
      -- Holds only the calls without a start, so it costs the ingestion of started calls nothing.
      CREATE INDEX calls_waiting_for_start ON calls (part_arrived_at) WHERE started_at IS NULL;
      ALTER TABLE pending_failure_walks ADD COLUMN parked_at INTEGER NOT NULL DEFAULT 0;
      UPDATE pending_failure_walks SET parked_at = CAST(unixepoch('subsec') * 1000000 AS INTEGER);
    `,
  },
  {
    version: 16,
    description: 'retention per project',
    sql: `
      -- docs/protocol.md §20: calls of the project older than this many days are removed in the
      -- background (retention.ts).
      CREATE TABLE project_retention (
        project_id TEXT PRIMARY KEY,
        days INTEGER NOT NULL
      ) WITHOUT ROWID;
    `,
  },
];
