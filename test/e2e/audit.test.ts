/**
 * End to end in Chromium (browser mode, real archive and services): the audit trail view as a
 * physicist. The demo import and the physicist's own work appear as entries; filters by action,
 * study and user narrow the table; the chain verifies intact; CSV and DICOM audit message (ATNA)
 * downloads are well formed (the XML parsed by the browser's DOMParser); after an entry is edited
 * in the database file through a second SQLite connection the view names the broken entry and why.
 * Screenshots of both chain states go to .tmp/screenshots.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Page } from 'playwright-core';
import { AuditPage } from './pages/auditPage.js';
import { startWorkstation, takeScreenshot, type Workstation } from './support/workstation.js';

/** The part of the browser's XML DOM the check uses (the project's Node tsconfig has no DOM types). */
interface XmlElement {
  getAttribute(name: string): string | null;
  querySelector(selector: string): XmlElement | null;
}
interface XmlParser {
  parseFromString(text: string, type: string): { getElementsByTagName(name: string): ArrayLike<XmlElement> & Iterable<XmlElement> };
}

const PHYSICIST = { username: 'pcurie', displayName: 'Pia Curie', roles: ['physicist' as const] };
const PHYSICIST_LABEL = 'Pia Curie (pcurie)';

describe('the audit trail view (browser mode)', () => {
  let workstation: Workstation;
  let page: Page;
  let audit: AuditPage;
  let demoStudy: string;

  beforeAll(async () => {
    workstation = await startWorkstation({ demoStudy: 'synthetic', signIn: PHYSICIST });
    page = workstation.page;
    audit = new AuditPage(page);
    demoStudy = workstation.services.info().demoStudy!.studyInstanceUid;
    await page.goto(workstation.host.url);
    // Some of the physicist's own work to find in the trail.
    const services = workstation.services;
    services.store.audit.record({ actor: 'Dr Rita Reader (rreader)', actorId: 42, action: 'reading-opened', subject: '1.2.826.0.1.3680043.8.498.9', details: { studyInstanceUid: demoStudy } });
  }, 120_000);

  afterAll(async () => {
    await workstation?.close();
  });

  it('lists the entries, newest first, and filters by action, study and user', async () => {
    await audit.open();
    const actions = await audit.actions();
    expect(actions).toEqual(expect.arrayContaining(['import-started', 'import-done', 'reading-opened']));
    const ids = await audit.rows.evaluateAll((rows) => rows.map((row) => Number(row.getAttribute('data-entry-id'))));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));

    await audit.filterAction('import-done');
    expect(new Set(await audit.actions())).toEqual(new Set(['import-done']));
    await audit.clearFilters();

    await audit.filter('study', demoStudy);
    expect(await audit.actions()).toEqual(expect.arrayContaining(['import-done', 'reading-opened']));
    expect(await audit.actions()).not.toContain('login');
    await audit.clearFilters();

    await audit.filter('user', 'rreader');
    expect(await audit.actions()).toEqual(['reading-opened']);
    await expect.poll(() => audit.summary.innerText()).toMatch(/^1 entry match/);
    await audit.clearFilters();
    // The physicist's own look at the trail is in it too ("Audit Log Used").
    await audit.filter('user', 'pcurie');
    expect(await audit.actions()).toEqual(expect.arrayContaining(['login', 'audit-viewed']));
    await audit.clearFilters();
  });

  it('verifies the chain intact', async () => {
    const { state, text } = await audit.verify();
    expect(state).toBe('intact');
    expect(text).toMatch(/^Intact: \d+ entries checked/);
    await takeScreenshot(page, 'audit-intact');
  });

  it('downloads the CSV and the DICOM audit messages, and audits both exports', async () => {
    await audit.filter('study', demoStudy);
    const csv = await audit.exportCsv();
    expect(csv.fileName).toMatch(/^audit-trail-.*\.csv$/);
    const lines = csv.text.split('\r\n');
    expect(lines[0]).toBe('Entry,Time (UTC),User,Account id,Action,Outcome,Object,Study Instance UIDs,Details');
    expect(lines.filter((line) => line.includes(demoStudy)).length).toBeGreaterThanOrEqual(2);

    const atna = await audit.exportAtna();
    expect(atna.fileName).toMatch(/\.xml$/);
    const parsed = await page.evaluate((xml) => {
      const document = new (globalThis as unknown as { DOMParser: new () => XmlParser }).DOMParser().parseFromString(xml, 'application/xml');
      const messages = [...document.getElementsByTagName('AuditMessage')];
      return {
        parseError: document.getElementsByTagName('parsererror').length,
        messages: messages.length,
        eventIds: messages.map((message) => message.querySelector('EventIdentification > EventID')?.getAttribute('csd-code')),
        studies: messages.map((message) => message.querySelector('ParticipantObjectIdentification')?.getAttribute('ParticipantObjectID')),
        sources: messages.map((message) => message.querySelector('AuditSourceIdentification')?.getAttribute('AuditSourceID')),
      };
    }, atna.text);
    expect(parsed.parseError).toBe(0);
    // The CSV rows (header and final line end aside), plus the CSV export itself: it was about this study.
    expect(parsed.messages).toBe(lines.length - 2 + 1);
    expect(parsed.eventIds).toEqual(expect.arrayContaining(['110104', '110103']));
    expect(new Set(parsed.studies)).toEqual(new Set([demoStudy]));
    expect(parsed.sources.every((source) => typeof source === 'string' && source.length > 0)).toBe(true);
    await audit.clearFilters();

    const exports = workstation.services.store.audit.search({ action: 'audit-exported', limit: 10, offset: 0 }).events;
    expect(exports.map((event) => event.details?.format)).toEqual(['dicom-audit-message', 'csv']);
    expect(exports.every((event) => event.actor === PHYSICIST_LABEL && typeof event.actorId === 'number')).toBe(true);
  });

  it('names the first broken entry and why after the database file was edited', async () => {
    const other = new Database(join(workstation.services.store.root, 'archive.sqlite'));
    other.exec('DROP TRIGGER audit_events_no_update');
    const target = other.prepare("SELECT id FROM audit_events WHERE action = 'import-done' ORDER BY id LIMIT 1").pluck().get() as number;
    other.prepare("UPDATE audit_events SET details = '{\"stored\":0}' WHERE id = ?").run(target);
    other.close();

    const { state, text } = await audit.verify();
    expect(state).toBe('broken');
    expect(text).toContain(`Broken at entry ${target}`);
    expect(text).toMatch(/edited after it was written/);
    await takeScreenshot(page, 'audit-broken');
    expect(workstation.pageErrors).toEqual([]);
  });
});
