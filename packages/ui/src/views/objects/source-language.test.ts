import { describe, expect, it } from 'vitest';
import { detectSourceLanguage } from './source-language';

describe('detectSourceLanguage', () => {
  it("reads the Python SDK's saved op as Python", () => {
    const source = [
      'import weave',
      '',
      '@weave.op',
      'def add(a: int, b: int) -> int:',
      '    """Adds."""',
      '    if a is None:',
      '        return b',
      '    return a + b',
    ].join('\n');
    expect(detectSourceLanguage(source)).toBe('python');
  });

  it('reads a Python class method as Python', () => {
    const source =
      'class Model(weave.Model):\n    prompt: str\n\n    @weave.op()\n    def predict(self, q):\n        return self.prompt + q\n';
    expect(detectSourceLanguage(source)).toBe('python');
  });

  it("reads weft's SDK source (fn.toString()) as JavaScript", () => {
    const source =
      'async function summarise(text) {\n  const words = text.split(" ");\n  return words.slice(0, 10).join(" ");\n}';
    expect(detectSourceLanguage(source)).toBe('javascript');
  });

  it('reads an arrow function as JavaScript', () => {
    expect(detectSourceLanguage('(a, b) => a + b')).toBe('javascript');
  });

  it('reads annotated parameters and return types as TypeScript', () => {
    const source = 'async function greet(name: string): Promise<string> {\n  return "hi " + name;\n}';
    expect(detectSourceLanguage(source)).toBe('typescript');
  });

  it('reads an interface as TypeScript', () => {
    expect(detectSourceLanguage('interface Row { id: number }\nconst rows: Row[] = [];')).toBe('typescript');
  });

  it('does not take a JavaScript object literal with colons for Python', () => {
    const source = 'function config() {\n  return { model: "gpt-4o", temperature: 0 };\n}';
    expect(detectSourceLanguage(source)).toBe('javascript');
  });

  it('answers for empty text without failing', () => {
    expect(detectSourceLanguage('')).toBe('javascript');
  });
});
