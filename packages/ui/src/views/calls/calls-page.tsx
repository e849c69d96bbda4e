/**
 * A project's calls (`/:entity/:project/weave/traces`): filter bar, count, and the virtualised
 * table, which loads more as the user scrolls and keeps itself current while calls run. Everything
 * that makes the view shareable (filters, sort, columns) is in the URL (view-state.ts).
 */
import { useQueryClient } from '@tanstack/react-query';
import type { CallSchema } from '@weft/protocol';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useNavigate, useParams, useSearchParams } from 'react-router';
import { NOTE_TYPE, REACTION_TYPE } from '../../api/feedback';
import { ApiKeyHint } from '../../components/key-prompt';
import { Empty, Failure, Loading } from '../../components/states';
import { useSession } from '../../components/use-session';
import { formatCount } from '../../format';
import { type ProjectRef, paths } from '../../routes';
import { ActiveFilters } from './active-filters';
import { callColumns } from './calls-columns';
import {
  callPagesKey,
  useCallCount,
  useCallPages,
  useCallsRequest,
  useProjectHasFeedback,
  useProjectOps,
} from './calls-data';
import { CallsTable } from './calls-table';
import { ColumnPicker } from './column-picker';
import { BASE_FIELDS, ConditionBuilder } from './condition-builder';
import {
  anyFeedbackOfType,
  type FeedbackKey,
  mergeFeedbackKeys,
  NOTES_COLUMN,
  REACTIONS_COLUMN,
  scoreKeys,
} from './feedback-fields';
import { OpPicker, ScopeToggle, SearchBox, StatusPicker, TimeRangePicker } from './filter-controls';
import { flattenPages } from './paging';
import { customSummaryKeys } from './summary-fields';
import { useLiveCalls } from './use-live-calls';
import {
  type CallsViewState,
  hasFilters,
  parseViewState,
  toSearchParams,
  withoutFilters,
} from './view-state';
import './calls.css';

const NO_OPS: readonly string[] = [];
const NO_KEYS: readonly FeedbackKey[] = [];

/**
 * The scorer keys seen in the project so far, found now or earlier: when the user's columns leave
 * every feedback column out, the calls are read without feedback, and the column picker should
 * still offer the scorers seen before.
 */
function useSeenScoreKeys(projectKey: string, found: readonly FeedbackKey[]): readonly FeedbackKey[] {
  const [seen, setSeen] = useState<{ project: string; keys: readonly FeedbackKey[] }>({
    project: projectKey,
    keys: NO_KEYS,
  });
  useEffect(() => {
    setSeen((held) => {
      const before = held.project === projectKey ? held.keys : NO_KEYS;
      const merged = mergeFeedbackKeys(found, before);
      return held.project === projectKey && merged.length === before.length
        ? held
        : { project: projectKey, keys: merged };
    });
  }, [projectKey, found]);
  return seen.project === projectKey ? seen.keys : NO_KEYS;
}

/** The view state from the URL, and a way to change it (a new history entry unless `replace`). */
function useViewState() {
  const [searchParams, setSearchParams] = useSearchParams();
  const search = searchParams.toString();
  const state = useMemo(() => parseViewState(new URLSearchParams(search)), [search]);
  const update = useCallback(
    (change: (current: CallsViewState) => CallsViewState, options?: { replace?: boolean }) =>
      setSearchParams((current) => toSearchParams(change(parseViewState(current))), options),
    [setSearchParams],
  );
  return [state, update] as const;
}

export function CallsPage() {
  const { entity = '', project = '' } = useParams();
  const projectRef = useMemo<ProjectRef>(() => ({ entity, project }), [entity, project]);
  const [state, update] = useViewState();
  const navigate = useNavigate();
  const queryClient = useQueryClient();

  const ops = useProjectOps(projectRef);
  const feedbackProbe = useProjectHasFeedback(projectRef, state.columns === undefined);
  const request = useCallsRequest(state, projectRef, ops.data ?? NO_OPS, feedbackProbe.hasFeedback);
  const pages = useCallPages(request, feedbackProbe.settled);
  const count = useCallCount(request, !pages.isPending);
  const unplaced = useLiveCalls(request, pages.isSuccess);

  const calls = useMemo(() => flattenPages(pages.data?.pages ?? []), [pages.data]);
  const summaryKeys = useMemo(() => customSummaryKeys(pages.data?.pages ?? []), [pages.data]);
  const anyTokens = useMemo(() => calls.some((call) => call.summary?.usage !== undefined), [calls]);
  const scores = useMemo(() => scoreKeys(pages.data?.pages ?? []), [pages.data]);
  const seenScores = useSeenScoreKeys(`${entity}/${project}`, scores);
  const anyReactions = useMemo(() => anyFeedbackOfType(calls, REACTION_TYPE), [calls]);
  const anyNotes = useMemo(() => anyFeedbackOfType(calls, NOTE_TYPE), [calls]);
  const columns = useMemo(
    () => callColumns(summaryKeys, state.columns, anyTokens, { scores, seenScores, anyReactions, anyNotes }),
    [summaryKeys, state.columns, anyTokens, scores, seenScores, anyReactions, anyNotes],
  );
  const visible = state.columns ?? columns.defaultVisible;
  const fieldSuggestions = useMemo(
    () => [
      ...BASE_FIELDS,
      REACTIONS_COLUMN,
      NOTES_COLUMN,
      ...scores.map((key) => key.field),
      ...summaryKeys.map((key) => key.field),
    ],
    [summaryKeys, scores],
  );

  // The browser benchmark measures navigation to this mark (bench/, BENCHMARKS.md).
  const marked = useRef(false);
  useEffect(() => {
    if (pages.isSuccess && !marked.current) {
      marked.current = true;
      performance.mark('weft:calls-first-page');
    }
  }, [pages.isSuccess]);

  const { fetchNextPage, hasNextPage, isFetchingNextPage } = pages;
  const loadMore = useCallback(() => {
    void fetchNextPage();
  }, [fetchNextPage]);
  const openCall = useCallback(
    (call: CallSchema) => navigate(paths.call(projectRef, call.id)),
    [navigate, projectRef],
  );
  const hrefFor = useCallback((call: CallSchema) => paths.call(projectRef, call.id), [projectRef]);
  const commitSearch = useCallback(
    (text: string) => update((current) => ({ ...current, search: text }), { replace: true }),
    [update],
  );
  const showNewCalls = () => void queryClient.resetQueries({ queryKey: callPagesKey(request) });

  const noun = state.rootsOnly ? 'trace' : 'call';
  // Calls that match but the table does not hold: ones live updates could not place, and, once
  // every page is loaded, any beyond the count of rows (new calls at the end of an oldest-first list).
  const notShown =
    unplaced +
    (pages.isSuccess && !hasNextPage && count.data !== undefined
      ? Math.max(0, count.data - calls.length)
      : 0);

  return (
    <div className="calls-page">
      <div className="calls-toolbar">
        <SearchBox value={state.search} onCommit={commitSearch} />
        <ScopeToggle
          rootsOnly={state.rootsOnly}
          onChange={(rootsOnly) => update((s) => ({ ...s, rootsOnly }))}
        />
        <OpPicker
          ops={ops.data ?? NO_OPS}
          selected={state.ops}
          status={ops.status}
          onChange={(selected) => update((s) => ({ ...s, ops: selected }))}
        />
        <StatusPicker
          selected={state.statuses}
          onChange={(statuses) => update((s) => ({ ...s, statuses }))}
        />
        <TimeRangePicker
          after={state.startedAfter}
          before={state.startedBefore}
          onChange={(startedAfter, startedBefore) => update((s) => ({ ...s, startedAfter, startedBefore }))}
        />
        <ConditionBuilder
          fields={fieldSuggestions}
          onAdd={(condition) => update((s) => ({ ...s, conditions: [...s.conditions, condition] }))}
        />
        <span className="toolbar-gap" />
        <span className="calls-count" aria-live="polite">
          {count.isSuccess
            ? `${formatCount(count.data)} ${count.data === 1 ? noun : `${noun}s`}`
            : count.isError || pages.isError
              ? ''
              : 'Counting…'}
        </span>
        <ColumnPicker
          choices={columns.choices}
          visible={visible}
          custom={state.columns !== undefined}
          onChange={(chosen) => update((s) => ({ ...s, columns: chosen }))}
        />
      </div>
      <ActiveFilters state={state} onChange={(next) => update(() => next)} />
      {notShown > 0 && (
        <div className="new-calls" role="status">
          {formatCount(notShown)} more {notShown === 1 ? noun : `${noun}s`} since the list was loaded.{' '}
          <button type="button" className="link-button" onClick={showNewCalls}>
            Show
          </button>
        </div>
      )}
      {pages.isPending ? (
        <Loading what={`${noun}s`} />
      ) : pages.isError ? (
        <Failure error={pages.error} what={`the ${noun}s`} />
      ) : calls.length === 0 ? (
        hasFilters(state) ? (
          <Empty title={`No ${noun}s match`}>
            <p>Nothing in this project matches the filters above.</p>
            <button type="button" onClick={() => update((s) => withoutFilters(s))}>
              Clear filters
            </button>
          </Empty>
        ) : (
          <NoCallsYet project={projectRef} />
        )
      ) : (
        <CallsTable
          calls={calls}
          columns={columns}
          visible={visible}
          sort={state.sort}
          onSort={(sort) => update((s) => ({ ...s, sort }))}
          onOpen={openCall}
          hrefFor={hrefFor}
          hasMore={hasNextPage}
          loadingMore={isFetchingNextPage}
          loadMore={loadMore}
          noun={noun}
        />
      )}
    </div>
  );
}

function NoCallsYet({ project }: { project: ProjectRef }) {
  const { session } = useSession();
  const name = `${project.entity}/${project.project}`;
  return (
    <Empty title="No calls yet">
      <p>Wrap a function with weft's SDK and call it; each call shows up here as it runs.</p>
      <pre className="snippet">{`import { init, op } from 'weft';

init(${JSON.stringify(name)}, { serverUrl: ${JSON.stringify(window.location.origin)} });
const greet = op(async (name: string) => \`Hello, \${name}\`);
await greet('weft');`}</pre>
      <p>
        Weave's own SDKs work too: <code>weave.init({JSON.stringify(name)})</code> with{' '}
        <code>WF_TRACE_SERVER_URL={window.location.origin}</code>.
      </p>
      {session?.key_id ? <ApiKeyHint /> : null}
    </Empty>
  );
}
