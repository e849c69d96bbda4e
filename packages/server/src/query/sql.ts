/**
 * A tiny SQL builder whose only job is to keep values out of SQL text: `sql\`a = ${x}\`` turns x
 * into a bound parameter, nested fragments are spliced, and the only way to put raw text in is
 * `rawSql`, which callers use for identifiers and keywords from fixed lists, never for request data.
 */

export class Sql {
  constructor(
    readonly strings: readonly string[],
    readonly values: readonly unknown[],
  ) {}
}

export function sql(strings: TemplateStringsArray, ...values: unknown[]): Sql {
  return new Sql(strings, values);
}

/** SQL text from the program itself (a column name from a whitelist, a keyword). */
export function rawSql(text: string): Sql {
  return new Sql([text], []);
}

export function joinSql(fragments: readonly Sql[], separator: string): Sql {
  if (fragments.length === 0) return rawSql('');
  const strings: string[] = [''];
  const values: unknown[] = [];
  fragments.forEach((fragment, index) => {
    if (index > 0) strings[strings.length - 1] += separator;
    values.push(fragment);
    strings.push('');
  });
  return new Sql(strings, values);
}

export interface CompiledSql {
  text: string;
  params: unknown[];
}

/**
 * Flattens a fragment; `placeholder(i, value)` renders the i-th parameter in the dialect's style
 * (ClickHouse names each parameter's type in the placeholder, from its value). Equal
 * strings and numbers are bound once and referred to by number (a JSON path read several times
 * in one expression, say), which keeps large queries within a database's parameter limit.
 */
export function compileSql(
  fragment: Sql,
  placeholder: (index: number, value: unknown) => string,
): CompiledSql {
  const params: unknown[] = [];
  const seen = new Map<unknown, number>();
  const parameter = (value: unknown): string => {
    const shareable = typeof value === 'string' || typeof value === 'number';
    let index = shareable ? seen.get(value) : undefined;
    if (index === undefined) {
      index = params.length;
      params.push(value);
      if (shareable) seen.set(value, index);
    }
    return placeholder(index, params[index]);
  };
  const visit = (node: Sql): string => {
    let text = node.strings[0] ?? '';
    node.values.forEach((value, index) => {
      text += value instanceof Sql ? visit(value) : parameter(value);
      text += node.strings[index + 1] ?? '';
    });
    return text;
  };
  return { text: visit(fragment), params };
}

/**
 * Joins conditions with AND or OR as a balanced tree, so that a query with thousands of terms
 * nests log₂(n) deep rather than n (databases limit expression depth; SQLite to 1,000).
 */
export function balancedJoin(fragments: readonly Sql[], operator: 'AND' | 'OR'): Sql {
  if (fragments.length === 0) return rawSql(operator === 'AND' ? '1' : '0');
  if (fragments.length === 1) return fragments[0] as Sql;
  const middle = Math.ceil(fragments.length / 2);
  const left = balancedJoin(fragments.slice(0, middle), operator);
  const right = balancedJoin(fragments.slice(middle), operator);
  return operator === 'AND' ? sql`(${left} AND ${right})` : sql`(${left} OR ${right})`;
}
