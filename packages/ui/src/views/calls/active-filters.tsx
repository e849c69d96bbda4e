/** The filters in force as removable chips, with "Clear filters". */
import { formatTime } from '../../format';
import { conditionText } from './condition-builder';
import { type CallsViewState, hasFilters, STATUS_WORDS, withoutFilters } from './view-state';

function Chip({ label, onRemove }: { label: string; onRemove: () => void }) {
  return (
    <span className="chip">
      <span className="chip-label" title={label}>
        {label}
      </span>
      <button type="button" className="chip-remove" aria-label={`Remove filter ${label}`} onClick={onRemove}>
        ×
      </button>
    </span>
  );
}

export function ActiveFilters({
  state,
  onChange,
}: {
  state: CallsViewState;
  onChange: (next: CallsViewState) => void;
}) {
  if (!hasFilters(state)) return null;
  return (
    <section className="active-filters" aria-label="Filters in force">
      {state.search.trim() && (
        <Chip
          label={`name contains “${state.search.trim()}”`}
          onRemove={() => onChange({ ...state, search: '' })}
        />
      )}
      {state.ops.map((op) => (
        <Chip
          key={`op:${op}`}
          label={`op = ${op}`}
          onRemove={() => onChange({ ...state, ops: state.ops.filter((name) => name !== op) })}
        />
      ))}
      {state.statuses.length > 0 && (
        <Chip
          label={`status ${state.statuses.length === 1 ? '=' : 'in'} ${state.statuses.map((s) => STATUS_WORDS[s]).join(', ')}`}
          onRemove={() => onChange({ ...state, statuses: [] })}
        />
      )}
      {state.startedAfter && (
        <Chip
          label={`started after ${formatTime(state.startedAfter)}`}
          onRemove={() => onChange({ ...state, startedAfter: undefined })}
        />
      )}
      {state.startedBefore && (
        <Chip
          label={`started before ${formatTime(state.startedBefore)}`}
          onRemove={() => onChange({ ...state, startedBefore: undefined })}
        />
      )}
      {state.conditions.map((condition, index) => (
        <Chip
          // Conditions may repeat; their place in the list tells them apart.
          // biome-ignore lint/suspicious/noArrayIndexKey: see above
          key={`where:${index}`}
          label={conditionText(condition)}
          onRemove={() => onChange({ ...state, conditions: state.conditions.filter((_, i) => i !== index) })}
        />
      ))}
      <button type="button" className="link-button" onClick={() => onChange(withoutFilters(state))}>
        Clear filters
      </button>
    </section>
  );
}
