/**
 * Which language an op's source is in. Weave's Python SDK stores Python; weft's SDK and Weave's
 * npm SDK store the function's JavaScript text (`fn.toString()`, sometimes TypeScript when run
 * through a loader that keeps it). The file is always called `obj.py`, so the name says nothing:
 * the text has to.
 */
export type SourceLanguage = 'python' | 'typescript' | 'javascript';

/** Each pattern is a line shape one language writes and the others do not. */
const PYTHON_SIGNS: readonly RegExp[] = [
  /^\s*(?:async\s+)?def\s+\w+\s*\(.*\)\s*(?:->\s*[^:]+)?:\s*(?:#.*)?$/m,
  /^\s*@[\w.]+(?:\(.*\))?\s*$/m,
  /^\s*(?:from\s+[\w.]+\s+)?import\s+[\w.]+(?:\s+as\s+\w+)?(?:\s*,\s*[\w.]+)*\s*$/m,
  /^\s*class\s+\w+(?:\(.*\))?:\s*$/m,
  /^\s*(?:if|elif|else|for|while|try|except|finally|with)\b.*:\s*(?:#.*)?$/m,
  /^\s*return\b[^;{}]*$/m,
  /\bself\b/,
  /\bNone\b|\bTrue\b|\bFalse\b/,
  /^\s*"""/m,
];

const SCRIPT_SIGNS: readonly RegExp[] = [
  /\bfunction\b\s*\*?\s*\w*\s*\(/,
  /=>/,
  /^\s*(?:const|let|var)\s+[\w{[]/m,
  /[;{}]\s*$/m,
  /\bawait\b|\basync\s*\(/,
  /\bnull\b|\bundefined\b|\btrue\b|\bfalse\b/,
  /===|!==/,
  /\/\/.*$/m,
];

/** TypeScript-only syntax: type annotations on parameters and declarations, interfaces, `as` casts. */
const TYPESCRIPT_SIGNS: readonly RegExp[] = [
  /\(\s*\w+\??\s*:\s*[A-Z\w[\]<>|{} ]+[,)]/,
  /\)\s*:\s*(?:Promise<|string\b|number\b|boolean\b|void\b|[A-Z]\w*)[^=]*(?:=>|\{)/,
  /^\s*(?:export\s+)?(?:interface|type)\s+\w+/m,
  /\bas\s+(?:const|string|number|unknown|[A-Z]\w*)\b/,
  /^\s*(?:const|let)\s+\w+\s*:\s*\w/m,
  /<\w+(?:\[\])?>\s*\(/,
];

function score(text: string, signs: readonly RegExp[]): number {
  let hits = 0;
  for (const sign of signs) if (sign.test(text)) hits += 1;
  return hits;
}

/** The language to highlight `source` as: Python or JavaScript/TypeScript by their tell-tale lines. */
export function detectSourceLanguage(source: string): SourceLanguage {
  // A few kilobytes are enough to tell, and keep the regexes cheap on a giant file.
  const sample = source.length > 20_000 ? source.slice(0, 20_000) : source;
  const python = score(sample, PYTHON_SIGNS);
  const script = score(sample, SCRIPT_SIGNS);
  if (python > script) return 'python';
  return score(sample, TYPESCRIPT_SIGNS) > 0 ? 'typescript' : 'javascript';
}

export const LANGUAGE_NAMES: Record<SourceLanguage, string> = {
  python: 'Python',
  typescript: 'TypeScript',
  javascript: 'JavaScript',
};
