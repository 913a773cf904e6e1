/**
 * The audit_events table: append-only rows with their hash chain. SQL only: the chain (canonical
 * form, SHA-256, the head file, verification) is main/audit's job; every write goes through
 * main/audit/auditTrail.ts.
 */
import type Database from 'better-sqlite3';
import type { ArchiveDatabase } from './archiveDatabase.js';

export type AuditOutcome = 'success' | 'failure';

/** What a caller records: who, what, on which object, how it ended. */
export interface AuditEvent {
  /** Who did it, as shown (the account's name, or a service: "receiver", "import"). */
  actor: string;
  /** The account id; null or absent for the workstation service identity. */
  actorId?: number | null;
  action: string;
  /** The object: a study/series UID, a report, a path. */
  subject?: string;
  details?: Record<string, unknown>;
  /** Default success. */
  outcome?: AuditOutcome;
}

/** One stored row exactly as written (details as the stored JSON text): what the hash covers. */
export interface AuditRow {
  id: number;
  at: string;
  actor: string;
  actorId: number | null;
  action: string;
  outcome: AuditOutcome;
  subject: string | null;
  details: string | null;
  prevHash: string | null;
  entryHash: string | null;
}

/** A row as the audit view shows it: the details parsed, the chain hashes left out. */
export type RecordedAuditEvent = Omit<AuditRow, 'details' | 'prevHash' | 'entryHash'> & { details: Record<string, unknown> | null };

export interface AuditQuery {
  /** Case-insensitive part of the actor. */
  actor?: string;
  /** Exact action, or a prefix when it ends with "*". */
  action?: string;
  /** The object's UID: the subject, or a studyInstanceUid in the details. */
  studyInstanceUid?: string;
  /** Inclusive ISO times (UTC). */
  fromAt?: string;
  toAt?: string;
  limit: number;
  offset: number;
}

const COLUMNS = 'id, at, actor, actor_id AS actorId, action, outcome, subject, details, prev_hash AS prevHash, entry_hash AS entryHash';

export class AuditRepository {
  constructor(private readonly db: ArchiveDatabase) {}

  private insertStatement: Database.Statement<unknown[]> | undefined;
  private lastStatement: Database.Statement<unknown[]> | undefined;

  /** The newest row (the chain's tail), sealed or not. */
  last(): AuditRow | undefined {
    this.lastStatement ??= this.db.prepare(`SELECT ${COLUMNS} FROM audit_events ORDER BY id DESC LIMIT 1`);
    return this.lastStatement.get() as AuditRow | undefined;
  }

  /** Inserts a sealed row with its id given (the id is part of the hashed content). */
  insert(row: AuditRow): void {
    this.insertStatement ??= this.db.prepare('INSERT INTO audit_events (id, at, actor, actor_id, action, outcome, subject, details, prev_hash, entry_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    this.insertStatement.run(row.id, row.at, row.actor, row.actorId, row.action, row.outcome, row.subject, row.details, row.prevHash, row.entryHash);
  }

  /** The oldest row. */
  first(): AuditRow | undefined {
    return this.db.prepare(`SELECT ${COLUMNS} FROM audit_events ORDER BY id LIMIT 1`).get() as AuditRow | undefined;
  }

  countSealed(): number {
    return this.db.prepare('SELECT COUNT(*) FROM audit_events WHERE entry_hash IS NOT NULL').pluck().get() as number;
  }

  /** Rows without hashes, in id order (written before the chain existed). */
  unsealed(): AuditRow[] {
    return this.db.prepare(`SELECT ${COLUMNS} FROM audit_events WHERE entry_hash IS NULL ORDER BY id`).all() as AuditRow[];
  }

  /** Fills the hashes of an unsealed row; the trigger allows this once and nothing else. */
  seal(id: number, prevHash: string, entryHash: string): void {
    this.db.prepare('UPDATE audit_events SET prev_hash = ?, entry_hash = ? WHERE id = ? AND entry_hash IS NULL').run(prevHash, entryHash, id);
  }

  /**
   * Every row in id order as arrays [id, at, actor, actor_id, action, outcome, subject, details,
   * prev_hash, entry_hash]: raw rows, for a fast pass over a million entries.
   */
  iterateRaw(): IterableIterator<unknown[]> {
    return this.db.prepare('SELECT id, at, actor, actor_id, action, outcome, subject, details, prev_hash, entry_hash FROM audit_events ORDER BY id').raw().iterate() as IterableIterator<unknown[]>;
  }

  /** Raw rows with fromId <= id < toId, in id order (one slice of a parallel check). */
  iterateRawRange(fromId: number, toId: number): IterableIterator<unknown[]> {
    return this.db
      .prepare('SELECT id, at, actor, actor_id, action, outcome, subject, details, prev_hash, entry_hash FROM audit_events WHERE id >= ? AND id < ? ORDER BY id')
      .raw()
      .iterate(fromId, toId) as IterableIterator<unknown[]>;
  }

  byId(id: number): AuditRow | undefined {
    return this.db.prepare(`SELECT ${COLUMNS} FROM audit_events WHERE id = ?`).get(id) as AuditRow | undefined;
  }

  /** The id of a row whose entry_hash is the given one, other than `exceptId`. */
  idWithEntryHash(hash: string, exceptId: number): number | undefined {
    return this.db.prepare('SELECT id FROM audit_events WHERE entry_hash = ? AND id <> ? ORDER BY id LIMIT 1').pluck().get(hash, exceptId) as number | undefined;
  }

  /** The id of a row chained to the given hash, other than `exceptId`. */
  idWithPrevHash(hash: string, exceptId: number): number | undefined {
    return this.db.prepare('SELECT id FROM audit_events WHERE prev_hash = ? AND id <> ? ORDER BY id LIMIT 1').pluck().get(hash, exceptId) as number | undefined;
  }

  lastId(): number {
    return (this.db.prepare('SELECT MAX(id) FROM audit_events').pluck().get() as number | null) ?? 0;
  }

  count(): number {
    return this.db.prepare('SELECT COUNT(*) FROM audit_events').pluck().get() as number;
  }

  /** Newest first, filtered; with the total matching for paging. */
  search(query: AuditQuery): { rows: AuditRow[]; total: number } {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.actor) {
      where.push("actor LIKE ? ESCAPE '\\'");
      params.push(`%${escapeLike(query.actor)}%`);
    }
    if (query.action) {
      if (query.action.endsWith('*')) {
        where.push("action LIKE ? ESCAPE '\\'");
        params.push(`${escapeLike(query.action.slice(0, -1))}%`);
      } else {
        where.push('action = ?');
        params.push(query.action);
      }
    }
    if (query.studyInstanceUid) {
      where.push(
        "(subject = ? OR CASE WHEN json_valid(details) THEN json_extract(details, '$.studyInstanceUid') = ? OR EXISTS (SELECT 1 FROM json_each(details, '$.studyInstanceUids') WHERE value = ?) ELSE 0 END)",
      );
      params.push(query.studyInstanceUid, query.studyInstanceUid, query.studyInstanceUid);
    }
    if (query.fromAt) {
      where.push('at >= ?');
      params.push(query.fromAt);
    }
    if (query.toAt) {
      where.push('at <= ?');
      params.push(query.toAt);
    }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = this.db.prepare(`SELECT COUNT(*) FROM audit_events ${clause}`).pluck().get(...params) as number;
    const rows = this.db.prepare(`SELECT ${COLUMNS} FROM audit_events ${clause} ORDER BY id DESC LIMIT ? OFFSET ?`).all(...params, query.limit, query.offset) as AuditRow[];
    return { rows, total };
  }

  /** The newest entries, newest first. */
  list(limit = 200): RecordedAuditEvent[] {
    return (this.db.prepare(`SELECT ${COLUMNS} FROM audit_events ORDER BY id DESC LIMIT ?`).all(limit) as AuditRow[]).map(toRecordedEvent);
  }

  /** Distinct actions recorded (for the view's action filter). */
  actions(): string[] {
    return this.db.prepare('SELECT DISTINCT action FROM audit_events ORDER BY action').pluck().all() as string[];
  }
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

/** The stored row as callers read it (details parsed). */
export function toRecordedEvent(row: AuditRow): RecordedAuditEvent {
  let details: Record<string, unknown> | null = null;
  if (row.details !== null) {
    try {
      details = JSON.parse(row.details) as Record<string, unknown>;
    } catch {
      details = { text: row.details };
    }
  }
  return { id: row.id, at: row.at, actor: row.actor, actorId: row.actorId, action: row.action, outcome: row.outcome, subject: row.subject, details };
}
