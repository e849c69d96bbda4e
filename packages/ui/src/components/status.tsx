/** A call's status as a coloured dot and a word (`summary.weave.status`, docs/protocol.md §4). */
const LABELS: Record<string, string> = {
  success: 'Success',
  error: 'Error',
  running: 'Running',
  descendant_error: 'Child failed',
};

export function Status({ status }: { status: string | undefined }) {
  const known = status ?? 'running';
  return <span className={`status status-${known}`}>{LABELS[known] ?? known}</span>;
}
