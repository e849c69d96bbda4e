/**
 * The data of one evaluation, kept live: the evaluate call, its Evaluation object, its rows
 * (children read in pages until all are in) and the dataset rows they name. While the evaluate
 * call runs, call and rows are read again with back-off (polling.ts) until it ends.
 */
import {
  type QueryObserverResult,
  type UseQueryResult,
  useInfiniteQuery,
  useQueries,
  useQuery,
} from '@tanstack/react-query';
import type { CallSchema } from '@weft/protocol';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { countCalls } from '../../api/client';
import { type ProjectRef, projectId } from '../../routes';
import { CHILDREN_PAGE_SIZE, listChildren, readCall, readRefs } from './api';
import { type EvaluationDefinition, evaluationDefinition, evaluationHeadline } from './evaluation-calls';
import { type FieldRoles, fieldRoles, findModelCall } from './field-roles';
import { PollBackoff } from './polling';
import { batchesToRead } from './ref-batches';
import { buildRows, type EvalRow } from './rows';

export interface LiveEvaluation {
  call: UseQueryResult<CallSchema>;
  definition: EvaluationDefinition | undefined;
  rows: EvalRow[];
  /** All children pages are in (for a running evaluation: all that exist so far). */
  rowsComplete: boolean;
  rowsError: unknown;
  /** How many children the evaluate call has, when known (rows + summarize). */
  childCount: number | undefined;
  running: boolean;
}

export function useEvaluationDefinition(evaluationRef: string | undefined): EvaluationDefinition | undefined {
  const query = useQuery({
    queryKey: ['ref', evaluationRef],
    queryFn: async ({ signal }) => (await readRefs([evaluationRef as string], signal))[0] ?? null,
    enabled: evaluationRef !== undefined,
    // A ref with a digest names content that never changes.
    staleTime: Number.POSITIVE_INFINITY,
  });
  return useMemo(
    () => (query.data === undefined ? undefined : evaluationDefinition(query.data)),
    [query.data],
  );
}

export function useLiveEvaluation(project: ProjectRef, callId: string): LiveEvaluation {
  const call = useQuery({
    queryKey: ['call', projectId(project), callId],
    queryFn: ({ signal }) => readCall(project, callId, signal),
  });
  const headline = call.data ? evaluationHeadline(call.data) : undefined;
  const running = headline?.status === 'running';
  const definition = useEvaluationDefinition(headline?.evaluationRef);

  const children = useInfiniteQuery({
    queryKey: ['evaluation-children', projectId(project), callId],
    queryFn: ({ pageParam, signal }) => listChildren(project, callId, pageParam, signal),
    initialPageParam: 0,
    getNextPageParam: (lastPage, _pages, lastOffset) =>
      lastPage.length === CHILDREN_PAGE_SIZE ? lastOffset + CHILDREN_PAGE_SIZE : undefined,
    enabled: call.isSuccess,
  });
  const count = useQuery({
    queryKey: ['evaluation-children-count', projectId(project), callId],
    queryFn: ({ signal }) =>
      countCalls({ project_id: projectId(project), filter: { parent_ids: [callId] } }, signal),
    enabled: call.isSuccess,
  });

  // Read every page: the summary, the comparison and sorting need all the rows.
  const { hasNextPage, isFetchingNextPage, fetchNextPage, isError: childrenFailed } = children;
  useEffect(() => {
    if (hasNextPage && !isFetchingNextPage && !childrenFailed) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage, childrenFailed]);

  const rows = useMemo(() => buildRows(children.data?.pages.flat() ?? []), [children.data]);

  useRunningPoll(running, `${rows.length}/${rows.filter((row) => row.status !== 'running').length}`, () =>
    Promise.all([call.refetch(), children.refetch(), count.refetch()]),
  );

  return {
    call,
    definition,
    rows,
    rowsComplete: children.isSuccess && !children.hasNextPage,
    rowsError: children.error,
    childCount: count.data,
    running,
  };
}

/** Reads again while `running`, sooner when the last read changed `signature`, later when not. */
export function useRunningPoll(running: boolean, signature: string, refetch: () => Promise<unknown>) {
  const backoff = useRef(new PollBackoff());
  const refetchRef = useRef(refetch);
  refetchRef.current = refetch;
  const [polls, setPolls] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `polls` re-arms the timer after each read.
  useEffect(() => {
    if (!running) return;
    let cancelled = false;
    const timer = setTimeout(() => {
      void refetchRef.current().finally(() => {
        if (!cancelled) setPolls((n) => n + 1);
      });
    }, backoff.current.next(signature));
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [running, signature, polls]);
}

/**
 * Values of refs (dataset rows, Evaluation objects), read in batches (ref-batches.ts). Refs
 * are kept in the order first seen, so a batch's key never changes as more rows arrive: only the
 * newest batch is read again. Row refs name content, so what was read never goes stale.
 */
export function useRefValues(
  refs: readonly (string | undefined)[],
  /** No more refs are expected soon: a part-filled last batch is read too. */
  settled = true,
): {
  values: ReadonlyMap<string, unknown>;
  pending: boolean;
  error: unknown;
} {
  const registry = useRef<{ order: string[]; seen: Set<string> }>({ order: [], seen: new Set() });
  const batches = useMemo(() => {
    const { order, seen } = registry.current;
    for (const ref of refs) {
      if (ref !== undefined && !seen.has(ref)) {
        seen.add(ref);
        order.push(ref);
      }
    }
    return batchesToRead(order.length, settled).map(([start, end]) => order.slice(start, end));
  }, [refs, settled]);
  const combine = useCallback(
    (results: Array<QueryObserverResult<unknown[]>>) => {
      const values = new Map<string, unknown>();
      results.forEach((result, index) => {
        const batch = batches[index] ?? [];
        result.data?.forEach((value, i) => {
          const ref = batch[i];
          if (ref !== undefined) values.set(ref, value);
        });
      });
      return {
        values: values as ReadonlyMap<string, unknown>,
        pending: results.some((result) => result.isPending),
        error: results.find((result) => result.error)?.error as unknown,
      };
    },
    [batches],
  );
  return useQueries({
    queries: batches.map((batch) => ({
      queryKey: ['refs', batch],
      queryFn: ({ signal }: { signal: AbortSignal }) => readRefs(batch, signal),
      staleTime: Number.POSITIVE_INFINITY,
    })),
    combine,
  });
}

/** An example as logged: resolved when it is a ref, the row itself when it is not. */
export function exampleOf(row: EvalRow, examples: ReadonlyMap<string, unknown>): unknown {
  return row.exampleRef === undefined ? row.example : examples.get(row.exampleRef);
}

/**
 * Which dataset fields the model reads (field-roles.ts), from the children of the first finished
 * row: one small read, once per evaluation.
 */
export function useFieldRoles(
  project: ProjectRef,
  rows: readonly EvalRow[],
  modelRef: string | undefined,
  fields: readonly string[] | undefined,
): FieldRoles | undefined {
  const sample = rows.find((row) => row.status !== 'running' && !row.modelFailed);
  const children = useQuery({
    queryKey: ['row-children', projectId(project), sample?.callId],
    queryFn: ({ signal }) => listChildren(project, sample?.callId as string, 0, signal),
    enabled: sample !== undefined && modelRef !== undefined && fields !== undefined,
    // A finished row's calls are all in.
    staleTime: Number.POSITIVE_INFINITY,
  });
  return useMemo(() => {
    if (!fields || !children.data) return undefined;
    return fieldRoles(fields, findModelCall(children.data, modelRef), sample?.exampleRef);
  }, [fields, children.data, modelRef, sample?.exampleRef]);
}
