/**
 * One line of highlighted code: tokens as spans with theme classes, the text escaped by React.
 * In a diff, `changed` ranges (the words that differ from the line's counterpart) are marked.
 */
import { memo } from 'react';
import { type Token, tokenClass } from './highlight';
import { type CharRange, markRanges } from './line-diff';

export const CodeLine = memo(function CodeLine({
  tokens,
  changed,
}: {
  tokens: readonly Token[] | undefined;
  changed?: readonly CharRange[] | undefined;
}) {
  if (!tokens || tokens.length === 0) return <>{'\u200b'}</>;
  if (changed && changed.length > 0) {
    return (
      <>
        {markRanges(tokens, changed).map((piece, index) =>
          piece.changed ? (
            // biome-ignore lint/suspicious/noArrayIndexKey: pieces never reorder within a line
            <mark key={index} className={`diff-word ${tokenClass(piece.token.types) ?? ''}`}>
              {piece.content}
            </mark>
          ) : (
            // biome-ignore lint/suspicious/noArrayIndexKey: pieces never reorder within a line
            <span key={index} className={tokenClass(piece.token.types)}>
              {piece.content}
            </span>
          ),
        )}
      </>
    );
  }
  return (
    <>
      {tokens.map((token, index) => (
        // Tokens never reorder within a line, so their position is their identity.
        // biome-ignore lint/suspicious/noArrayIndexKey: see above
        <span key={index} className={tokenClass(token.types)}>
          {token.content}
        </span>
      ))}
    </>
  );
});
