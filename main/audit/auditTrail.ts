/**
 * The audit trail: every access to patient data, every export and every change of trust, written
 * append-only and hash-chained (auditChain.ts), with the chain head kept beside the database
 * (chainHead.ts). ArchiveStore's `audit` is this trail, so every caller chains automatically.
 *
 * Writes are serialised by an IMMEDIATE SQLite transaction that reads the last hash, inserts the new
 * entry and writes the head file before it commits: the receiver, imports, the API and a command line
 * beside the app may all record at once, and the head is never behind the database.
 */
import type { ArchiveDatabase } from '../../db/archiveDatabase.js';
import { AuditRepository, toRecordedEvent, type AuditEvent, type AuditQuery, type AuditRow, type RecordedAuditEvent } from '../../db/auditRepository.js';
import { actorId as currentActorId } from '../auth/actor.js';
import { entryHash, GENESIS_HASH } from './auditChain.js';
import { chainHeadPath, readChainHead, writeChainHead, type ChainHead } from './chainHead.js';

export type { AuditEvent, RecordedAuditEvent } from '../../db/auditRepository.js';

/** The action recorded when the trail finds its head file disagreeing with the database. */
export const CHAIN_MISMATCH_ACTION = 'audit-chain-mismatch';

export class AuditTrail {
  readonly entries: AuditRepository;
  readonly headFile: string;

  constructor(
    private readonly db: ArchiveDatabase,
    archiveRoot: string,
  ) {
    this.entries = new AuditRepository(db);
    this.headFile = chainHeadPath(archiveRoot);
    this.sealEntriesWrittenBeforeTheChain();
  }

  /** Append one entry to the chain; returns it as stored. */
  record(event: AuditEvent): RecordedAuditEvent {
    return this.db.transaction(() => {
      const last = this.entries.last();
      const head = this.readHeadQuietly();
      if (last && (!head || head.count !== last.id || head.hash !== last.entryHash)) {
        // The end of the trail is not what this workstation last wrote (rows removed or added around
        // the trail, or the head file replaced): say so inside the chain before going on.
        const alert = this.append(last, {
          actor: 'audit-trail',
          actorId: null,
          action: CHAIN_MISMATCH_ACTION,
          outcome: 'failure',
          details: { headCount: head?.count ?? null, headHash: head?.hash ?? null, lastId: last.id, lastHash: last.entryHash },
        });
        return toRecordedEvent(this.append(alert, event));
      }
      return toRecordedEvent(this.append(last, event));
    }).immediate();
  }

  /** The newest entries, newest first (as the repository's list). */
  list(limit = 200): RecordedAuditEvent[] {
    return this.entries.list(limit);
  }

  search(query: AuditQuery): { events: RecordedAuditEvent[]; total: number } {
    const { rows, total } = this.entries.search(query);
    return { events: rows.map(toRecordedEvent), total };
  }

  /** The head as the database has it now (count and hash of the last entry). */
  databaseHead(): ChainHead {
    const last = this.entries.last();
    return { count: last?.id ?? 0, hash: last?.entryHash ?? GENESIS_HASH };
  }

  private append(last: AuditRow | undefined, event: AuditEvent): AuditRow {
    const prevHash = last ? (last.entryHash ?? GENESIS_HASH) : GENESIS_HASH;
    const content = {
      id: (last?.id ?? 0) + 1,
      at: new Date().toISOString(),
      actor: event.actor,
      // Who acts, when the caller does not say: the signed-in account of the request (null outside one).
      actorId: event.actorId !== undefined ? event.actorId : currentActorId(),
      action: event.action,
      outcome: event.outcome ?? 'success',
      subject: event.subject ?? null,
      details: event.details ? JSON.stringify(event.details) : null,
    } as const;
    const row: AuditRow = { ...content, prevHash, entryHash: entryHash(prevHash, content) };
    this.entries.insert(row);
    writeChainHead(this.headFile, { count: row.id, hash: row.entryHash! });
    return row;
  }

  private readHeadQuietly(): ChainHead | undefined {
    try {
      return readChainHead(this.headFile);
    } catch {
      return undefined;
    }
  }

  /**
   * Rows from before migration 008 have no hashes: seal them once, in id order, and write the head.
   * Only when no row is sealed yet: an unsealed row after sealed ones was written around the trail
   * (triggers dropped) and must stay visible to verification, not be adopted into the chain.
   */
  private sealEntriesWrittenBeforeTheChain(): void {
    // Sealing goes in id order, all at once: a sealed (or missing) first row means nothing to do,
    // without scanning a long trail on every start.
    if (this.entries.first()?.entryHash !== null) return;
    this.db.transaction(() => {
      if (this.entries.countSealed() > 0) return;
      const unsealed = this.entries.unsealed();
      if (unsealed.length === 0) return;
      let prevHash = GENESIS_HASH;
      for (const row of unsealed) {
        const hash = entryHash(prevHash, row);
        this.entries.seal(row.id, prevHash, hash);
        prevHash = hash;
      }
      writeChainHead(this.headFile, { count: unsealed[unsealed.length - 1].id, hash: prevHash });
    }).immediate();
  }
}
