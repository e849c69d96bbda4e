/** `/:e/:p/weave/ops`: every op of the project with its latest version. */
import { paths } from '../../routes';
import { ObjectListPage } from './object-list-page';

const OPS_FILTER = { is_op: true };

export function OpsPage() {
  return (
    <ObjectListPage
      title="Ops"
      noun="op"
      filter={OPS_FILTER}
      byClass={false}
      linkTo={paths.opVersion}
      emptyHelp={
        <p>
          An op is saved the first time a function wrapped with <code>op()</code> (weft, Weave's npm SDK) or{' '}
          <code>@weave.op</code> (Weave's Python SDK) runs after <code>init()</code>.
        </p>
      }
    />
  );
}
