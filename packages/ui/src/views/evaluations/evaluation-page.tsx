/** Placeholder until this view is built (issue 10): says so instead of showing a blank page. */
import { Empty } from '../../components/states';

export function EvaluationPage() {
  return <Empty title="Evaluation">This view is not built yet.</Empty>;
}
