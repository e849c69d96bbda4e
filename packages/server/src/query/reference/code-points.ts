/**
 * Text order by Unicode code point, the byte order of UTF-8 (docs/query-language.md, "Values").
 * JavaScript's `<` compares UTF-16 code units instead, which puts astral characters (emoji, stored
 * as surrogates D800–DFFF) before U+E000–U+FFFF.
 */

/** Moves surrogates above U+E000–U+FFFF; order within each group is kept. */
function codePointRank(unit: number): number {
  if (unit < 0xd800) return unit;
  if (unit < 0xe000) return unit + 0x2000;
  return unit - 0x800;
}

export function compareCodePoints(left: string, right: string): number {
  const length = Math.min(left.length, right.length);
  for (let index = 0; index < length; index++) {
    const leftUnit = left.charCodeAt(index);
    const rightUnit = right.charCodeAt(index);
    // At the first difference both strings agree on everything before it, so a surrogate here
    // starts (or continues) a code point of at least U+10000 and the rank decides correctly.
    if (leftUnit !== rightUnit) return codePointRank(leftUnit) - codePointRank(rightUnit);
  }
  return left.length - right.length;
}
