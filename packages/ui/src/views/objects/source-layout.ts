/**
 * How an op's source is laid out for reading. JavaScript SDKs store `fn.toString()`: the first
 * line starts at column 0 but the body keeps the indentation it had in its file, so a function
 * defined inside another reads pushed far right. The closing line's indentation is the function's
 * own in that file; taking it off every later line restores the layout its author saw.
 */
import { splitLines } from './line-diff';

function leadingWhitespace(line: string): string {
  return /^[ \t]*/.exec(line)?.[0] ?? '';
}

/**
 * `source` with the body's file indentation removed when the first line has none and every later
 * non-blank line starts with the closing line's indentation; otherwise `source` unchanged (the
 * Python SDK stores whole, already dedented files).
 */
export function dedentFunctionSource(source: string): string {
  const lines = splitLines(source);
  if (lines.length < 2) return source;
  const first = lines[0] ?? '';
  const last = lines[lines.length - 1] ?? '';
  if (leadingWhitespace(first) !== '') return source;
  const indent = leadingWhitespace(last);
  if (indent === '' || last.trim() === '') return source;
  const rest = lines.slice(1);
  if (!rest.every((line) => line.trim() === '' || line.startsWith(indent))) return source;
  return [
    first,
    ...rest.map((line) => line.slice(Math.min(indent.length, leadingWhitespace(line).length))),
  ].join('\n');
}
