/** Rewriting one section of BENCHMARKS.md, for the parts that can run alone (`--only`). */

/**
 * `report` with the section under `heading` replaced by `section` (text that starts with a blank
 * line and the heading); without one, `section` goes before the `before` heading, or at the end.
 */
export function replaceSection(report: string, heading: string, section: string, before: string): string {
  const start = report.indexOf(`\n${heading}\n`);
  if (start >= 0) {
    const end = report.indexOf('\n## ', start + 1);
    return `${report.slice(0, start)}${section}${end >= 0 ? report.slice(end) : ''}`;
  }
  const at = report.indexOf(`\n${before}\n`);
  if (at < 0) return `${report}${section}`;
  return `${report.slice(0, at)}${section}${report.slice(at)}`;
}
