/**
 * Keyboard movement through a virtualised table's rows: one row is the active one (the one Tab
 * reaches), arrows, Page Up/Down, Home and End move it and scroll it into view, Enter acts on it.
 * Rows are `<tr data-index>` elements inside the scroll element; the virtualizer may render the
 * target row only after the scroll, so focus moves on the next frame.
 */
import type { Virtualizer } from '@tanstack/react-virtual';
import { type KeyboardEvent, type RefObject, useState } from 'react';

export interface RowKeyboardOptions<TScroll extends HTMLElement> {
  rowCount: number;
  rowHeight: number;
  scrollRef: RefObject<TScroll | null>;
  virtualizer: Virtualizer<TScroll, Element>;
  /** Enter on the active row; return true when it was handled (the key's default is then prevented). */
  onEnter: (index: number, event: KeyboardEvent) => boolean;
}

/** The row index a movement key leads to from `active`, or undefined for other keys. */
export function rowAfterKey(
  key: string,
  active: number,
  rowCount: number,
  pageRows: number,
): number | undefined {
  const moves: Record<string, number> = {
    ArrowDown: active + 1,
    ArrowUp: active - 1,
    PageDown: active + pageRows,
    PageUp: active - pageRows,
    Home: 0,
    End: rowCount - 1,
  };
  const next = moves[key];
  return next === undefined ? undefined : Math.max(0, Math.min(rowCount - 1, next));
}

export function useRowKeyboard<TScroll extends HTMLElement>({
  rowCount,
  rowHeight,
  scrollRef,
  virtualizer,
  onEnter,
}: RowKeyboardOptions<TScroll>) {
  const [activeIndex, setActiveIndex] = useState(0);

  const focusRow = (index: number) => {
    const target = Math.max(0, Math.min(rowCount - 1, index));
    setActiveIndex(target);
    virtualizer.scrollToIndex(target, { align: 'auto' });
    requestAnimationFrame(() => {
      scrollRef.current
        ?.querySelector<HTMLElement>(`tr[data-index="${target}"]`)
        ?.focus({ preventScroll: true });
    });
  };

  const onKeyDown = (event: KeyboardEvent<HTMLElement>) => {
    // Keys typed into a control inside a row (a link, a checkbox) are that control's.
    if ((event.target as HTMLElement).tagName !== 'TR') return;
    // A page is the rows in view, less one so that the last row seen stays in sight.
    const pageRows = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 320) / rowHeight) - 1);
    const next = rowAfterKey(event.key, activeIndex, rowCount, pageRows);
    if (next !== undefined) {
      event.preventDefault();
      focusRow(next);
    } else if (event.key === 'Enter' && activeIndex < rowCount && onEnter(activeIndex, event)) {
      event.preventDefault();
    }
  };

  return { activeIndex, setActiveIndex, focusRow, onKeyDown };
}
