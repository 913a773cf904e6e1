/** Backup's API channels (filled in by the backup work). */
export const backupRequestSchemas = {} as const;
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface BackupResponseByChannel {}
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface BackupEvents {}

import type { ChannelAccess } from '../auth/roles.js';
/** Who may call each backup channel (admin). */
export const backupChannelRoles: Record<keyof typeof backupRequestSchemas, ChannelAccess> = {};
