/**
 * An op's source with line numbers and highlighting. Short files render every line (so the
 * browser's find works); long ones are virtualised (TanStack Virtual) inside a scroll box.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useMemo, useRef } from 'react';
import { CodeLine } from './code-line';
import { HIGHLIGHT_LIMIT, highlightLines, type Token } from './highlight';
import type { SourceLanguage } from './source-language';

/** Files longer than this many lines are virtualised. */
const RENDER_ALL_LIMIT = 2_000;
const LINE_HEIGHT = 20;

export function CodeView({ text, language }: { text: string; language: SourceLanguage }) {
  const lines = useMemo(() => highlightLines(text, language), [text, language]);
  return (
    <div className="code-view">
      {text.length > HIGHLIGHT_LIMIT && (
        <p className="code-note">
          This file is {text.length.toLocaleString()} characters long: shown without highlighting.
        </p>
      )}
      {lines.length > RENDER_ALL_LIMIT ? <VirtualCode lines={lines} /> : <AllCode lines={lines} />}
    </div>
  );
}

function AllCode({ lines }: { lines: Token[][] }) {
  return (
    <pre className="code-lines code-lines-wrapped">
      {lines.map((tokens, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a line's number is its identity
        <div key={index} className="code-row">
          <span className="code-number" aria-hidden="true">
            {index + 1}
          </span>
          <code className="code-text">
            <CodeLine tokens={tokens} />
          </code>
        </div>
      ))}
    </pre>
  );
}

function VirtualCode({ lines }: { lines: Token[][] }) {
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: lines.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => LINE_HEIGHT,
    overscan: 30,
  });
  return (
    <div ref={scroller} className="code-scroller">
      <pre className="code-lines" style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {virtualizer.getVirtualItems().map((item) => (
          <div
            key={item.index}
            className="code-row"
            style={{
              position: 'absolute',
              top: 0,
              left: 0,
              right: 0,
              transform: `translateY(${item.start}px)`,
            }}
          >
            <span className="code-number" aria-hidden="true">
              {item.index + 1}
            </span>
            <code className="code-text">
              <CodeLine tokens={lines[item.index]} />
            </code>
          </div>
        ))}
      </pre>
    </div>
  );
}
