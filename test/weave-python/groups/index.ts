/**
 * The scenario groups, each a script in scripts/ and the checks of what it logged. A new group
 * (feedback, …) is a script, a module here, and an entry in this list.
 */
import type { PythonGroup } from '../support/suite.js';
import { costs } from './costs.js';
import { evaluation } from './evaluation.js';
import { evaluationLogger } from './evaluation-logger.js';
import { feedback } from './feedback.js';
import { initGroup } from './init.js';
import { lifecycle } from './lifecycle.js';
import { objects } from './objects.js';
import { queries } from './queries.js';
import { trees } from './trees.js';

export const GROUPS: readonly PythonGroup[] = [
  initGroup,
  trees,
  queries,
  objects,
  evaluation,
  lifecycle,
  costs,
  feedback,
  evaluationLogger,
];
