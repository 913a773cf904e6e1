/**
 * The audit.* channels through the real handler table (role checks included) on a real archive:
 * filters, paging, RFC 4180 CSV with formula cells neutralised, DICOM audit messages (PS3.15 A.5),
 * verification, and every read or export of the trail audited itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createServices, type WorkstationServices } from '../api/createServices.js';
import { createApiHandlers } from '../api/handlers.js';
import { call, failure, type Handlers } from '../../test/support/apiCalls.js';
import { signedIn } from '../../test/support/accounts.js';
import { makeTempDir } from '../../test/support/tempDir.js';
import { atnaEventOf } from './atnaExport.js';

const STUDY_A = '1.2.826.0.1.3680043.8.498.101';
const STUDY_B = '1.2.826.0.1.3680043.8.498.202';

describe('audit channels', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let services: WorkstationServices;
  let physicist: Handlers;
  let technologist: Handlers;
  let admin: Handlers;

  beforeAll(async () => {
    temp = await makeTempDir('audit-api');
    services = await createServices(join(temp.dir, 'data'), { demoStudy: false, receiverHost: '127.0.0.1', accounts: { delay: async () => {} } });
    const table = createApiHandlers(services);
    physicist = await signedIn(table, services, { username: 'mphys', displayName: 'Maria Phys', roles: ['physicist'] });
    technologist = await signedIn(table, services, { username: 'ttech', displayName: 'Tom Tech', roles: ['technologist'] });
    admin = await signedIn(table, services, { username: 'aadmin', displayName: 'Ada Admin', roles: ['admin'] });
    const audit = services.store.audit;
    audit.record({ actor: 'Dr One (one)', actorId: 11, action: 'reading-opened', subject: '1.2.826.0.1.3680043.8.498.1011', details: { studyInstanceUid: STUDY_A, readingId: 1 } });
    audit.record({ actor: 'Dr One (one)', actorId: 11, action: 'notes-saved', subject: STUDY_A, details: { version: 2 } });
    audit.record({ actor: 'Dr Two (two)', actorId: 12, action: 'report-signed', subject: STUDY_B, details: { reportId: 4 } });
    audit.record({ actor: '=HYPERLINK("http://evil","x")', action: 'login', outcome: 'failure', details: { reason: 'bad password, "quoted", two\nlines' } });
    audit.record({
      actor: 'workstation service',
      actorId: null,
      action: 'receive-released',
      subject: 'C-STORE from CT_SCANNER@10.0.0.5',
      details: { callingAeTitle: 'CT_SCANNER', peerAddress: '10.0.0.5', studyInstanceUids: [STUDY_A, STUDY_B], stored: 12 },
    });
  }, 60_000);

  afterAll(async () => {
    await services?.close();
    await temp?.remove();
  });

  it('only administrators and physicists may read the trail', async () => {
    for (const channel of ['audit.list', 'audit.exportCsv', 'audit.exportAtna', 'audit.verify'] as const) {
      expect((await failure(technologist, channel, {})).code).toBe('not-permitted');
    }
    expect((await call(admin, 'audit.list', {})).total).toBeGreaterThan(0);
  });

  it('audit.list filters by user, action, study and dates, newest first, with paging', async () => {
    const byUser = await call(physicist, 'audit.list', { user: 'dr one' });
    expect(byUser.events.map((event) => event.action)).toEqual(['notes-saved', 'reading-opened']);
    expect(byUser.total).toBe(2);
    expect((await call(physicist, 'audit.list', { action: 'report-*' })).events.map((event) => event.subject)).toEqual([STUDY_B]);
    const byStudy = await call(physicist, 'audit.list', { studyInstanceUid: STUDY_A });
    expect(byStudy.events.map((event) => event.action)).toEqual(['receive-released', 'notes-saved', 'reading-opened']);
    const today = new Date().toISOString().slice(0, 10);
    expect((await call(physicist, 'audit.list', { from: today, to: today, user: 'Dr' })).total).toBe(3);
    expect((await call(physicist, 'audit.list', { to: '2000-01-01' })).total).toBe(0);
    const page = await call(physicist, 'audit.list', { user: 'Dr', limit: 2, offset: 2 });
    expect(page).toMatchObject({ total: 3, events: [{ action: 'reading-opened', actorId: 11, outcome: 'success' }] });
    expect(page.actions).toEqual(expect.arrayContaining(['login', 'reading-opened', 'report-signed']));
    expect((await failure(physicist, 'audit.list', { from: 'yesterday' })).code).toBe('bad-request');
  });

  it('audit.exportCsv: RFC 4180, formula cells neutralised, audited', async () => {
    const exported = await call(physicist, 'audit.exportCsv', { action: 'login', user: 'HYPERLINK' });
    expect(exported.rows).toBe(1);
    expect(exported.fileName).toMatch(/^audit-trail-.*\.csv$/);
    const [header, row, end] = exported.csv.split('\r\n');
    expect(header).toBe('Entry,Time (UTC),User,Account id,Action,Outcome,Object,Study Instance UIDs,Details');
    expect(row).toMatch(/^\d+,\d{4}-\d\d-\d\dT[^,]+,"'=HYPERLINK\(""http:\/\/evil"",""x""\)",,login,failure,,,/);
    expect(exported.csv).toContain('two\\nlines'); // a line break inside details stays inside its quoted field
    expect(end).toBe('');
    const last = services.store.audit.list(1)[0];
    expect(last).toMatchObject({ actor: 'Maria Phys (mphys)', action: 'audit-exported', details: { format: 'csv', rows: 1 } });
    expect(last.actorId).toBeGreaterThan(0);
  });

  it('audit.exportAtna: one DICOM audit message per entry with the DCM event, participants and the studies', async () => {
    const { xml, messages, fileName } = await call(physicist, 'audit.exportAtna', { user: 'Dr' });
    expect(messages).toBe(3);
    expect(fileName).toMatch(/\.xml$/);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<AuditMessages>')).toBe(true);
    expect(xml.match(/<AuditMessage>/g)).toHaveLength(3);
    expect(xml).toContain('<EventID csd-code="110103" codeSystemName="DCM" originalText="DICOM Instances Accessed"/>');
    expect(xml).toMatch(/<EventIdentification EventActionCode="R" EventDateTime="[^"]+Z" EventOutcomeIndicator="0">/);
    expect(xml).toContain('<ActiveParticipant UserID="Dr One (one)" AlternativeUserID="11" UserIsRequestor="true"/>');
    expect(xml).toContain('<AuditSourceIdentification AuditSourceID=');
    expect(xml).toContain(`<ParticipantObjectIdentification ParticipantObjectID="${STUDY_A}" ParticipantObjectTypeCode="2" ParticipantObjectTypeCodeRole="3">`);
    expect(xml).toContain('<ParticipantObjectIDTypeCode csd-code="110180" codeSystemName="DCM" originalText="Study Instance UID"/>');

    const received = await call(physicist, 'audit.exportAtna', { action: 'receive-released' });
    expect(received.xml).toContain('<EventID csd-code="110104" codeSystemName="DCM" originalText="DICOM Instances Transferred"/>');
    expect(received.xml).toContain('<ActiveParticipant UserID="CT_SCANNER" UserIsRequestor="true" NetworkAccessPointID="10.0.0.5" NetworkAccessPointTypeCode="2">');
    expect(received.xml.match(/ParticipantObjectID="/g)).toHaveLength(2);

    const login = await call(physicist, 'audit.exportAtna', { action: 'login', user: 'HYPERLINK' });
    expect(login.xml).toContain('<EventID csd-code="110114" codeSystemName="DCM" originalText="User Authentication"/>');
    expect(login.xml).toContain('EventOutcomeIndicator="4"');
    expect(login.xml).toContain('UserID="=HYPERLINK(&quot;http://evil&quot;,&quot;x&quot;)"');
    expect(services.store.audit.list(1)[0]).toMatchObject({ action: 'audit-exported', details: { format: 'dicom-audit-message', rows: 1 } });
  });

  it('maps the workstation actions to DCM events', () => {
    expect(atnaEventOf('logout', 'success').eventId.code).toBe('110114');
    expect(atnaEventOf('report-exported', 'success').eventId.code).toBe('110106');
    expect(atnaEventOf('import-done', 'success').eventId.code).toBe('110104');
    expect(atnaEventOf('access-refused', 'failure').eventId.code).toBe('110113');
    expect(atnaEventOf('user-updated', 'success')).toMatchObject({ eventId: { code: '110113' }, eventType: { code: '110136' } });
    expect(atnaEventOf('dose-recorded-manually', 'success')).toMatchObject({ eventId: { code: '110110' }, actionCode: 'C' });
    expect(atnaEventOf('something-new', 'success').eventId.code).toBe('110100');
  });

  it('audit.verify: intact, then broken after tampering, and audited either way', async () => {
    const intact = await call(physicist, 'audit.verify', {});
    expect(intact).toMatchObject({ ok: true });
    expect(intact.entries).toBeGreaterThan(5);
    expect(services.store.audit.list(1)[0]).toMatchObject({ action: 'audit-verified', outcome: 'success' });

    const other = new Database(join(services.store.root, 'archive.sqlite'));
    other.exec('DROP TRIGGER audit_events_no_update');
    other.prepare("UPDATE audit_events SET actor = 'nobody' WHERE id = 2").run();
    other.close();
    const broken = await call(physicist, 'audit.verify', {});
    expect(broken).toMatchObject({ ok: false, firstBroken: { id: 2, reason: 'edited' } });
    expect(services.store.audit.list(1)[0]).toMatchObject({ action: 'audit-verified', outcome: 'failure', details: { ok: false } });
  });
});
