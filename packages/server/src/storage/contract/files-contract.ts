/** Contract: files are kept per project by digest, byte for byte, once. */
import { describe, expect, it } from 'vitest';
import { PROJECT, type StoreUnderTest } from './call-fixtures.js';

export function describeFiles(subject: StoreUnderTest): void {
  describe('files', () => {
    it('gives back the bytes stored under a digest, in that project only', async () => {
      const { store } = subject;
      const bytes = new Uint8Array([0, 255, 1, 254, 10, 13]);
      await store.createFile(PROJECT, 'd1', 'blob', bytes);
      await store.createFile(PROJECT, 'd1', 'again', bytes);
      const found = await store.readFile(PROJECT, 'd1');
      expect(found?.name).toBe('blob');
      expect(Buffer.from(found?.content ?? []).equals(Buffer.from(bytes))).toBe(true);
      expect(await store.readFile(PROJECT, 'd2')).toBeUndefined();
      expect(await store.readFile('other/project', 'd1')).toBeUndefined();
    });
  });
}
