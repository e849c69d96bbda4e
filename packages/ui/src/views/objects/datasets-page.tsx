/** `/:e/:p/weave/datasets`: the project's Dataset objects, each with its latest version. */
import { paths } from '../../routes';
import { ObjectListPage } from './object-list-page';

const DATASETS_FILTER = { is_op: false, base_object_classes: ['Dataset'] };

export function DatasetsPage() {
  return (
    <ObjectListPage
      title="Datasets"
      noun="dataset"
      filter={DATASETS_FILTER}
      byClass={false}
      linkTo={paths.objectVersion}
      emptyHelp={
        <p>
          Publish one with <code>new Dataset(&#123; name, rows &#125;).save()</code> in weft's SDK, or{' '}
          <code>weave.publish(weave.Dataset(name=..., rows=[...]))</code> in Python.
        </p>
      }
    />
  );
}
