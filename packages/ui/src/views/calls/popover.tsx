/**
 * A button that opens a panel below it: a native `<details>`, so it opens with the keyboard and
 * needs no positioning library. Closes on a click outside and on Escape.
 */
import { type ReactNode, useEffect, useRef } from 'react';

export function Popover({
  label,
  active = false,
  children,
  className,
}: {
  label: ReactNode;
  /** Whether the control currently narrows the table (shown highlighted). */
  active?: boolean;
  children: ReactNode;
  className?: string;
}) {
  const ref = useRef<HTMLDetailsElement>(null);
  useEffect(() => {
    function close(event: Event): void {
      const details = ref.current;
      if (!details?.open) return;
      if (event instanceof KeyboardEvent) {
        if (event.key !== 'Escape') return;
        details.open = false;
        details.querySelector('summary')?.focus();
        return;
      }
      if (!details.contains(event.target as Node)) details.open = false;
    }
    document.addEventListener('mousedown', close);
    document.addEventListener('keydown', close);
    return () => {
      document.removeEventListener('mousedown', close);
      document.removeEventListener('keydown', close);
    };
  }, []);
  return (
    <details ref={ref} className={`popover${active ? ' active' : ''}${className ? ` ${className}` : ''}`}>
      <summary>{label}</summary>
      <div className="popover-panel">{children}</div>
    </details>
  );
}
