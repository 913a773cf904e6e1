/**
 * The conformance statement (docs/conformance-statement.md) against the code: every table marked
 * `<!-- conformance-table: name -->` lists exactly the SOP classes and transfer syntaxes the code
 * uses (the Q/R ones as the PACS client really proposes them, caught by a loopback SCP), so a change
 * to either side without the other fails here.
 */
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import dcmjsDimse from 'dcmjs-dimse';
import type { association as dimseAssociation } from 'dcmjs-dimse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCEPTED_TRANSFER_SYNTAXES, NAMED_STORAGE_SOP_CLASSES, VERIFICATION_SOP_CLASS } from '../../main/dimse/storagePresentationContexts.js';
import { DOCUMENT_STORAGE_CLASSES, IMAGE_STORAGE_CLASSES, IMAGE_TRANSFER_SYNTAXES } from '../../main/pacs/dimseAssociation.js';
import { echo, findStudies } from '../../main/pacs/dimseClient.js';
import { EXPLICIT_VR_LITTLE_ENDIAN } from '../../main/report/dicom/dicomCommon.js';
import { COMPREHENSIVE_SR_STORAGE, ENCAPSULATED_PDF_STORAGE, SECONDARY_CAPTURE_IMAGE_STORAGE } from '../../main/report/dicom/reportUids.js';
import { TRANSFER_SYNTAXES } from '../../native-worker/dicom/transferSyntax.js';
import { projectRoot } from '../support/sharedData.js';

const { Scp } = dcmjsDimse;

const statement = readFileSync(join(projectRoot, 'docs', 'conformance-statement.md'), 'utf8');

/** The UIDs (in back-ticks, first UID cell of each row) of the table after the marker, in order. */
function tableUids(name: string): string[] {
  const start = statement.indexOf(`<!-- conformance-table: ${name} -->`);
  if (start < 0) throw new Error(`the conformance statement has no table "${name}"`);
  const rows = statement.slice(start).split('\n').slice(1);
  const uids: string[] = [];
  for (const row of rows.slice(2)) {
    if (!row.startsWith('|')) break;
    const uid = /`([0-9.]+)`/.exec(row)?.[1];
    if (!uid) throw new Error(`table "${name}": a row without a UID: ${row}`);
    uids.push(uid);
  }
  return uids;
}

const sorted = (uids: Iterable<string>) => [...new Set(uids)].sort();

describe('the DICOM conformance statement matches the code', () => {
  it('storage SCP: Verification and the named storage classes, the accepted syntaxes in preference order, the refused ones', () => {
    expect(sorted(tableUids('storage-scp-sop-classes'))).toEqual(sorted([VERIFICATION_SOP_CLASS, ...Object.keys(NAMED_STORAGE_SOP_CLASSES)]));
    expect(tableUids('storage-scp-transfer-syntaxes')).toEqual([...ACCEPTED_TRANSFER_SYNTAXES]);
    const refused = Object.keys(TRANSFER_SYNTAXES).filter((uid) => !ACCEPTED_TRANSFER_SYNTAXES.includes(uid));
    expect(sorted(tableUids('refused-transfer-syntaxes'))).toEqual(sorted(refused));
  });

  it('C-GET storage sub-operations: the image and document classes and syntaxes the client offers', () => {
    expect(sorted(tableUids('cget-image-sop-classes'))).toEqual(sorted(IMAGE_STORAGE_CLASSES));
    expect(sorted(tableUids('cget-image-transfer-syntaxes'))).toEqual(sorted(IMAGE_TRANSFER_SYNTAXES));
    expect(sorted(tableUids('cget-document-sop-classes'))).toEqual(sorted(DOCUMENT_STORAGE_CLASSES));
  });

  it('report objects sent to PACS: Comprehensive SR, Encapsulated PDF and Secondary Capture, written in Explicit VR Little Endian', () => {
    expect(sorted(tableUids('report-scu-sop-classes'))).toEqual(sorted([COMPREHENSIVE_SR_STORAGE, ENCAPSULATED_PDF_STORAGE, SECONDARY_CAPTURE_IMAGE_STORAGE]));
    expect(tableUids('report-scu-transfer-syntaxes')).toEqual([EXPLICIT_VR_LITTLE_ENDIAN]);
  });

  describe('Q/R SCU, as the PACS client proposes it', () => {
    const proposed: Array<{ abstractSyntaxUid: string; transferSyntaxUids: string[] }> = [];
    const sockets = new Set<Socket>();
    let server: ReturnType<typeof createServer>;
    let port: number;

    beforeAll(async () => {
      // Records what each association proposes, then rejects it: the request fails, the proposal is known.
      class RecordingScp extends Scp {
        override associationRequested(association: dimseAssociation.Association): void {
          for (const { id } of association.getPresentationContexts()) {
            const context = association.getPresentationContext(id);
            proposed.push({ abstractSyntaxUid: context.getAbstractSyntaxUid(), transferSyntaxUids: context.getTransferSyntaxUids() });
          }
          this.sendAssociationReject();
        }
      }
      server = createServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        new RecordingScp(socket, { connectTimeout: 5_000, associationTimeout: 5_000, pduTimeout: 5_000 });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });

    afterAll(() => {
      sockets.forEach((socket) => socket.destroy());
      server?.close();
    });

    it('C-ECHO and C-FIND propose the listed classes with the listed syntaxes', async () => {
      const node = { aeTitle: 'RECORDER', host: '127.0.0.1', port, callingAeTitle: 'CACWS', timeoutMs: 5_000 };
      await expect(echo(node)).rejects.toThrow();
      await expect(findStudies(node, { patientId: 'X' })).rejects.toThrow();
      expect(proposed.length).toBeGreaterThanOrEqual(2);
      const documented = tableUids('qr-scu-sop-classes');
      for (const context of proposed) {
        expect(documented, `${context.abstractSyntaxUid} is proposed but not in the statement`).toContain(context.abstractSyntaxUid);
        expect(sorted(context.transferSyntaxUids)).toEqual(sorted(tableUids('qr-scu-transfer-syntaxes')));
      }
      expect(proposed.map((context) => context.abstractSyntaxUid)).toEqual(expect.arrayContaining([VERIFICATION_SOP_CLASS, '1.2.840.10008.5.1.4.1.2.2.1']));
    });
  });
});
