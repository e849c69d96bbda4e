/**
 * The ops an evaluation's calls are made of, named as the official SDKs name them so that any UI
 * reading evaluations recognises weft's; their source is fixed text (there is no function to show).
 */
import { createOpState } from '../tracing/op-state.js';

export const EVALUATE_OP = createOpState({
  name: 'Evaluation.evaluate',
  source: "// weft's Evaluation.evaluate\n",
});
export const PREDICT_AND_SCORE_OP = createOpState({
  name: 'Evaluation.predict_and_score',
  source: "// weft's Evaluation.predict_and_score\n",
});
export const SUMMARIZE_OP = createOpState({
  name: 'Evaluation.summarize',
  source: "// weft's Evaluation.summarize\n",
});
