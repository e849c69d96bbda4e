/**
 * Who the UI speaks for, and whether the server wants a key first: the layout shows the key prompt
 * or the page, the header the key's user, the feedback section whose rows are the viewer's.
 *
 * Changing the key empties the query cache: what one key was allowed to read must not show under
 * another, and reads that failed for want of a key are asked again with it.
 */
import { type QueryClient, useQuery } from '@tanstack/react-query';
import type { SessionRes } from '@weft/protocol';
import { useSyncExternalStore } from 'react';
import { forgetApiKey, type KeyNeeded, keyNeeded, onKeyChange, saveApiKey } from '../api/api-key';
import { readSession, SESSION_QUERY_KEY } from '../api/session';

export interface SessionState {
  /** `/weft/session`'s answer; undefined while it is on its way or when it failed. */
  session: SessionRes | undefined;
  /** True until the session is known (or failed): whose feedback is whose waits for it. */
  pending: boolean;
  /** Set while the server wants a key the UI does not have. */
  keyNeeded: KeyNeeded | null;
}

export function useSession(): SessionState {
  const needed = useSyncExternalStore(onKeyChange, keyNeeded);
  const session = useQuery({
    queryKey: SESSION_QUERY_KEY,
    queryFn: ({ signal }) => readSession(signal),
    // It changes only with the key, and a change of key resets every query.
    staleTime: Number.POSITIVE_INFINITY,
  });
  return { session: session.data, pending: session.isPending, keyNeeded: needed };
}

/** Starts using a key the server accepted (`session` is its answer for it), on the same page. */
export function signIn(queryClient: QueryClient, key: string, session: SessionRes): void {
  // The key first: the reset refetches the queries in view, and they must carry it.
  saveApiKey(key);
  void queryClient.resetQueries({ predicate: (query) => query.queryKey[0] !== SESSION_QUERY_KEY[0] });
  queryClient.setQueryData(SESSION_QUERY_KEY, session);
}

/** Drops the key and everything read with it; the key prompt shows. */
export function forgetKey(queryClient: QueryClient): void {
  forgetApiKey();
  void queryClient.resetQueries();
}
