/**
 * The audit trail's part of the API contract: request schemas (zod, validated at the boundary) and
 * response types of the audit.* channels, and who may call them (admin and physicist). No Node
 * imports: the preload and the renderer share this file.
 */
import { z } from 'zod';
import type { ChannelAccess } from '../auth/roles.js';
import { uidSchema } from '../api/uidSchema.js';

/** A day (YYYY-MM-DD, UTC) or an exact ISO time (the renderer sends the site's day boundaries). */
const dayOrTime = z
  .string()
  .trim()
  .regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/, 'a date is written YYYY-MM-DD (or an ISO time)');

export const auditFilterSchema = z.strictObject({
  /** Case-insensitive part of who acted ("asmith", "receiver"). */
  user: z.string().trim().max(128).optional(),
  /** An action ("reading-opened"), or a prefix ending in * ("report-*"). */
  action: z
    .string()
    .trim()
    .max(64)
    .regex(/^[a-z0-9.-]*\*?$/, 'an action is lower-case words joined by dashes, optionally ending in *')
    .optional(),
  /** The study (or series, or object) UID the entry is about. */
  studyInstanceUid: uidSchema.optional(),
  from: dayOrTime.optional(),
  to: dayOrTime.optional(),
  limit: z.number().int().min(1).max(1000).optional(),
  offset: z.number().int().min(0).optional(),
});
export type AuditFilter = z.output<typeof auditFilterSchema>;

/** Exports take the same filters and more rows at once. */
export const auditExportSchema = auditFilterSchema.extend({ limit: z.number().int().min(1).max(100_000).optional() });

export const auditRequestSchemas = {
  'audit.list': auditFilterSchema,
  'audit.exportCsv': auditExportSchema,
  'audit.exportAtna': auditExportSchema,
  'audit.verify': z.strictObject({}),
} as const;

// ---------------------------------------------------------------- responses

export interface AuditEventView {
  id: number;
  /** ISO time, UTC. */
  at: string;
  actor: string;
  /** The account id; null for the workstation service identity. */
  actorId: number | null;
  action: string;
  outcome: 'success' | 'failure';
  subject: string | null;
  details: Record<string, unknown> | null;
}

export type AuditChainBreak = 'edited' | 'deleted' | 'inserted' | 'reordered' | 'tail-missing';

export interface AuditChainStatus {
  ok: boolean;
  /** Entries in the trail. */
  entries: number;
  /** The chain head kept beside the database (null when missing or damaged). */
  head: { count: number; hash: string } | null;
  firstBroken?: { id: number; reason: AuditChainBreak; message: string };
}

export interface AuditResponseByChannel {
  'audit.list': { events: AuditEventView[]; total: number; actions: string[] };
  'audit.exportCsv': { fileName: string; csv: string; rows: number };
  'audit.exportAtna': { fileName: string; xml: string; messages: number };
  'audit.verify': AuditChainStatus & { checkedAt: string; seconds: number };
}

const auditors = ['admin', 'physicist'] as const;
/** Who may call each audit channel (admin and physicist). */
export const auditChannelRoles: Record<keyof typeof auditRequestSchemas, ChannelAccess> = {
  'audit.list': auditors,
  'audit.exportCsv': auditors,
  'audit.exportAtna': auditors,
  'audit.verify': auditors,
};
