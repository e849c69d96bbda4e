/**
 * Finding calls: Weave's Query language through the `q` builders, sorting on a JSON field.
 *
 *   npm start                            # in another terminal: the trace server
 *   npx tsx examples/search-calls.ts
 */
import { init, op, q } from 'weft';

const client = init('my-team/search-example');

const answer = op(function answer(question: string, model: string) {
  if (question.includes('?!')) throw new Error('cannot parse the question');
  return { text: `(${model}) an answer to "${question}"`, confidence: question.length / 100 };
});

const questions: Array<[string, string]> = [
  ['How do refunds work?', 'gpt-4o'],
  ['Where is my REFUND?!', 'gpt-4o'],
  ['What is weft?', 'claude'],
  ['Can I get a refund after 30 days?', 'claude'],
];
for (const [question, model] of questions) {
  try {
    answer(question, model);
  } catch {
    // Recorded on the call as its exception.
  }
}

// Calls that mention refunds in any case, whatever their outcome; the op's inputs are arg0, arg1.
const refunds = client.getCalls({
  query: q.contains('inputs.arg0', 'refund', { caseInsensitive: true }),
  sortBy: [{ field: 'output.confidence', direction: 'desc' }],
});
for await (const call of refunds) {
  console.log(call.summary.weave?.status, call.inputs.arg0);
}

// How many calls on claude succeeded.
const claudeOk = client.getCalls({
  query: q.and(q.eq('inputs.arg1', 'claude'), q.eq('summary.weave.status', 'success')),
});
console.log('claude successes:', await claudeOk.count());
