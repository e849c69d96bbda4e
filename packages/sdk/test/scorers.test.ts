/**
 * Scorers through weft's SDK against the real `weft serve` process: `call.applyScorer` with sync,
 * async and class scorers, arguments matched by name (positional parameters, one destructured
 * object, `columnMap`, `additionalScorerKwargs`), the result stored as runnable feedback that
 * `scoredBy` finds, and a scorer that throws (docs/protocol.md §18.2).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Call, init, op, resetClient, Scorer, type ScorerArgs, type WeaveClient } from 'weft';
import { removeDataDir, startWeftServer, type WeftServerProcess } from '../../../test/support/weft-server.js';

let server: WeftServerProcess;
let client: WeaveClient;
const PROJECT = 'tests/scorers';

beforeAll(async () => {
  server = await startWeftServer();
  client = init(PROJECT, { serverUrl: server.url });
});

afterAll(async () => {
  await client.flush();
  resetClient();
  await server.stop();
  removeDataDir(server.dataDir);
});

/** An op with named parameters, so its inputs are recorded by name as Python records them. */
const capital = op(
  function capital(country: string, expected: string) {
    return country === 'France' ? 'Paris' : `not ${expected}`;
  },
  { parameterNames: ['country', 'expected'] },
);

/** An op called with one object: scorers read that object's fields. */
const answerQuestion = op(async function answerQuestion({ question }: { question: string; answer: string }) {
  return `It is ${question.length} characters long`;
});

function invoked(result: unknown): Call {
  return (result as [unknown, Call])[1];
}

describe('call.applyScorer', () => {
  it('runs an op scorer on the call’s inputs and output, and stores its result as feedback', async () => {
    const scored = invoked(capital.invoke('France', 'Paris'));
    const exactMatch = op(function exactMatch(output: string, expected: string) {
      return { correct: output === expected };
    });
    const { result, scoreCall } = await scored.applyScorer(exactMatch);
    expect(result).toEqual({ correct: true });
    expect(scoreCall.inputs).toEqual({ output: 'Paris', expected: 'Paris' });
    expect(scoreCall.output).toEqual({ correct: true });
    const rows = await scored.feedback.toArray();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      feedbackType: 'wandb.runnable.exactMatch',
      payload: { output: { correct: true } },
      runnableRef: scoreCall.op_name,
      callRef: scoreCall.ref,
    });
    // Found by scorer name and by the scorer's exact version.
    const byName = await client
      .getCalls({ filter: { call_ids: [scored.id] }, scoredBy: 'exactMatch' })
      .toArray();
    expect(byName.map((call) => call.id)).toEqual([scored.id]);
    const byRef = await client.getCalls({ scoredBy: scoreCall.op_name }).toArray();
    expect(byRef.map((call) => call.id)).toEqual([scored.id]);
    // The score reads as a field of the scored call.
    const correct = await client
      .getCalls({
        query: {
          $expr: {
            $eq: [
              { $getField: 'feedback.[wandb.runnable.exactMatch].payload.output.correct' },
              { $literal: true },
            ],
          },
        },
      })
      .toArray();
    expect(correct.map((call) => call.id)).toEqual([scored.id]);
  });

  it('gives an async scorer with one destructured parameter the fields of a call made with one object', async () => {
    const scored = invoked(await answerQuestion.invoke({ question: 'why?', answer: 'because' }));
    const lengthCheck = op(async function lengthCheck({ output, answer, limit }: ScorerArgs) {
      return { long: String(output).length > Number(limit), hasAnswer: answer === 'because' };
    });
    const { result, scoreCall } = await scored.applyScorer(lengthCheck, {
      additionalScorerKwargs: { limit: 10 },
    });
    expect(result).toEqual({ long: true, hasAnswer: true });
    expect(scoreCall.inputs).toMatchObject({ question: 'why?', answer: 'because', limit: 10 });
  });

  it('runs a Scorer object, renaming columns, and points the feedback at the stored scorer', async () => {
    class Closeness extends Scorer {
      tolerance = 1;
      score({ output, target }: ScorerArgs) {
        return { close: Math.abs(Number(output) - Number(target)) <= this.tolerance };
      }
    }
    const guess = op(
      function guess(truth: number) {
        return truth + 1;
      },
      { parameterNames: ['truth'] },
    );
    const scored = invoked(guess.invoke(41));
    const scorer = new Closeness({ name: 'closeness', columnMap: { target: 'truth' } });
    const { result, scoreCall } = await scored.applyScorer(scorer);
    expect(result).toEqual({ close: true });
    expect(scoreCall.op_name).toMatch(new RegExp(`^weave:///${PROJECT}/op/Closeness\\.score:`));
    const [row] = await scored.feedback.toArray();
    expect(row?.feedbackType).toBe('wandb.runnable.closeness');
    expect(row?.runnableRef).toMatch(new RegExp(`^weave:///${PROJECT}/object/closeness:`));
    // The score call records the scorer as `self`, by its ref.
    expect(scoreCall.inputs.self).toBe(row?.runnableRef);
    expect(await client.get(row?.runnableRef as string)).toMatchObject({ name: 'closeness', tolerance: 1 });
  });

  it('records a scorer that throws on its own call, rethrows it, and stores no feedback', async () => {
    const scored = invoked(capital.invoke('Spain', 'Madrid'));
    const broken = op(function broken(output: string) {
      throw new Error(`cannot judge ${output}`);
    });
    await expect(scored.applyScorer(broken)).rejects.toThrow('cannot judge not Madrid');
    expect(await scored.feedback.toArray()).toEqual([]);
    const [brokenCall] = await client
      .getCalls({ filter: { op_names: [`weave:///${PROJECT}/op/broken:*`] } })
      .toArray();
    expect(brokenCall?.exception).toContain('cannot judge');
  });
});
