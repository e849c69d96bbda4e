import { describe, expect, it } from 'vitest';
import { dedentFunctionSource } from './source-layout';

describe('dedentFunctionSource', () => {
  it("takes the file's indentation off a nested function's body", () => {
    const source = 'function summarize(text) {\n\t\tconst words = text.split(" ");\n\t\treturn words;\n\t}';
    expect(dedentFunctionSource(source)).toBe(
      'function summarize(text) {\n\tconst words = text.split(" ");\n\treturn words;\n}',
    );
  });

  it('keeps blank lines and deeper indentation', () => {
    const source = 'function f() {\n      if (x) {\n        y();\n\n      }\n    }';
    expect(dedentFunctionSource(source)).toBe('function f() {\n  if (x) {\n    y();\n\n  }\n}');
  });

  it('leaves source alone when a line is indented less than the closing line', () => {
    const source = 'function f() {\n  a();\n    }';
    expect(dedentFunctionSource(source)).toBe(source);
  });

  it('leaves Python files and one-line functions alone', () => {
    const python = 'import weave\n\n@weave.op\ndef f(x):\n    return x\n';
    expect(dedentFunctionSource(python)).toBe(python);
    expect(dedentFunctionSource('(a) => a + 1')).toBe('(a) => a + 1');
  });
});
