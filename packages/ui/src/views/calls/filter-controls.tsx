/** The toolbar's filter controls: quick search, trace roots or all calls, op, status and time range. */
import type { TraceStatus } from '@weft/protocol';
import { useEffect, useMemo, useRef, useState } from 'react';
import { Status } from '../../components/status';
import { Popover } from './popover';
import { agoIso, fromLocalInput, toLocalInput } from './time-input';
import { STATUS_WORDS, TRACE_STATUSES } from './view-state';

/** Waits this long after the last keystroke before searching, so typing a word is one request. */
const SEARCH_DEBOUNCE_MS = 300;

export function SearchBox({ value, onCommit }: { value: string; onCommit: (text: string) => void }) {
  const [text, setText] = useState(value);
  const committed = useRef(value);
  // The URL changed under us (back/forward, "clear filters"): show what it says.
  useEffect(() => {
    if (value !== committed.current) {
      committed.current = value;
      setText(value);
    }
  }, [value]);
  useEffect(() => {
    if (text === committed.current) return;
    const timer = setTimeout(() => {
      committed.current = text;
      onCommit(text);
    }, SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text, onCommit]);
  return (
    <input
      type="search"
      className="calls-search"
      placeholder="Search op and display names"
      aria-label="Search calls by op name or display name"
      title="Case-insensitive: the call's display name, or its op's name when it has none, and the name of its op"
      value={text}
      onChange={(event) => setText(event.target.value)}
      onKeyDown={(event) => {
        if (event.key === 'Enter') {
          committed.current = text;
          onCommit(text);
        }
      }}
    />
  );
}

export function ScopeToggle({
  rootsOnly,
  onChange,
}: {
  rootsOnly: boolean;
  onChange: (rootsOnly: boolean) => void;
}) {
  return (
    // biome-ignore lint/a11y/useSemanticElements: a pair of toggle buttons reads better than a fieldset here
    <div className="segmented" role="group" aria-label="Which calls">
      <button
        type="button"
        aria-pressed={rootsOnly}
        onClick={() => onChange(true)}
        title="Only calls without a parent"
      >
        Traces
      </button>
      <button
        type="button"
        aria-pressed={!rootsOnly}
        onClick={() => onChange(false)}
        title="Every call, nested ones too"
      >
        All calls
      </button>
    </div>
  );
}

/** Options listed at once; more are a search away (a project can have thousands of ops). */
const MAX_LISTED_OPS = 200;

export function OpPicker({
  ops,
  selected,
  onChange,
  status,
}: {
  ops: readonly string[];
  selected: readonly string[];
  onChange: (ops: string[]) => void;
  status: 'pending' | 'error' | 'success';
}) {
  const [narrow, setNarrow] = useState('');
  const choices = useMemo(() => {
    // Ops named in the URL stay listed even if the project's list lacks them (a deleted op).
    const all = [...new Set([...selected, ...ops])];
    const needle = narrow.trim().toLowerCase();
    return needle ? all.filter((op) => op.toLowerCase().includes(needle)) : all;
  }, [ops, selected, narrow]);
  const chosen = new Set(selected);
  const label =
    selected.length === 0
      ? 'Op: any'
      : selected.length === 1
        ? `Op: ${selected[0]}`
        : `Ops: ${selected.length}`;
  return (
    <Popover label={label} active={selected.length > 0} className="op-picker">
      <input
        type="search"
        placeholder="Find an op"
        aria-label="Find an op"
        value={narrow}
        onChange={(event) => setNarrow(event.target.value)}
      />
      {status === 'pending' && <p className="muted">Loading ops…</p>}
      {status === 'error' && <p className="muted">Could not list the project's ops.</p>}
      {status === 'success' && choices.length === 0 && (
        <p className="muted">No ops{narrow ? ' match' : ' yet'}.</p>
      )}
      <ul className="check-list">
        {choices.slice(0, MAX_LISTED_OPS).map((op) => (
          <li key={op}>
            <label>
              <input
                type="checkbox"
                checked={chosen.has(op)}
                onChange={(event) =>
                  onChange(event.target.checked ? [...selected, op] : selected.filter((name) => name !== op))
                }
              />
              <span className="op-name">{op}</span>
            </label>
          </li>
        ))}
      </ul>
      {choices.length > MAX_LISTED_OPS && (
        <p className="muted">{choices.length - MAX_LISTED_OPS} more: type to narrow the list.</p>
      )}
      {selected.length > 0 && (
        <button type="button" onClick={() => onChange([])}>
          Any op
        </button>
      )}
    </Popover>
  );
}

export function StatusPicker({
  selected,
  onChange,
}: {
  selected: readonly TraceStatus[];
  onChange: (statuses: TraceStatus[]) => void;
}) {
  const chosen = new Set(selected);
  const label =
    selected.length === 0
      ? 'Status: any'
      : selected.length === 1
        ? `Status: ${STATUS_WORDS[selected[0] as TraceStatus]}`
        : `Status: ${selected.length}`;
  return (
    <Popover label={label} active={selected.length > 0}>
      <ul className="check-list">
        {TRACE_STATUSES.map((status) => (
          <li key={status}>
            <label>
              <input
                type="checkbox"
                checked={chosen.has(status)}
                onChange={(event) =>
                  onChange(
                    event.target.checked
                      ? TRACE_STATUSES.filter((s) => s === status || chosen.has(s))
                      : selected.filter((s) => s !== status),
                  )
                }
              />
              <Status status={status} />
            </label>
          </li>
        ))}
      </ul>
    </Popover>
  );
}

const PRESETS: Array<[string, number]> = [
  ['Last 15 minutes', 15 * 60_000],
  ['Last hour', 3_600_000],
  ['Last 24 hours', 86_400_000],
  ['Last 7 days', 7 * 86_400_000],
];

export function TimeRangePicker({
  after,
  before,
  onChange,
}: {
  after: string | undefined;
  before: string | undefined;
  onChange: (after: string | undefined, before: string | undefined) => void;
}) {
  const active = after !== undefined || before !== undefined;
  return (
    <Popover label={active ? 'Started: range' : 'Started: any time'} active={active} className="time-picker">
      <div className="time-presets">
        {PRESETS.map(([label, ms]) => (
          <button key={label} type="button" onClick={() => onChange(agoIso(ms), undefined)}>
            {label}
          </button>
        ))}
      </div>
      <label className="time-field">
        Started after
        <input
          type="datetime-local"
          value={toLocalInput(after)}
          onChange={(event) => onChange(fromLocalInput(event.target.value), before)}
        />
      </label>
      <label className="time-field">
        Started before
        <input
          type="datetime-local"
          value={toLocalInput(before)}
          onChange={(event) => onChange(after, fromLocalInput(event.target.value))}
        />
      </label>
      {active && (
        <button type="button" onClick={() => onChange(undefined, undefined)}>
          Any time
        </button>
      )}
    </Popover>
  );
}
