/**
 * The objects views in Chromium over SDK-logged data: the ops list, an op version's code, a diff
 * of two versions (side by side and unified, kept in the URL), the calls of a version, a
 * dataset's rows, an object's JSON with its labels, and a deleted version reading as not found.
 */
import { parseRef } from '@weft/protocol';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { postJson } from '../support/weft-server.js';
import { useUiHarness } from './support/harness.js';

const ui = useUiHarness({ evaluations: false });

function nameAndDigest(uri: string): { name: string; digest: string } {
  const ref = parseRef(uri);
  if (ref.kind !== 'op' && ref.kind !== 'object') throw new Error(`not an object ref: ${uri}`);
  return { name: ref.name, digest: ref.digest };
}

function summarizeVersions() {
  const [older, newer] = ui.seed.research.summarizeRefs.map(nameAndDigest);
  if (!older || !newer) throw new Error('seeding: summarize has two versions');
  return { older, newer };
}

/** The text of the rendered source, as a person reads it (line numbers are not part of it). */
async function codeText(page: Page): Promise<string> {
  const code = page.locator('.code-view code');
  await code.first().waitFor();
  return (await code.allTextContents()).join('\n');
}

describe('ops', () => {
  it('lists every op with its version count, and opens the latest version', async () => {
    const { research } = ui.seed;
    const { newer } = summarizeVersions();
    const page = await ui.openPage(ui.paths.ops(research));
    const row = page.getByRole('row').filter({ hasText: 'summarize' });
    await row.waitFor();
    // Columns: name, versions, latest, last updated.
    expect(await row.getByRole('cell').nth(1).textContent()).toBe('2');
    await page.getByRole('link', { name: 'summarize', exact: true }).click();
    await page.waitForURL((url) => url.pathname === ui.paths.opVersion(research, 'summarize', newer.digest));
    expect(await codeText(page)).toMatch(/words\.slice\(0, 8\)/);
    expect(ui.pageErrors(page)).toEqual([]);
  });

  it("shows a version's code, its versions with latest, and the calls that used it", async () => {
    const { research } = ui.seed;
    const { older } = summarizeVersions();
    const page = await ui.openPage(ui.paths.opVersion(research, older.name, older.digest));
    expect(await codeText(page)).toMatch(/text\.slice\(0, 40\)/);
    await page.getByText('JavaScript').first().waitFor();

    const versions = page.getByRole('region', { name: 'Versions' });
    const versionItem = (name: string) =>
      versions.getByRole('listitem').filter({ has: page.getByRole('link', { name, exact: true }) });
    const newest = versionItem('v1');
    await newest.getByText('latest', { exact: true }).waitFor();
    const current = versionItem('v0');
    expect(await current.getAttribute('aria-current')).toBe('page');
    expect(await current.getByText('latest', { exact: true }).count()).toBe(0);

    const calls = page.getByRole('region', { name: 'Calls of this version' });
    const callLink = calls.getByRole('link').first();
    await callLink.waitFor();
    expect(await callLink.getAttribute('href')).toBe(ui.paths.call(research, research.summarizeCallIds[0]));
    expect(await calls.getByRole('link').count()).toBe(2); // the one call, and "All calls of this op"
    expect(ui.pageErrors(page)).toEqual([]);
  });

  it('diffs two versions, side by side and unified, with both versions in the URL', async () => {
    const { research } = ui.seed;
    const { older, newer } = summarizeVersions();
    const page = await ui.openPage(ui.paths.opVersion(research, newer.name, newer.digest));
    await page.getByRole('link', { name: 'Diff with v0' }).click();
    await page.waitForURL((url) => url.searchParams.get('diff') === older.digest);

    const removed = page.locator('td.diff-code.diff-removed');
    const added = page.locator('td.diff-code.diff-added');
    await removed.first().waitFor();
    expect((await removed.allTextContents()).join('\n')).toMatch(/text\.slice\(0, 40\)/);
    expect((await added.allTextContents()).join('\n')).toMatch(/words\.slice\(0, 8\)/);

    await page.getByRole('link', { name: 'Unified' }).click();
    await page.waitForURL((url) => url.searchParams.get('layout') === 'unified');
    const removedRow = page.locator('tr.diff-removed');
    await removedRow.first().waitFor();
    expect((await removedRow.allTextContents()).join('\n')).toMatch(/text\.slice\(0, 40\)/);
    expect((await page.locator('tr.diff-added').allTextContents()).join('\n')).toMatch(
      /words\.slice\(0, 8\)/,
    );

    // The diff is shareable: the same URL in a fresh tab shows the same diff.
    const shared = await ui.openPage(new URL(page.url()).pathname + new URL(page.url()).search);
    await shared.locator('tr.diff-removed').first().waitFor();
    expect(ui.pageErrors(page)).toEqual([]);
    expect(ui.pageErrors(shared)).toEqual([]);
  });
});

describe('datasets', () => {
  it("lists the project's datasets and shows a dataset's rows", async () => {
    const { research } = ui.seed;
    const { name } = nameAndDigest(research.datasetRef);
    const page = await ui.openPage(ui.paths.datasets(research));
    await page.getByRole('link', { name }).click();
    await page.getByRole('columnheader', { name: 'question' }).waitFor();
    await page.getByRole('columnheader', { name: 'answer' }).waitFor();
    for (const row of research.datasetRows) {
      const shown = page.getByRole('row').filter({ hasText: row.question });
      await shown.waitFor();
      expect(await shown.textContent()).toContain(row.answer);
    }
    await page.getByText(`${research.datasetRows.length} rows`).waitFor();
    // A dataset's page lives under /objects/ but belongs to Datasets in the header.
    const sections = page.getByRole('navigation', { name: 'Project sections' });
    await expect
      .poll(() => sections.getByRole('link', { name: 'Datasets' }).getAttribute('aria-current'))
      .toBe('page');
    expect(await sections.getByRole('link', { name: 'Objects' }).getAttribute('aria-current')).toBeNull();
    expect(ui.pageErrors(page)).toEqual([]);
  });

  it('opens one row whole, and keeps it in the URL', async () => {
    const { research } = ui.seed;
    const { name, digest } = nameAndDigest(research.datasetRef);
    const page = await ui.openPage(ui.paths.objectVersion(research, name, digest));
    const last = research.datasetRows.at(-1);
    if (!last) throw new Error('seeding: no dataset rows');
    await page.getByRole('row').filter({ hasText: last.question }).click();
    await page.waitForURL((url) => url.searchParams.get('row') === String(research.datasetRows.length - 1));
    const detail = page.getByRole('complementary', { name: `Row ${research.datasetRows.length - 1}` });
    await detail.getByText(`"${last.answer}"`).waitFor();
    expect(ui.pageErrors(page)).toEqual([]);
  });
});

describe('objects', () => {
  it("shows an object's JSON, its class in the list, and latest among its labels", async () => {
    const { research } = ui.seed;
    const { name } = nameAndDigest(research.objectRef);
    const list = await ui.openPage(ui.paths.objects(research));
    await list.getByRole('row').filter({ hasText: 'trivia-questions' }).getByText('Dataset').waitFor();
    await list.getByRole('link', { name }).click();
    const json = list.locator('.object-json');
    await json.getByText('"gpt-4o-mini"').waitFor();
    expect(await json.textContent()).toContain('"retries"');
    await list.locator('.version-title').getByText('latest', { exact: true }).waitFor();
    expect(ui.pageErrors(list)).toEqual([]);
  });

  it('reads `latest` and shows the digest it resolved to', async () => {
    const { research } = ui.seed;
    const { name, digest } = nameAndDigest(research.objectRef);
    const page = await ui.openPage(ui.paths.objectVersion(research, name, 'latest'));
    await page.getByText(digest, { exact: true }).waitFor();
    await page.getByText('opened as').waitFor();
    expect(ui.pageErrors(page)).toEqual([]);
  });

  it('a deleted version says Not found, and the version list leaves it out', async () => {
    const { objectsOnly } = ui.seed;
    const made = await postJson(ui.server.url, '/obj/create', {
      obj: { project_id: objectsOnly.projectId, object_id: 'short-lived', val: { keep: true } },
    });
    const second = await postJson(ui.server.url, '/obj/create', {
      obj: { project_id: objectsOnly.projectId, object_id: 'short-lived', val: { keep: false } },
    });
    expect([made.status, second.status]).toEqual([200, 200]);
    const deletedDigest = (second.body as { digest: string }).digest;
    const deleted = await postJson(ui.server.url, '/obj/delete', {
      project_id: objectsOnly.projectId,
      object_id: 'short-lived',
      digests: [deletedDigest],
    });
    expect(deleted.status).toBe(200);

    const gone = await ui.openPage(ui.paths.objectVersion(objectsOnly, 'short-lived', deletedDigest));
    await gone.getByRole('heading', { name: 'Not found' }).waitFor();

    const kept = await ui.openPage(ui.paths.objectVersion(objectsOnly, 'short-lived', 'latest'));
    const versions = kept.getByRole('region', { name: 'Versions' });
    await versions.getByRole('listitem').first().waitFor();
    expect(await versions.getByRole('listitem').count()).toBe(1);
    await versions.getByText('latest', { exact: true }).waitFor();
    expect(await kept.getByText(deletedDigest.slice(0, 8)).count()).toBe(0);
    expect(ui.pageErrors(gone)).toEqual([]);
    expect(ui.pageErrors(kept)).toEqual([]);
  });
});
