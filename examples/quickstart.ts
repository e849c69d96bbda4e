/**
 * The README's quick start: trace a function, then find its call again.
 *
 *   npm start                            # in another terminal: the trace server
 *   npx tsx examples/quickstart.ts
 */
import { init, op } from 'weft';

const client = init('my-team/quickstart');

const greet = op(async function greet(name: string) {
  return `Hello, ${name}!`;
});

const [greeting, call] = await greet.invoke('weft');
console.log(greeting);

const found = await client.getCall(call!.id);
console.log(found.op_name, found.inputs, found.output, found.summary.weave);
