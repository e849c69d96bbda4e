/**
 * The diff between two versions of an op's source, unified or side by side, highlighted, with
 * unchanged stretches folded behind a "show" bar. Which versions and which layout are the page's
 * URL state; this component only draws.
 */
import { Fragment, useMemo, useState } from 'react';
import { CodeLine } from './code-line';
import { highlightLines, type Token } from './highlight';
import {
  type DiffBlock,
  type DiffLine,
  diffStats,
  foldUnchanged,
  lineDiff,
  linePartners,
  splitRows,
  wordChanges,
} from './line-diff';
import type { SourceLanguage } from './source-language';

export type DiffLayout = 'unified' | 'split';

/** Rows drawn before the rest waits behind a button: a diff of two giant files stays responsive. */
const ROW_BUDGET = 4_000;

interface Highlighted {
  old: Token[][];
  new: Token[][];
  /** Each changed line's counterpart, for marking the words that differ. */
  partners: Map<DiffLine, DiffLine>;
}

export function CodeDiffView({
  oldText,
  newText,
  language,
  layout,
  oldLabel,
  newLabel,
}: {
  oldText: string;
  newText: string;
  language: SourceLanguage;
  layout: DiffLayout;
  oldLabel: string;
  newLabel: string;
}) {
  const lines = useMemo(() => lineDiff(oldText, newText), [oldText, newText]);
  const highlighted = useMemo<Highlighted>(
    () => ({
      old: highlightLines(oldText, language),
      new: highlightLines(newText, language),
      partners: lines ? linePartners(lines) : new Map(),
    }),
    [oldText, newText, language, lines],
  );
  const blocks = useMemo(() => (lines ? foldUnchanged(lines) : []), [lines]);
  const [opened, setOpened] = useState<ReadonlySet<number>>(new Set());
  const [showAllRows, setShowAllRows] = useState(false);

  if (!lines) {
    return (
      <p className="diff-note">
        These two versions differ too much to diff here. Open each version to read its code.
      </p>
    );
  }
  const stats = diffStats(lines);
  if (stats.added === 0 && stats.removed === 0) {
    return (
      <p className="diff-note">
        The code of {oldLabel} and {newLabel} is identical.
      </p>
    );
  }
  const open = (start: number) => setOpened((previous) => new Set(previous).add(start));

  let budget = showAllRows ? Number.POSITIVE_INFINITY : ROW_BUDGET;
  const drawn: React.ReactNode[] = [];
  for (const block of blocks) {
    if (budget <= 0) break;
    const key = block.kind === 'folded' ? `fold-${block.start}` : `lines-${firstNumber(block)}`;
    if (block.kind === 'folded' && !opened.has(block.start)) {
      drawn.push(<FoldBar key={key} block={block} layout={layout} onOpen={open} />);
      budget -= 1;
      continue;
    }
    const shown = block.lines.slice(0, budget);
    budget -= shown.length;
    drawn.push(
      <Fragment key={key}>
        {layout === 'unified' ? (
          <UnifiedLines lines={shown} highlighted={highlighted} />
        ) : (
          <SplitLines lines={shown} highlighted={highlighted} />
        )}
      </Fragment>,
    );
  }

  return (
    <div className="diff-view">
      <div className={`diff-header diff-header-${layout}`}>
        <span className="diff-side-label">
          <span className="diff-count-removed">−{stats.removed}</span> {oldLabel}
        </span>
        <span className="diff-side-label">
          <span className="diff-count-added">+{stats.added}</span> {newLabel}
        </span>
      </div>
      <table className={`diff-table diff-${layout}`}>
        <tbody>{drawn}</tbody>
      </table>
      {budget <= 0 && !showAllRows && (
        <p className="diff-note">
          This diff is long; the first {ROW_BUDGET.toLocaleString()} lines are shown.{' '}
          <button type="button" onClick={() => setShowAllRows(true)}>
            Show the whole diff
          </button>
        </p>
      )}
    </div>
  );
}

function firstNumber(block: DiffBlock): string {
  const first = block.lines[0];
  return `${first?.oldNumber ?? ''}:${first?.newNumber ?? ''}`;
}

function FoldBar({
  block,
  layout,
  onOpen,
}: {
  block: Extract<DiffBlock, { kind: 'folded' }>;
  layout: DiffLayout;
  onOpen: (start: number) => void;
}) {
  return (
    <tr className="diff-fold">
      <td colSpan={layout === 'unified' ? 4 : 6}>
        <button type="button" onClick={() => onOpen(block.start)}>
          Show {block.lines.length} unchanged lines
        </button>
      </td>
    </tr>
  );
}

const MARKS = { same: ' ', added: '+', removed: '−' } as const;

function tokensOf(line: DiffLine, highlighted: Highlighted, side: 'old' | 'new'): Token[] | undefined {
  const number = side === 'old' ? line.oldNumber : line.newNumber;
  return number === undefined ? undefined : highlighted[side][number - 1];
}

function UnifiedLines({ lines, highlighted }: { lines: DiffLine[]; highlighted: Highlighted }) {
  return (
    <>
      {lines.map((line) => (
        <tr
          key={`${line.oldNumber ?? '-'}:${line.newNumber ?? '-'}`}
          className={`diff-line diff-${line.change}`}
        >
          <td className="diff-number">{line.oldNumber}</td>
          <td className="diff-number">{line.newNumber}</td>
          <td className="diff-mark" aria-label={line.change === 'same' ? undefined : line.change}>
            {MARKS[line.change]}
          </td>
          <td className="diff-code">
            <DiffCode
              line={line}
              side={line.change === 'removed' ? 'old' : 'new'}
              highlighted={highlighted}
            />
          </td>
        </tr>
      ))}
    </>
  );
}

function SplitLines({ lines, highlighted }: { lines: DiffLine[]; highlighted: Highlighted }) {
  return (
    <>
      {splitRows(lines).map(({ left, right }) => (
        <tr key={`${left?.oldNumber ?? '-'}:${right?.newNumber ?? '-'}`} className="diff-line">
          <SplitHalf line={left} side="old" highlighted={highlighted} />
          <SplitHalf line={right} side="new" highlighted={highlighted} />
        </tr>
      ))}
    </>
  );
}

function SplitHalf({
  line,
  side,
  highlighted,
}: {
  line: DiffLine | undefined;
  side: 'old' | 'new';
  highlighted: Highlighted;
}) {
  if (!line) {
    return (
      <>
        <td className="diff-number diff-empty" />
        <td className="diff-mark diff-empty" />
        <td className="diff-code diff-empty" />
      </>
    );
  }
  const change = line.change;
  return (
    <>
      <td className={`diff-number diff-${change}`}>{side === 'old' ? line.oldNumber : line.newNumber}</td>
      <td className={`diff-mark diff-${change}`} aria-label={change === 'same' ? undefined : change}>
        {MARKS[change]}
      </td>
      <td className={`diff-code diff-${change}`}>
        <DiffCode line={line} side={side} highlighted={highlighted} />
      </td>
    </>
  );
}

/** A diff line's code, with the words that differ from its counterpart marked. */
function DiffCode({
  line,
  side,
  highlighted,
}: {
  line: DiffLine;
  side: 'old' | 'new';
  highlighted: Highlighted;
}) {
  const partner = highlighted.partners.get(line);
  const changed = useMemo(() => {
    if (!partner) return undefined;
    const marks =
      line.change === 'removed' ? wordChanges(line.text, partner.text) : wordChanges(partner.text, line.text);
    return line.change === 'removed' ? marks?.old : marks?.new;
  }, [line, partner]);
  return <CodeLine tokens={tokensOf(line, highlighted, side)} changed={changed} />;
}
