/**
 * The chain head (count of entries and hash of the last) kept outside the database, in the archive
 * root, so that entries removed from the end of the trail (which leaves a valid, shorter chain) are
 * still detected. Written atomically after every entry; backups copy it by this name.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const AUDIT_HEAD_FILE = 'audit-head.json';

export interface ChainHead {
  /** Entries in the trail (ids run 1..count). */
  count: number;
  /** entry_hash of the last entry. */
  hash: string;
}

export class ChainHeadError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ChainHeadError';
  }
}

export function chainHeadPath(archiveRoot: string): string {
  return join(archiveRoot, AUDIT_HEAD_FILE);
}

/** The head, or undefined when the file does not exist; a damaged file is a ChainHeadError. */
export function readChainHead(file: string): ChainHead | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (reason) {
    if ((reason as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ChainHeadError(`the audit chain head ${file} cannot be read (${(reason as NodeJS.ErrnoException).code ?? (reason as Error).message})`, { cause: reason });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (reason) {
    throw new ChainHeadError(`the audit chain head ${file} is damaged (not JSON)`, { cause: reason });
  }
  const head = parsed as Partial<ChainHead>;
  if (!Number.isSafeInteger(head?.count) || (head.count as number) < 0 || typeof head.hash !== 'string' || !/^[0-9a-f]{64}$/.test(head.hash)) {
    throw new ChainHeadError(`the audit chain head ${file} is damaged (it needs {"count": N, "hash": "<64 hex>"})`);
  }
  return { count: head.count as number, hash: head.hash };
}

/** Temporary file, fsync, rename, fsync of the folder: the head is either the old one or the new one. */
export function writeChainHead(file: string, head: ChainHead): void {
  const temporary = `${file}.${process.pid}.partial`;
  const descriptor = openSync(temporary, 'w', 0o600);
  try {
    writeSync(descriptor, `${JSON.stringify({ count: head.count, hash: head.hash })}\n`);
    fsyncSync(descriptor);
  } catch (reason) {
    closeSync(descriptor);
    try {
      unlinkSync(temporary);
    } catch {
      // nothing left to clean
    }
    throw reason;
  }
  closeSync(descriptor);
  renameSync(temporary, file);
  syncFolder(dirname(file));
}

function syncFolder(folder: string): void {
  let descriptor: number | undefined;
  try {
    descriptor = openSync(folder, 'r');
    fsyncSync(descriptor);
  } catch {
    // Some file systems (and Windows) cannot fsync a folder; the rename is still atomic.
  } finally {
    if (descriptor !== undefined) closeSync(descriptor);
  }
}
