/** Placeholder until this view is built (issue 10): says so instead of showing a blank page. */
import { Empty } from '../../components/states';

export function ObjectVersionPage() {
  return <Empty title="Object">This view is not built yet.</Empty>;
}
