/** The audit trail's API channels (filled in by the audit work). */
export const auditRequestSchemas = {} as const;
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface AuditResponseByChannel {}

import type { ChannelAccess } from '../auth/roles.js';
/** Who may call each audit channel (admin and physicist). */
export const auditChannelRoles: Record<keyof typeof auditRequestSchemas, ChannelAccess> = {};
