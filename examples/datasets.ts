/**
 * Versioned objects: publish a Dataset and a model config, run an op over the rows, and read the
 * versions back. Rows and published values show up in the calls' inputs as refs.
 *
 *   npm start                            # in another terminal: the trace server
 *   npx tsx examples/datasets.ts
 */
import { Dataset, init, op, publish, ref, WeaveObject } from 'weft';

const client = init('my-team/datasets-example');

class ModelConfig extends WeaveObject {
  constructor(
    fields: { name: string },
    public model: string,
    public temperature: number,
  ) {
    super(fields);
  }
}

const questions = new Dataset({
  name: 'arithmetic',
  description: 'small sums',
  rows: [
    { question: '1+1', expected: '2' },
    { question: '2+3', expected: '5' },
  ],
});
const datasetRef = await questions.save();
const config = new ModelConfig({ name: 'calculator' }, 'sum-model', 0);
const configRef = await publish(config);
console.log('dataset', datasetRef.name, datasetRef.digest.length);
console.log('config', configRef.name);

const answer = op(function answer(row: { question: string }, settings: ModelConfig) {
  const [left = 0, right = 0] = row.question.split('+').map(Number);
  return settings.temperature === 0 ? String(left + right) : '?';
});

for (const row of questions) answer(row, config);
await client.flush();

// Each call's inputs point at the row and the config version it used.
for await (const call of client.getCalls({ filter: { input_refs: [configRef.uri] } })) {
  const row = (await ref(call.inputs.arg0 as string).get()) as { question: string; expected: string };
  console.log(row.question, '=', call.output, row.expected === call.output ? 'ok' : 'wrong');
}

const loaded = (await client.get(datasetRef)) as Dataset;
console.log('rows read back', loaded.length, loaded instanceof Dataset);
