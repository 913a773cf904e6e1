/**
 * Error texts for damaged files (issue 11): they name the file and say what is wrong in words,
 * never dicom-parser's internals ("dicomParser.readFixedString: attempt to read past end of buffer").
 * Damaged copies of a real image: cut at many points and with bytes flipped in its header.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdir, readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDicomBytes } from './dicomFile.js';
import { scanFolder } from './folderScan.js';
import { DicomLoadError } from './loadIssues.js';
import { ArchiveStore } from '../../main/archive/archiveStore.js';
import { haveSharedData, qrmPhantomDir } from '../../test/support/sharedData.js';
import { makeTempDir } from '../../test/support/tempDir.js';

const INTERNALS = /dicomParser|readFixedString|attempt to read|undefined|Cannot read properties|TypeError|RangeError/;

describe.skipIf(!haveSharedData(qrmPhantomDir))('messages for damaged files', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let original: Buffer;
  const damaged: Array<{ name: string; bytes: Buffer }> = [];
  beforeAll(async () => {
    temp = await makeTempDir('parse-errors');
    original = await readFile(join(qrmPhantomDir, (await readdir(qrmPhantomDir)).sort()[0]));
    for (let cut = 140; cut < 3000; cut += 37) damaged.push({ name: `cut-${cut}.dcm`, bytes: original.subarray(0, cut) });
    for (let at = 140; at < 3000; at += 29) {
      const bytes = Buffer.from(original);
      bytes[at] ^= 0xff;
      bytes[at + 1] ^= 0x7f;
      damaged.push({ name: `flip-${at}.dcm`, bytes });
    }
  });
  afterAll(async () => temp.remove());

  it('parsing: a DicomLoadError naming the file, in words', () => {
    let refused = 0;
    for (const { name, bytes } of damaged) {
      try {
        parseDicomBytes(new Uint8Array(bytes), name);
      } catch (reason) {
        refused++;
        expect(reason, name).toBeInstanceOf(DicomLoadError);
        expect((reason as Error).message, name).toContain(name);
        expect((reason as Error).message, name).not.toMatch(INTERNALS);
      }
    }
    expect(refused).toBeGreaterThan(20);
  });

  it('folder scan and archive quarantine: every message names its file and shows no parser internals', async () => {
    const folder = join(temp.dir, 'folder');
    await mkdir(folder);
    for (const { name, bytes } of damaged) await writeFile(join(folder, name), bytes);
    const scan = await scanFolder(folder);
    const errors = scan.issues.filter((issue) => issue.severity === 'error');
    expect(errors.length).toBeGreaterThan(20);
    for (const issue of scan.issues) {
      expect(issue.message).toContain(issue.file!);
      expect(issue.message).not.toMatch(INTERNALS);
    }
    const store = ArchiveStore.open(join(temp.dir, 'archive'));
    try {
      for (const { name, bytes } of damaged) {
        const outcome = await store.ingest(new Uint8Array(bytes), { name, source: 'test' });
        if (outcome.status !== 'quarantined') continue;
        expect(outcome.reason, name).toContain(name);
        expect(outcome.reason, name).not.toMatch(INTERNALS);
      }
    } finally {
      store.close();
    }
  });
});
