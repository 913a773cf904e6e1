/** The audit trail: every access to patient data and every export, append-only. */
import type { ArchiveDatabase } from './archiveDatabase.js';

export interface AuditEvent {
  actor: string;
  action: string;
  subject?: string;
  details?: Record<string, unknown>;
}

export interface RecordedAuditEvent {
  id: number;
  at: string;
  actor: string;
  action: string;
  subject: string | null;
  details: Record<string, unknown> | null;
}

export class AuditRepository {
  constructor(private readonly db: ArchiveDatabase) {}

  record(event: AuditEvent): void {
    this.db
      .prepare('INSERT INTO audit_events (at, actor, action, subject, details) VALUES (?, ?, ?, ?, ?)')
      .run(new Date().toISOString(), event.actor, event.action, event.subject ?? null, event.details ? JSON.stringify(event.details) : null);
  }

  list(limit = 200): RecordedAuditEvent[] {
    const rows = this.db.prepare('SELECT id, at, actor, action, subject, details FROM audit_events ORDER BY id DESC LIMIT ?').all(limit) as Array<
      Omit<RecordedAuditEvent, 'details'> & { details: string | null }
    >;
    return rows.map((row) => ({ ...row, details: row.details ? (JSON.parse(row.details) as Record<string, unknown>) : null }));
  }
}
