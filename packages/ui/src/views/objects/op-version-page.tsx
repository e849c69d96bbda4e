/** Placeholder until this view is built (issue 10): says so instead of showing a blank page. */
import { Empty } from '../../components/states';

export function OpVersionPage() {
  return <Empty title="Op">This view is not built yet.</Empty>;
}
