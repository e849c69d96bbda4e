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

/**
 * A failed read: a 404 reads as "not found", a 403 as a key that may not read it (the server's
 * reason names the project, and nothing about whether it exists), anything else shows the
 * server's reason.
 */
export function Failure({ error, what }: { error: unknown; what: string }) {
  if (error instanceof ApiError && error.notFound) return <NotFound what={what} />;
  const reason = error instanceof Error ? error.message : String(error);
  // `what` may start a sentence ("This call does not exist"); here it follows one's start.
  const object = /^[A-Z][a-z]/.test(what) ? what.charAt(0).toLowerCase() + what.slice(1) : what;
  if (error instanceof ApiError && error.forbidden) {
    return (
      <div className="state state-error state-forbidden" role="alert">
        <h2>No access to {object}</h2>
        <p className="reason">{reason}</p>
        <p>To see it, use a key that may: choose “Forget key” at the top right and enter another.</p>
      </div>
    );
  }
  return (
    <div className="state state-error" role="alert">
      <h2>Could not load {object}</h2>
      <p className="reason">{reason}</p>
    </div>
  );
}
