/**
 * What the app shows in place of a page while the server wants an API key (docs/protocol.md §19):
 * what is needed and how to get one, and a field for the key. The key is checked with
 * `/weft/session` before it is kept; a wrong one shows the server's reason and the prompt stays.
 * A right one is kept for this tab (api/api-key.ts) and the page the URL names shows, read afresh.
 *
 * The key never reaches a URL: the form is handled in script, its field has no `name`, and its
 * method is POST, so even a submission without script would not put it in a query string.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import type { KeyNeeded } from '../api/api-key';
import { checkApiKey } from '../api/session';
import { signIn } from './use-session';
import './session.css';

/** What a key can hold: printable ASCII without spaces (a header value; weft's keys are `weft_…`). */
const KEY_SHAPE = /^[\x21-\x7e]+$/;

export function KeyPrompt({ needed }: { needed: KeyNeeded }) {
  const queryClient = useQueryClient();
  const inputId = useId();
  const [key, setKey] = useState('');
  const [problem, setProblem] = useState<string | undefined>();
  const check = useMutation({
    mutationFn: (candidate: string) => checkApiKey(candidate),
    onSuccess: (session, candidate) => signIn(queryClient, candidate, session),
    onError: (error) => setProblem(error.message),
  });

  function submit(event: FormEvent): void {
    event.preventDefault();
    const candidate = key.trim();
    if (candidate.length === 0 || check.isPending) return;
    if (!KEY_SHAPE.test(candidate)) {
      setProblem(
        'an API key has no spaces and only plain ASCII characters: paste it as weft keys create printed it',
      );
      return;
    }
    setProblem(undefined);
    check.mutate(candidate);
  }

  return (
    <section className="key-prompt" aria-labelledby={`${inputId}-title`}>
      <h1 id={`${inputId}-title`}>This weft server requires an API key</h1>
      <p>Enter an API key to see the projects it may use. Whoever runs the server creates one with:</p>
      <pre className="key-prompt-command">weft keys create --user NAME</pre>
      <p className="muted">
        The key is kept in this browser tab only, until the tab is closed or you choose “Forget key”.
      </p>
      {needed.refused && needed.reason && (
        <p className="key-prompt-problem" role="alert">
          The key in use was refused: {needed.reason}
        </p>
      )}
      <form className="key-prompt-form" method="post" onSubmit={submit}>
        <label htmlFor={inputId}>API key</label>
        <div className="key-prompt-row">
          <input
            id={inputId}
            type="password"
            value={key}
            placeholder="weft_…"
            autoComplete="off"
            spellCheck={false}
            // biome-ignore lint/a11y/noAutofocus: the page holds nothing else to do
            autoFocus
            aria-invalid={problem !== undefined}
            aria-describedby={problem !== undefined ? `${inputId}-problem` : undefined}
            onChange={(event) => {
              setKey(event.target.value);
              setProblem(undefined);
            }}
          />
          <button type="submit" disabled={check.isPending || key.trim().length === 0}>
            {check.isPending ? 'Checking…' : 'Continue'}
          </button>
        </div>
        {problem !== undefined && (
          <p id={`${inputId}-problem`} className="key-prompt-problem" role="alert">
            {problem}
          </p>
        )}
      </form>
    </section>
  );
}

/** Under a "log your first call" snippet, on a server that requires keys: where the SDKs read one. */
export function ApiKeyHint() {
  return (
    <p>
      This server requires an API key: weft's SDK reads it from <code>WEFT_API_KEY</code>, Weave's SDKs from{' '}
      <code>WANDB_API_KEY</code>.
    </p>
  );
}
