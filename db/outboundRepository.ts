/**
 * The outbound queue's rows: one report object for one PACS, with its status, attempts and the
 * next time to try. State changes are single guarded UPDATEs (status in the WHERE clause), so a
 * row moves queued -> sending -> sent/queued/failed only from the state the caller saw.
 */
import type { ArchiveDatabase } from './archiveDatabase.js';

export const OUTBOUND_STATUSES = ['queued', 'sending', 'sent', 'failed', 'cancelled'] as const;
export type OutboundStatus = (typeof OUTBOUND_STATUSES)[number];

/** The node as stored with the row (the settings' NamedPacsNode at the time it was queued). */
export interface OutboundDestinationNode {
  name: string;
  aeTitle: string;
  host: string;
  port: number;
  callingAeTitle: string;
  timeoutMs: number;
  dicomWebUrl?: string;
}

export interface OutboundItem {
  id: number;
  sopInstanceUid: string;
  sopClassUid: string;
  studyInstanceUid: string;
  transferSyntaxUid: string;
  destination: string;
  destinationNode: OutboundDestinationNode;
  /** Relative to the archive root (outbound/<SOP Instance UID>.dcm). */
  path: string;
  sizeBytes: number;
  sha256: string;
  status: OutboundStatus;
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
  sentAt: string | null;
  reportId: number | null;
  reportVersion: number | null;
}

export type NewOutboundItem = Pick<
  OutboundItem,
  'sopInstanceUid' | 'sopClassUid' | 'studyInstanceUid' | 'transferSyntaxUid' | 'destinationNode' | 'path' | 'sizeBytes' | 'sha256' | 'reportId' | 'reportVersion'
>;

/** The PACS of that name as the settings describe it now; undefined when it is no longer set up. */
export type CurrentNode = (destination: string) => OutboundDestinationNode | undefined;

export interface OutboundFilter {
  status?: OutboundStatus | OutboundStatus[];
  destination?: string;
  sopInstanceUid?: string;
  reportId?: number;
}

type OutboundRow = Omit<OutboundItem, 'destinationNode'> & { destinationNode: string };

const SELECT = `SELECT id, sop_instance_uid AS sopInstanceUid, sop_class_uid AS sopClassUid, study_instance_uid AS studyInstanceUid,
                       transfer_syntax_uid AS transferSyntaxUid, destination, destination_node AS destinationNode, path,
                       size_bytes AS sizeBytes, sha256, status, attempts, next_attempt_at AS nextAttemptAt, last_error AS lastError,
                       created_at AS createdAt, updated_at AS updatedAt, sent_at AS sentAt, report_id AS reportId,
                       report_version AS reportVersion
                  FROM outbound_items`;

export class OutboundRepository {
  constructor(private readonly db: ArchiveDatabase) {}

  get(id: number): OutboundItem | undefined {
    const row = this.db.prepare(`${SELECT} WHERE id = ?`).get(id) as OutboundRow | undefined;
    return row && toItem(row);
  }

  find(sopInstanceUid: string, destination: string): OutboundItem | undefined {
    const row = this.db.prepare(`${SELECT} WHERE sop_instance_uid = ? AND destination = ?`).get(sopInstanceUid, destination) as OutboundRow | undefined;
    return row && toItem(row);
  }

  /** The distinct contents ever queued under this SOP Instance UID (more than one never happens). */
  sha256sOf(sopInstanceUid: string): string[] {
    const rows = this.db.prepare('SELECT DISTINCT sha256 FROM outbound_items WHERE sop_instance_uid = ?').all(sopInstanceUid) as Array<{ sha256: string }>;
    return rows.map((row) => row.sha256);
  }

  /** Insert, or return the existing row of the same object for the same destination (same bytes: the trigger refuses others). */
  insert(item: NewOutboundItem, at: string): { item: OutboundItem; created: boolean } {
    const result = this.db
      .prepare(
        `INSERT INTO outbound_items (sop_instance_uid, sop_class_uid, study_instance_uid, transfer_syntax_uid, destination, destination_node,
                                     path, size_bytes, sha256, next_attempt_at, created_at, updated_at, report_id, report_version)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sop_instance_uid, destination) DO NOTHING`,
      )
      .run(
        item.sopInstanceUid,
        item.sopClassUid,
        item.studyInstanceUid,
        item.transferSyntaxUid,
        item.destinationNode.name,
        JSON.stringify(item.destinationNode),
        item.path,
        item.sizeBytes,
        item.sha256,
        at,
        at,
        at,
        item.reportId,
        item.reportVersion,
      );
    return { item: this.find(item.sopInstanceUid, item.destinationNode.name)!, created: result.changes === 1 };
  }

  list(filter: OutboundFilter = {}): OutboundItem[] {
    const where: string[] = [];
    const values: unknown[] = [];
    if (filter.status !== undefined) {
      const statuses = Array.isArray(filter.status) ? filter.status : [filter.status];
      where.push(`status IN (${statuses.map(() => '?').join(', ')})`);
      values.push(...statuses);
    }
    if (filter.destination !== undefined) {
      where.push('destination = ?');
      values.push(filter.destination);
    }
    if (filter.sopInstanceUid !== undefined) {
      where.push('sop_instance_uid = ?');
      values.push(filter.sopInstanceUid);
    }
    if (filter.reportId !== undefined) {
      where.push('report_id = ?');
      values.push(filter.reportId);
    }
    const sql = `${SELECT}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id`;
    return (this.db.prepare(sql).all(...values) as OutboundRow[]).map(toItem);
  }

  /** Of `sopInstanceUids`, those every row of which is 'sent': their kept copies are no longer needed. */
  allSent(sopInstanceUids: readonly string[]): string[] {
    const select = this.db.prepare(`SELECT count(*) AS rows, sum(status <> 'sent') AS unsent FROM outbound_items WHERE sop_instance_uid = ?`);
    return sopInstanceUids.filter((uid) => {
      const { rows, unsent } = select.get(uid) as { rows: number; unsent: number | null };
      return rows > 0 && unsent === 0;
    });
  }

  /** Queued rows whose time has come, oldest first. */
  due(at: string, limit = 1000): OutboundItem[] {
    const rows = this.db.prepare(`${SELECT} WHERE status = 'queued' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?`).all(at, limit) as OutboundRow[];
    return rows.map(toItem);
  }

  /** When the next queued row is due (undefined: nothing queued). */
  nextDueAt(): string | undefined {
    const row = this.db.prepare(`SELECT MIN(next_attempt_at) AS at FROM outbound_items WHERE status = 'queued'`).get() as { at: string | null };
    return row.at ?? undefined;
  }

  /** queued -> sending, counting the attempt. False when the row was no longer queued. */
  markSending(id: number, at: string): boolean {
    return this.db.prepare(`UPDATE outbound_items SET status = 'sending', attempts = attempts + 1, updated_at = ? WHERE id = ? AND status = 'queued'`).run(at, id).changes === 1;
  }

  /** sending -> sent; `warning` is the PACS's warning when it stored the object with one. */
  markSent(id: number, at: string, warning: string | null): boolean {
    return (
      this.db.prepare(`UPDATE outbound_items SET status = 'sent', sent_at = ?, last_error = ?, updated_at = ? WHERE id = ? AND status = 'sending'`).run(at, warning, at, id)
        .changes === 1
    );
  }

  /** sending -> queued for another attempt at `nextAttemptAt`. */
  markRetry(id: number, at: string, nextAttemptAt: string, error: string): boolean {
    return (
      this.db
        .prepare(`UPDATE outbound_items SET status = 'queued', next_attempt_at = ?, last_error = ?, updated_at = ? WHERE id = ? AND status = 'sending'`)
        .run(nextAttemptAt, error, at, id).changes === 1
    );
  }

  /** sending -> failed: given up, with the reason. */
  markFailed(id: number, at: string, error: string): boolean {
    return this.db.prepare(`UPDATE outbound_items SET status = 'failed', last_error = ?, updated_at = ? WHERE id = ? AND status = 'sending'`).run(error, at, id).changes === 1;
  }

  /** Rows left 'sending' by a process that died: queued again, due now. Returns their ids. */
  requeueInterrupted(at: string): number[] {
    const rows = this.db
      .prepare(`UPDATE outbound_items SET status = 'queued', next_attempt_at = ?, updated_at = ? WHERE status = 'sending' RETURNING id`)
      .all(at, at) as Array<{ id: number }>;
    return rows.map((row) => row.id);
  }

  /**
   * Try now: queued rows become due; failed rows are queued again with their attempt count reset
   * (the operator fixed the cause). A cancelled row comes back only when named by id. With
   * `nodeFor`, they go to their PACS as the settings describe it now. Returns the ids changed.
   */
  retryNow(at: string, id?: number, nodeFor?: CurrentNode): number[] {
    const scope = id === undefined ? '' : ' AND id = ?';
    const args = id === undefined ? [] : [id];
    return this.db.transaction(() => {
      const due = this.db
        .prepare(`UPDATE outbound_items SET next_attempt_at = ?, updated_at = ? WHERE status = 'queued'${scope} RETURNING id, destination`)
        .all(at, at, ...args) as Array<{ id: number; destination: string }>;
      const requeued = this.db
        .prepare(
          `UPDATE outbound_items SET status = 'queued', attempts = 0, next_attempt_at = ?, updated_at = ? WHERE status IN (${id === undefined ? "'failed'" : "'failed', 'cancelled'"})${scope} RETURNING id, destination`,
        )
        .all(at, at, ...args) as Array<{ id: number; destination: string }>;
      const changed = [...due, ...requeued];
      if (nodeFor) this.refreshNodes(changed, nodeFor);
      return changed.map((row) => row.id);
    })();
  }

  /**
   * sent, failed or cancelled -> queued, due at `at`, to `node` (the PACS as the settings describe
   * it now): sending an object once more on purpose. False when the row is queued or being sent.
   */
  sendAgain(id: number, at: string, node: OutboundDestinationNode): boolean {
    return (
      this.db
        .prepare(
          `UPDATE outbound_items SET status = 'queued', attempts = 0, next_attempt_at = ?, last_error = NULL, sent_at = NULL, destination_node = ?, updated_at = ?
            WHERE id = ? AND status IN ('sent', 'failed', 'cancelled') AND destination = ?`,
        )
        .run(at, JSON.stringify(node), at, id, node.name).changes === 1
    );
  }

  /** Point queued rows at their PACS as the settings describe it now (a fixed address is used on retry). */
  private refreshNodes(rows: Array<{ id: number; destination: string }>, nodeFor: CurrentNode): void {
    const update = this.db.prepare(`UPDATE outbound_items SET destination_node = ? WHERE id = ? AND status = 'queued'`);
    for (const row of rows) {
      const node = nodeFor(row.destination);
      if (node) update.run(JSON.stringify(node), row.id);
    }
  }

  /** queued/failed -> cancelled. False when the row is in another state. */
  cancel(id: number, at: string): boolean {
    return this.db.prepare(`UPDATE outbound_items SET status = 'cancelled', updated_at = ? WHERE id = ? AND status IN ('queued', 'failed')`).run(at, id).changes === 1;
  }
}

function toItem(row: OutboundRow): OutboundItem {
  return { ...row, destinationNode: JSON.parse(row.destinationNode) as OutboundDestinationNode };
}
