/**
 * The Query filter builder: a field path, an operator and a value, added as one condition (the
 * conditions are ANDed). The field list suggests the call's columns, the feedback fields (the
 * first reaction's emoji, the first note, each scorer's result keys seen on the loaded calls) and
 * the summary keys seen on the loaded calls, but any path the Query language takes is accepted
 * (`inputs.model`, `output.choices.0.message.content`,
 * `feedback.[wandb.runnable.my_scorer].payload.output.correct`, …); the server's reason is shown
 * if it refuses one.
 */
import { type FormEvent, useId, useState } from 'react';
import { Popover } from './popover';
import type { Condition, ConditionOperator } from './view-state';

export const OPERATOR_LABELS: Record<ConditionOperator, string> = {
  eq: '=',
  neq: '≠',
  gt: '>',
  gte: '≥',
  lt: '<',
  lte: '≤',
  contains: 'contains',
  in: 'is one of',
  exists: 'exists',
  missing: 'is missing',
};

const NO_VALUE: ReadonlySet<ConditionOperator> = new Set(['exists', 'missing']);

export const BASE_FIELDS = [
  'display_name',
  'op_name',
  'summary.weave.status',
  'summary.weave.latency_ms',
  'summary.weave.trace_name',
  'started_at',
  'ended_at',
  'exception',
  'id',
  'trace_id',
  'parent_id',
  'thread_id',
  'wb_user_id',
  'wb_run_id',
  'inputs.',
  'output',
  'attributes.',
];

export function conditionText(condition: Condition): string {
  const operator = OPERATOR_LABELS[condition.operator];
  return NO_VALUE.has(condition.operator)
    ? `${condition.field} ${operator}`
    : `${condition.field} ${operator} ${condition.value}`;
}

export function ConditionBuilder({
  fields,
  onAdd,
}: {
  /** Suggested field paths. */
  fields: readonly string[];
  onAdd: (condition: Condition) => void;
}) {
  const listId = useId();
  const [field, setField] = useState('');
  const [operator, setOperator] = useState<ConditionOperator>('eq');
  const [value, setValue] = useState('');
  const needsValue = !NO_VALUE.has(operator);
  const ready = field.trim().length > 0 && !field.endsWith('.') && (!needsValue || value.trim().length > 0);

  function submit(event: FormEvent): void {
    event.preventDefault();
    if (!ready) return;
    onAdd({ field: field.trim(), operator, value: needsValue ? value : '' });
    setValue('');
  }

  return (
    <Popover label="+ Filter" className="condition-builder">
      <form onSubmit={submit} aria-label="Add a filter">
        <label>
          Field
          <input
            list={listId}
            value={field}
            placeholder="summary.my_key"
            aria-label="Field path"
            onChange={(event) => setField(event.target.value)}
            spellCheck={false}
          />
          <datalist id={listId}>
            {fields.map((path) => (
              <option key={path} value={path} />
            ))}
          </datalist>
        </label>
        <label>
          Operator
          <select
            value={operator}
            aria-label="Operator"
            onChange={(event) => setOperator(event.target.value as ConditionOperator)}
          >
            {Object.entries(OPERATOR_LABELS).map(([key, label]) => (
              <option key={key} value={key}>
                {label}
              </option>
            ))}
          </select>
        </label>
        {needsValue && (
          <label>
            Value
            <input
              value={value}
              aria-label="Value"
              placeholder={operator === 'in' ? 'a, b, c' : 'value'}
              onChange={(event) => setValue(event.target.value)}
            />
          </label>
        )}
        <p className="hint">
          Numbers and true/false compare as such in JSON fields; put text in "double quotes" to compare it as
          text. Times take any date, e.g. 2025-01-31 12:00.
        </p>
        <button type="submit" disabled={!ready}>
          Add filter
        </button>
      </form>
    </Popover>
  );
}
