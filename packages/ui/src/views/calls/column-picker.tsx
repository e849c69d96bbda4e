/** Which columns the table shows; the choice goes into the URL. */
import type { ColumnChoice } from './calls-columns';
import { Popover } from './popover';

export function ColumnPicker({
  choices,
  visible,
  custom,
  onChange,
}: {
  choices: readonly ColumnChoice[];
  visible: readonly string[];
  /** Whether the user has chosen (the URL names the columns), so "Default columns" can undo it. */
  custom: boolean;
  onChange: (columns: string[] | undefined) => void;
}) {
  const shown = new Set(visible);
  function toggle(id: string, on: boolean): void {
    // Kept in table order, so the URL does not depend on the order of clicks.
    onChange(
      choices.filter((choice) => (choice.id === id ? on : shown.has(choice.id))).map((choice) => choice.id),
    );
  }
  return (
    <Popover label={`Columns: ${visible.length}`} className="column-picker">
      <ul className="check-list">
        {choices.map((choice) => (
          <li key={choice.id}>
            <label title={choice.id}>
              <input
                type="checkbox"
                checked={shown.has(choice.id)}
                disabled={!choice.hideable}
                onChange={(event) => toggle(choice.id, event.target.checked)}
              />
              {choice.label}
            </label>
          </li>
        ))}
      </ul>
      {custom && (
        <button type="button" onClick={() => onChange(undefined)}>
          Default columns
        </button>
      )}
    </Popover>
  );
}
