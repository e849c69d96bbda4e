/**
 * A logged or stored value as collapsible JSON (@uiw/react-json-view), shared by every view that
 * shows values: the trace view's inputs and outputs, objects, dataset rows. `weave:///` refs
 * become links to the page that shows them (through refPath, never the raw string as href). Long
 * strings are cut with a click to expand, and very long lists or wide objects are bounded
 * (json-bounds.ts) with a control to show everything.
 */
import JsonViewer from '@uiw/react-json-view';
import { type ReactNode, useMemo, useState } from 'react';
import { Link } from 'react-router';
import { refPath } from '../routes';
import { boundJson } from './json-bounds';
import './json-view.css';

export interface JsonViewProps {
  value: unknown;
  /** Depth below which nodes start closed; `true` closes all, `false` opens all. Default 2. */
  collapsed?: boolean | number;
  /** Characters of a string shown before it is cut (click to expand). Default 240. */
  shortenTextAfter?: number;
  /** The root's label, e.g. `inputs`. */
  name?: string;
}

interface ValueRenderProps {
  type: string;
  value?: unknown;
  children?: ReactNode;
  className?: string;
  style?: React.CSSProperties;
}

/** A ref string as a link to its page; other values render as the viewer renders them. */
function RefValue({ type, value, className, style }: ValueRenderProps): ReactNode {
  if (type !== 'string' || typeof value !== 'string' || !value.startsWith('weave:///')) return undefined;
  const to = refPath(value);
  if (!to) return undefined;
  return (
    <span className={className} style={style}>
      <Link to={to} className="json-ref" title={value}>
        {value}
      </Link>
    </span>
  );
}

/** The size of an object or list: "1 item", "12 items" (the viewer's own says "1 items"). */
function CountInfo({ count }: { count: number }) {
  return <span className="w-rjv-object-size json-count">{count === 1 ? '1 item' : `${count} items`}</span>;
}

const components = {
  // The viewer calls this for every value and falls back to its own rendering on undefined.
  value: RefValue as unknown as (props: ValueRenderProps) => React.JSX.Element,
  countInfo: CountInfo,
};

/** A root that is not an object or array: shown as a single value, strings as wrapped text. */
function ScalarView({ value }: { value: unknown }) {
  const [showAll, setShowAll] = useState(false);
  if (typeof value === 'string') {
    const to = value.startsWith('weave:///') ? refPath(value) : undefined;
    if (to) {
      return (
        <Link to={to} className="json-ref">
          {value}
        </Link>
      );
    }
    const limit = 10_000;
    const cut = !showAll && value.length > limit;
    return (
      <div className="json-scalar json-scalar-string">
        {cut ? `${value.slice(0, limit)}…` : value}
        {cut && (
          <button type="button" className="json-show-all" onClick={() => setShowAll(true)}>
            Show all {value.length.toLocaleString()} characters
          </button>
        )}
      </div>
    );
  }
  return <div className="json-scalar">{value === undefined ? 'undefined' : JSON.stringify(value)}</div>;
}

export function JsonView({ value, collapsed = 2, shortenTextAfter = 240, name }: JsonViewProps) {
  const [unbounded, setUnbounded] = useState(false);
  const shown = useMemo(() => (unbounded ? { value, bounded: false } : boundJson(value)), [value, unbounded]);
  if (shown.value === null || typeof shown.value !== 'object') return <ScalarView value={shown.value} />;
  return (
    <div className="json-view">
      {shown.bounded && (
        <p className="json-bounded-note">
          Long lists and wide objects are cut short.{' '}
          <button type="button" className="json-show-all" onClick={() => setUnbounded(true)}>
            Show everything
          </button>
        </p>
      )}
      <JsonViewer
        value={shown.value as object}
        collapsed={collapsed}
        displayDataTypes={false}
        shortenTextAfterLength={shortenTextAfter}
        highlightUpdates={false}
        enableClipboard
        components={components}
        {...(name !== undefined ? { keyName: name } : {})}
      />
    </div>
  );
}
