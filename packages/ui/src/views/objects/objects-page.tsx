/** `/:e/:p/weave/objects`: every stored object that is not an op, filterable by class. */
import { paths } from '../../routes';
import { ObjectListPage } from './object-list-page';

const OBJECTS_FILTER = { is_op: false };

export function ObjectsPage() {
  return (
    <ObjectListPage
      title="Objects"
      noun="object"
      filter={OBJECTS_FILTER}
      byClass
      linkTo={paths.objectVersion}
      emptyHelp={
        <p>
          Objects are values published by name: models, prompts, datasets, evaluations (
          <code>weave.publish(value, name)</code> in Python, <code>publish</code> in weft's SDK).
        </p>
      }
    />
  );
}
