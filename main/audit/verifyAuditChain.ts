/**
 * Verification of the audit trail: walks every entry in id order, recomputes its hash, checks its
 * link to the entry before and finally the chain head file. The first broken entry is named with
 * the kind of tampering that explains it, told apart by what is left around it:
 * - deleted: ids jump (entries between are missing);
 * - edited: the entry is linked to the right predecessor but its content no longer gives its hash
 *   (or a later entry is chained to a hash the entry no longer has: edited and re-hashed);
 * - reordered: the entry is chained to a later entry, or the entry that should follow sits
 *   elsewhere, or its time runs backwards where the link breaks;
 * - inserted: a row that is neither chained nor hashed right, a row without hashes, or rows past
 *   the recorded head;
 * - tail-missing: the head file counts more entries than the table holds.
 */
import type { ArchiveDatabase } from '../../db/archiveDatabase.js';
import { AuditRepository, type AuditRow } from '../../db/auditRepository.js';
import { entryHash, GENESIS_HASH, hashCanonical } from './auditChain.js';
import type { AuditChainBreak, AuditChainStatus } from './auditContract.js';
import { ChainHeadError, readChainHead, type ChainHead } from './chainHead.js';

/** ok, entries in the table, the head file as read (null when missing or damaged), the first break. */
export type AuditVerification = AuditChainStatus;
export type ChainBreak = AuditChainBreak;

export function verifyAuditChain(db: ArchiveDatabase, headFile: string, attempts = 3): AuditVerification {
  const result = verifyOnce(db, headFile);
  // Another connection may append while the rows are read (it writes the head before it commits):
  // a head ahead of what was read is a missing tail only if the table still lacks those entries.
  if (result.firstBroken?.reason === 'tail-missing' && result.head && attempts > 1 && new AuditRepository(db).lastId() >= result.head.count) {
    return verifyAuditChain(db, headFile, attempts - 1);
  }
  return result;
}

function verifyOnce(db: ArchiveDatabase, headFile: string): AuditVerification {
  const entries = new AuditRepository(db);
  let count = 0;
  let expectedId = 1;
  let prevHash = GENESIS_HASH;
  let previous: unknown[] | undefined;
  let broken: AuditVerification['firstBroken'];
  for (const row of entries.iterateRaw()) {
    count++;
    if (broken) continue;
    const id = row[0] as number;
    const storedPrev = row[8] as string | null;
    const storedHash = row[9] as string | null;
    if (id === expectedId && storedPrev === prevHash && storedHash !== null && hashCanonical(storedPrev, JSON.stringify(row.slice(0, 8))) === storedHash) {
      expectedId++;
      prevHash = storedHash;
      previous = row;
      continue;
    }
    broken = diagnose(entries, toRow(row), previous ? toRow(previous) : undefined, expectedId, prevHash);
  }

  let head: ChainHead | null = null;
  let headProblem: string | undefined;
  try {
    head = readChainHead(headFile) ?? null;
    if (!head && count > 0) headProblem = `the chain head file ${headFile} is missing: entries removed from the end of the trail cannot be ruled out`;
  } catch (reason) {
    headProblem = reason instanceof ChainHeadError ? reason.message : String(reason);
  }
  if (broken) return { ok: false, entries: count, head, firstBroken: broken };
  if (headProblem) return { ok: false, entries: count, head, firstBroken: { id: count + 1, reason: 'tail-missing', message: headProblem } };
  const headCount = head?.count ?? 0;
  if (headCount > count) {
    return {
      ok: false,
      entries: count,
      head,
      firstBroken: {
        id: count + 1,
        reason: 'tail-missing',
        message: headCount - count === 1 ? `entry ${count + 1}, the last one written, is missing from the end of the trail` : `entries ${count + 1} to ${headCount} (${headCount - count}), the last ones written, are missing from the end of the trail`,
      },
    };
  }
  if (headCount < count) {
    return {
      ok: false,
      entries: count,
      head,
      firstBroken: { id: headCount + 1, reason: 'inserted', message: `entries ${headCount + 1} to ${count} were added after the last entry the workstation wrote (the chain head counts ${headCount})` },
    };
  }
  if (head && count > 0 && head.hash !== prevHash) {
    return {
      ok: false,
      entries: count,
      head,
      firstBroken: { id: count, reason: 'edited', message: `entry ${count}, the last one, is not the entry the workstation wrote (its hash differs from the chain head): the end of the trail was rewritten` },
    };
  }
  return { ok: true, entries: count, head };
}

/** What a slice of the trail looks like when every entry in it is intact and linked to the one before. */
export interface SliceCheck {
  intact: boolean;
  entries: number;
  /** prev_hash of the slice's first entry and entry_hash of its last (to join the slices). */
  firstPrevHash: string | null;
  lastHash: string | null;
}

/**
 * The fast check of ids fromId..toId-1 for a parallel verification: contiguous ids, links inside the
 * slice, every hash recomputed. No diagnosis: a slice that is not intact sends the caller to
 * verifyAuditChain, which names the entry and the reason.
 */
export function checkSlice(db: ArchiveDatabase, fromId: number, toId: number): SliceCheck {
  let expectedId = fromId;
  let firstPrevHash: string | null = null;
  let prevHash: string | null = null;
  for (const row of new AuditRepository(db).iterateRawRange(fromId, toId)) {
    const storedPrev = row[8] as string | null;
    const storedHash = row[9] as string | null;
    if (expectedId === fromId) firstPrevHash = storedPrev;
    else if (storedPrev !== prevHash) return { intact: false, entries: expectedId - fromId, firstPrevHash, lastHash: prevHash };
    if (row[0] !== expectedId || storedPrev === null || storedHash === null || hashCanonical(storedPrev, JSON.stringify(row.slice(0, 8))) !== storedHash) {
      return { intact: false, entries: expectedId - fromId, firstPrevHash, lastHash: prevHash };
    }
    prevHash = storedHash;
    expectedId++;
  }
  return { intact: expectedId === toId, entries: expectedId - fromId, firstPrevHash, lastHash: prevHash };
}

function toRow(raw: unknown[]): AuditRow {
  return {
    id: raw[0] as number,
    at: raw[1] as string,
    actor: raw[2] as string,
    actorId: raw[3] as number | null,
    action: raw[4] as string,
    outcome: raw[5] as AuditRow['outcome'],
    subject: raw[6] as string | null,
    details: raw[7] as string | null,
    prevHash: raw[8] as string | null,
    entryHash: raw[9] as string | null,
  };
}

function describe(row: AuditRow): string {
  return `entry ${row.id} (${row.at}, ${row.actor}: ${row.action}${row.subject ? ` on ${row.subject}` : ''})`;
}

/** Why `row` breaks the chain after `previous` (the last good entry, whose hash is `prevHash`). */
function diagnose(entries: AuditRepository, row: AuditRow, previous: AuditRow | undefined, expectedId: number, prevHash: string): NonNullable<AuditVerification['firstBroken']> {
  if (row.prevHash === null || row.entryHash === null) {
    return { id: row.id, reason: 'inserted', message: `${describe(row)} has no hash: it was written around the audit trail` };
  }
  const contentMatches = entryHash(row.prevHash, row) === row.entryHash;
  const linked = row.prevHash === prevHash;

  if (!linked) {
    // Chained to an entry that now sits after it: entries were moved.
    const laterWithThatHash = entries.idWithEntryHash(row.prevHash, row.id);
    if (laterWithThatHash !== undefined && laterWithThatHash > row.id) {
      return { id: row.id, reason: 'reordered', message: `${describe(row)} is chained to entry ${laterWithThatHash}, which now comes after it: entries were moved` };
    }
    // The entry that really followed the last good one is somewhere else.
    if (expectedId > 1) {
      const realSuccessor = entries.idWithPrevHash(prevHash, row.id);
      if (realSuccessor !== undefined) {
        return { id: row.id, reason: 'reordered', message: `entry ${realSuccessor} is chained to entry ${expectedId - 1} but sits at position ${realSuccessor}: entries were moved` };
      }
    }
    if (previous && row.at < previous.at && contentMatches) {
      return { id: row.id, reason: 'reordered', message: `${describe(row)} is dated before entry ${previous.id} and not chained to it: entries were moved` };
    }
  }
  if (row.id > expectedId) {
    const missing = row.id - expectedId;
    return {
      id: expectedId,
      reason: 'deleted',
      message: missing === 1 ? `entry ${expectedId} is missing: it was deleted (the next entry is ${row.id})` : `entries ${expectedId} to ${row.id - 1} (${missing}) are missing: they were deleted`,
    };
  }
  if (row.id < expectedId) {
    return { id: row.id, reason: 'reordered', message: `${describe(row)} repeats an id already seen: entries were renumbered` };
  }
  if (linked && !contentMatches) {
    return { id: row.id, reason: 'edited', message: `${describe(row)} was changed after it was written: its content no longer matches its hash` };
  }
  if (!linked && contentMatches && previous) {
    // The entry is intact but chained to a hash its predecessor no longer has: the predecessor was
    // changed and its hash recomputed to hide it.
    return { id: previous.id, reason: 'edited', message: `${describe(previous)} was changed and re-hashed after it was written: entry ${row.id} was chained to its original hash` };
  }
  return { id: row.id, reason: 'inserted', message: `${describe(row)} does not belong to the chain: neither its link to entry ${expectedId - 1} nor its own hash is right` };
}
