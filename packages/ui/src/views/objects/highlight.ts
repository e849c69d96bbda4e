/**
 * Source text as lines of highlighted tokens (Prism, through prism-react-renderer's bundled
 * grammars). Lines, not one blob, so the code view and the diff can number, fold and pair them.
 * Tokens are only class names over text: React renders and escapes the text.
 */
import { normalizeTokens, Prism, type Token } from 'prism-react-renderer';
import { splitLines } from './line-diff';
import type { SourceLanguage } from './source-language';

export type { Token };

/** Above this size a file is shown as plain text: Prism's regexes get slow on megabytes. */
export const HIGHLIGHT_LIMIT = 300_000;

/** The file's lines as tokens, one array per line, numbered as splitLines numbers them. */
export function highlightLines(text: string, language: SourceLanguage): Token[][] {
  const grammar = Prism.languages[language];
  if (!grammar || text.length > HIGHLIGHT_LIMIT) return plainLines(text);
  const lines = normalizeTokens(Prism.tokenize(text, grammar));
  const count = splitLines(text).length;
  return lines.slice(0, count);
}

export function plainLines(text: string): Token[][] {
  return splitLines(text).map((line) => [{ types: ['plain'], content: line }]);
}

/** The few token kinds the theme colours, most specific first. */
const TOKEN_KINDS: ReadonlyArray<[string, string]> = [
  ['comment', 'comment'],
  ['triple-quoted-string', 'string'],
  ['template-string', 'string'],
  ['string', 'string'],
  ['char', 'string'],
  ['regex', 'string'],
  ['keyword', 'keyword'],
  ['boolean', 'number'],
  ['number', 'number'],
  ['decorator', 'function'],
  ['function', 'function'],
  ['class-name', 'builtin'],
  ['builtin', 'builtin'],
  ['operator', 'punctuation'],
  ['punctuation', 'punctuation'],
];

/** The CSS class of a token (`tok-keyword`), or undefined for plain text. */
export function tokenClass(types: readonly string[]): string | undefined {
  for (const [type, kind] of TOKEN_KINDS) if (types.includes(type)) return `tok-${kind}`;
  return undefined;
}
