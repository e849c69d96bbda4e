/** Placeholder until this view is built (issue 10): says so instead of showing a blank page. */
import { Empty } from '../../components/states';

export function DatasetsPage() {
  return <Empty title="Datasets">This view is not built yet.</Empty>;
}
