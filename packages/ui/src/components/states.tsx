/**
 * What a view shows while it has nothing else to show: loading, empty, failed, not found. Every
 * view uses these, so no page is ever blank and every failure says what went wrong.
 */
import type { ReactNode } from 'react';
import { ApiError } from '../api/client';

export function Loading({ what }: { what: string }) {
  return (
    <div className="state state-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      Loading {what}…
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state state-empty">
      <h2>{title}</h2>
      {children}
    </div>
  );
}

export function NotFound({ what }: { what: string }) {
  return (
    <div className="state state-not-found" role="alert">
      <h2>Not found</h2>
      <p>{what} does not exist, or was deleted.</p>
    </div>
  );
}

/** A failed read: a 404 reads as "not found", anything else shows the server's reason. */
export function Failure({ error, what }: { error: unknown; what: string }) {
  if (error instanceof ApiError && error.notFound) return <NotFound what={what} />;
  const reason = error instanceof Error ? error.message : String(error);
  return (
    <div className="state state-error" role="alert">
      <h2>Could not load {what}</h2>
      <p className="reason">{reason}</p>
    </div>
  );
}
