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

/** Flattens a fragment; `placeholder(i)` renders the i-th parameter in the dialect's style. */
export function compileSql(fragment: Sql, placeholder: (index: number) => string): CompiledSql {
  const params: unknown[] = [];
  const visit = (node: Sql): string => {
    let text = node.strings[0] ?? '';
    node.values.forEach((value, index) => {
      if (value instanceof Sql) {
        text += visit(value);
      } else {
        text += placeholder(params.length);
        params.push(value);
      }
      text += node.strings[index + 1] ?? '';
    });
    return text;
  };
  return { text: visit(fragment), params };
}
