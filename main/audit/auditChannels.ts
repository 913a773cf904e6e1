/**
 * The audit.* channels of the handler table (main/api/handlers.ts spreads these in): the audit
 * view's list with filters, CSV and DICOM audit message (ATNA) exports, and chain verification.
 * Reading the trail is itself audited ("Audit Log Used"), and so is every export.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { z } from 'zod';
import type { ApiServices } from '../api/handlers.js';
import { DATABASE_FILE } from '../archive/archiveStore.js';
import { actorLabel } from '../auth/actor.js';
import type { AuditQuery } from '../../db/auditRepository.js';
import { atnaXml } from './atnaExport.js';
import { auditCsv } from './auditCsv.js';
import { auditRequestSchemas, type AuditFilter, type AuditResponseByChannel } from './auditContract.js';
import { verifyAuditChainInWorker } from './verifyInWorker.js';

type Schemas = typeof auditRequestSchemas;
export type AuditChannel = keyof Schemas;
export type AuditChannelImplementation = {
  [C in AuditChannel]: (request: z.output<Schemas[C]>) => Promise<AuditResponseByChannel[C]> | AuditResponseByChannel[C];
};

export function createAuditChannels(services: Pick<ApiServices, 'store' | 'info'>): AuditChannelImplementation {
  const { store } = services;
  const audit = (action: string, details: Record<string, unknown>, outcome: 'success' | 'failure' = 'success') => store.audit.record({ actor: actorLabel(), action, details, outcome });
  const search = (filter: AuditFilter, defaultLimit: number) => store.audit.search(toQuery(filter, defaultLimit));
  const exportName = (extension: string) => `audit-trail-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}.${extension}`;

  return {
    'audit.list': (filter) => {
      const { events, total } = search(filter, 100);
      audit('audit-viewed', { ...filter, rows: events.length });
      return { events, total, actions: store.audit.entries.actions() };
    },

    'audit.exportCsv': (filter) => {
      const { events } = search(filter, 100_000);
      const fileName = exportName('csv');
      const csv = auditCsv(events);
      audit('audit-exported', { ...filter, format: 'csv', rows: events.length, fileName });
      return { fileName, csv, rows: events.length };
    },

    'audit.exportAtna': (filter) => {
      const { events } = search(filter, 100_000);
      const { productName, version } = services.info();
      const host = hostname();
      const fileName = exportName('xml');
      const xml = atnaXml(events, { sourceId: host, application: `${productName} ${version}`, hostName: host });
      audit('audit-exported', { ...filter, format: 'dicom-audit-message', rows: events.length, fileName });
      return { fileName, xml, messages: events.length };
    },

    'audit.verify': async () => {
      const started = performance.now();
      const status = await verifyAuditChainInWorker(join(store.root, DATABASE_FILE), store.audit.headFile);
      const seconds = (performance.now() - started) / 1000;
      const checkedAt = new Date().toISOString();
      audit('audit-verified', { ok: status.ok, entries: status.entries, ...(status.firstBroken ? { firstBroken: status.firstBroken } : {}) }, status.ok ? 'success' : 'failure');
      return { ...status, checkedAt, seconds: Number(seconds.toFixed(3)) };
    },
  };
}

/** The view's filter as a query: days are whole UTC days unless the renderer sent exact times. */
export function toQuery(filter: AuditFilter, defaultLimit: number): AuditQuery {
  return {
    actor: filter.user || undefined,
    action: filter.action || undefined,
    studyInstanceUid: filter.studyInstanceUid,
    fromAt: filter.from ? boundary(filter.from, 'start') : undefined,
    toAt: filter.to ? boundary(filter.to, 'end') : undefined,
    limit: filter.limit ?? defaultLimit,
    offset: filter.offset ?? 0,
  };
}

function boundary(value: string, side: 'start' | 'end'): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return side === 'start' ? `${value}T00:00:00.000Z` : `${value}T23:59:59.999Z`;
  return new Date(value).toISOString();
}
