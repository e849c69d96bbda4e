/**
 * The columns of one evaluation's row table: the row number (a link to its predict_and_score
 * trace), the fields of the dataset row (split into "Input" and "Expected" where the model call
 * shows which fields it read, else all under "Example"), the model output, one column per score
 * (grouped by scorer) and the latency.
 */
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { formatDuration } from '../../format';
import { type ProjectRef, paths } from '../../routes';
import { compareValues, ScoreCell, ValueCell } from './cell-values';
import type { GridColumn } from './eval-grid';
import type { FieldRoles } from './field-roles';
import type { EvalRow, ScoreColumn } from './rows';
import { scoreValue } from './rows';

export interface RowView {
  row: EvalRow;
  /** 1-based, in the order the rows ran. */
  number: number;
  /** The resolved dataset row; undefined while it loads. */
  example: unknown;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

export function RowNumber({ project, row, number }: { project: ProjectRef; row: EvalRow; number: number }) {
  return (
    <Link
      to={paths.call(project, row.callId)}
      className={`eval-row-number status-${row.status}`}
      title={`Open row ${number}'s trace (${row.status})`}
    >
      {number}
    </Link>
  );
}

/** The model output, or the row's error when the model or a scorer failed. */
export function OutputCell({ row }: { row: EvalRow | undefined }) {
  if (!row) return <span className="eval-missing">not in this evaluation</span>;
  if (row.status === 'running') return <span className="eval-missing">running…</span>;
  if (row.modelFailed && row.modelOutput === undefined) {
    const firstLine = row.exception?.split('\n', 1)[0];
    return (
      <span
        className="eval-error"
        title={row.exception?.slice(0, 4000) ?? 'The model raised an error; its trace has it.'}
      >
        {firstLine ? firstLine.slice(0, 400) : 'model failed'}
      </span>
    );
  }
  return <ValueCell value={row.modelOutput} />;
}

export function exampleCell(example: unknown, field: string | undefined): ReactNode {
  if (example === undefined) return <span className="eval-missing">…</span>;
  if (field === undefined) return <ValueCell value={example} />;
  return isRecord(example) && field in example ? (
    <ValueCell value={example[field]} />
  ) : (
    <span className="eval-missing">—</span>
  );
}

export function exampleValue(example: unknown, field: string | undefined): unknown {
  if (field === undefined) return example;
  return isRecord(example) ? example[field] : undefined;
}

/** Score columns grouped under their scorer; a scorer returning one value is one column. */
export function groupScoreColumns<TRow extends object>(
  columns: readonly ScoreColumn[],
  build: (column: ScoreColumn) => GridColumn<TRow>,
): Array<GridColumn<TRow>> {
  const groups: Array<GridColumn<TRow>> = [];
  let index = 0;
  while (index < columns.length) {
    const first = columns[index] as ScoreColumn;
    const same: ScoreColumn[] = [];
    while (index < columns.length && (columns[index] as ScoreColumn).scorer === first.scorer) {
      same.push(columns[index] as ScoreColumn);
      index += 1;
    }
    if (same.length === 1 && first.key === undefined) groups.push({ ...build(first), header: first.scorer });
    else groups.push({ id: `scorer:${first.scorer}`, header: first.scorer, columns: same.map(build) });
  }
  return groups;
}

/**
 * The dataset fields as column groups: "Input" and "Expected" when the model call shows which
 * fields it read (field-roles.ts), else one "Example" group; a row that is not an object is one
 * "Example" column.
 */
export function exampleGroups<TView extends { example: unknown }>(
  fields: readonly string[] | undefined,
  roles: FieldRoles | undefined,
  size: number,
): Array<GridColumn<TView>> {
  const column = (field: string | undefined): GridColumn<TView> => ({
    id: field === undefined ? 'example' : `example:${field}`,
    header: field ?? 'Example',
    size,
    accessorFn: (view: TView) => exampleValue(view.example, field),
    cell: ({ row }) => exampleCell(row.original.example, field),
    sortFn: (a, b, id) => compareValues(a.getValue(id), b.getValue(id)),
  });
  if (!fields) return [{ id: 'example-group', header: 'Example', columns: [column(undefined)] }];
  if (!roles) return [{ id: 'example-group', header: 'Example', columns: fields.map(column) }];
  // Fields met only in rows read after the split was made are not model inputs: expected.
  const inputs = fields.filter((field) => roles.inputs.includes(field));
  const expected = fields.filter((field) => !roles.inputs.includes(field));
  return [
    { id: 'input-group', header: 'Input', columns: inputs.map(column) },
    ...(expected.length > 0
      ? [{ id: 'expected-group', header: 'Expected', columns: expected.map(column) }]
      : []),
  ];
}

export function rowColumns(
  project: ProjectRef,
  fields: readonly string[] | undefined,
  roles: FieldRoles | undefined,
  scores: readonly ScoreColumn[],
): Array<GridColumn<RowView>> {
  return [
    {
      id: 'number',
      header: '#',
      size: 64,
      accessorFn: (view) => view.number,
      cell: ({ row }) => <RowNumber project={project} row={row.original.row} number={row.original.number} />,
    },
    ...exampleGroups<RowView>(fields, roles, 220),
    {
      id: 'output',
      header: 'Output',
      size: 260,
      accessorFn: (view) => view.row.modelOutput,
      cell: ({ row }) => <OutputCell row={row.original.row} />,
      sortFn: (a, b, id) => compareValues(a.getValue(id), b.getValue(id)),
    },
    ...groupScoreColumns<RowView>(scores, (column) => ({
      id: column.id,
      header: column.key ?? column.scorer,
      size: 120,
      accessorFn: (view: RowView) => scoreValue(view.row, column),
      cell: ({ row }) =>
        row.original.row.status === 'running' ? (
          <span className="eval-missing">…</span>
        ) : (
          <ScoreCell value={scoreValue(row.original.row, column)} />
        ),
      sortFn: (a, b, id) => compareValues(a.getValue(id), b.getValue(id)),
    })),
    {
      id: 'latency',
      header: 'Latency',
      size: 100,
      accessorFn: (view) => view.row.latencySeconds,
      cell: ({ row }) => {
        const seconds = row.original.row.latencySeconds;
        return seconds === undefined ? (
          <span className="eval-missing">—</span>
        ) : (
          <span className="eval-number">{formatDuration(seconds * 1000)}</span>
        );
      },
      sortFn: (a, b, id) => compareValues(a.getValue(id), b.getValue(id)),
    },
  ];
}
