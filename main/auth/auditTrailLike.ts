/** What accounts need of the audit trail (store.audit): one append. */
export interface AuditTrailLike {
  record(event: {
    actor: string;
    actorId?: number | null;
    action: string;
    outcome?: 'success' | 'failure';
    subject?: string;
    details?: Record<string, unknown>;
  }): void;
}
