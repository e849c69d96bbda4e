/** Placeholder until this view is built (issue 10): says so instead of showing a blank page. */
import { Empty } from '../../components/states';

export function OpsPage() {
  return <Empty title="Ops">This view is not built yet.</Empty>;
}
