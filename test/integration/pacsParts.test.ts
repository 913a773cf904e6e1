/**
 * The pieces of the PACS client that need no PACS: the multipart/related reader WADO-RS responses go
 * through, the resume plan, and the validation of PACS settings and search keys.
 */
import { describe, expect, it } from 'vitest';
import { MultipartError, MultipartRelatedParser, boundaryOf, type MultipartPart } from '../../main/pacs/multipartRelated.js';
import { planRetrieve } from '../../main/pacs/retrieveJob.js';
import { parsePacsNode, PacsNodeError } from '../../main/pacs/pacsNode.js';
import { dateRange, normaliseStudyQuery, type InstanceMatch } from '../../main/pacs/pacsMatches.js';

const BOUNDARY = 'f1e2d3c4-boundary';

function multipartBody(bodies: Uint8Array[], options: { preamble?: string; padding?: string } = {}): Buffer {
  const chunks: Buffer[] = [Buffer.from(options.preamble ?? '')];
  for (const body of bodies) {
    chunks.push(Buffer.from(`--${BOUNDARY}${options.padding ?? ''}\r\nContent-Type: application/dicom\r\nContent-Length: ${body.length}\r\n\r\n`));
    chunks.push(Buffer.from(body));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(chunks);
}

function parseInPieces(body: Buffer, cuts: number[]): MultipartPart[] {
  const parser = new MultipartRelatedParser(BOUNDARY);
  const parts: MultipartPart[] = [];
  let start = 0;
  for (const cut of [...cuts, body.length]) {
    parts.push(...parser.push(body.subarray(start, cut)));
    start = cut;
  }
  parser.end();
  return parts;
}

/** Bodies that contain near-misses of the delimiter, CRLFs and dashes. */
const bodies = [
  Buffer.from(`DICM\r\n--${BOUNDARY.slice(0, -1)}x\r\n--\r\n`),
  Buffer.alloc(0),
  Buffer.from(Array.from({ length: 3000 }, (_, index) => (index * 7) % 256)),
  Buffer.from(`\r\n-${BOUNDARY}\r\n`),
];

describe('multipart/related reader', () => {
  it('reads the boundary from the Content-Type, quoted or not', () => {
    expect(boundaryOf(`multipart/related; type="application/dicom"; boundary="${BOUNDARY}"`)).toBe(BOUNDARY);
    expect(boundaryOf(`multipart/related; boundary=${BOUNDARY}; type=application/dicom`)).toBe(BOUNDARY);
    expect(boundaryOf('application/dicom')).toBeUndefined();
    expect(boundaryOf(null)).toBeUndefined();
  });

  it('gives back every part byte for byte, however the body is cut into chunks', () => {
    const body = multipartBody(bodies, { preamble: 'ignored preamble\r\n' });
    const expected = bodies.map((part) => Buffer.from(part).toString('hex'));
    expect(parseInPieces(body, []).map((part) => Buffer.from(part.body).toString('hex'))).toEqual(expected);
    // Every single split point, and byte-by-byte: the delimiter straddles chunks in every possible way.
    for (let cut = 1; cut < body.length; cut++) {
      expect(parseInPieces(body, [cut]).map((part) => Buffer.from(part.body).toString('hex'))).toEqual(expected);
    }
    const everyByte = Array.from({ length: body.length - 1 }, (_, index) => index + 1);
    const parts = parseInPieces(body, everyByte);
    expect(parts.map((part) => Buffer.from(part.body).toString('hex'))).toEqual(expected);
    expect(parts[0].headers).toMatchObject({ 'content-type': 'application/dicom', 'content-length': String(bodies[0].length) });
  });

  it('accepts transport padding after a boundary', () => {
    const parts = parseInPieces(multipartBody(bodies, { padding: ' \t ' }), [7, 90]);
    expect(parts).toHaveLength(bodies.length);
  });

  it('says so when the response is cut short, in a part or before the closing boundary', () => {
    const body = multipartBody(bodies);
    const cutInPart = new MultipartRelatedParser(BOUNDARY);
    cutInPart.push(body.subarray(0, 200));
    expect(() => cutInPart.end()).toThrow(MultipartError);
    expect(() => cutInPart.end()).toThrow(/cut short/);
    const noClose = new MultipartRelatedParser(BOUNDARY);
    noClose.push(body.subarray(0, body.length - `--${BOUNDARY}--\r\n`.length));
    expect(() => noClose.end()).toThrow(MultipartError);
  });
});

describe('resume plan', () => {
  const instance = (series: string, number: number): InstanceMatch => ({ studyInstanceUid: '1.2', seriesInstanceUid: series, sopInstanceUid: `1.2.${series}.${number}`, instanceNumber: number });
  const atPacs = [...[1, 2, 3].map((n) => instance('10', n)), ...[1, 2].map((n) => instance('20', n))];

  it('asks for the whole study (or series) when nothing is archived', () => {
    expect(planRetrieve({ studyInstanceUid: '1.2' }, atPacs, () => false).requests).toEqual([{ level: 'STUDY', studyInstanceUid: '1.2', instanceCount: 5 }]);
    expect(planRetrieve({ studyInstanceUid: '1.2', seriesInstanceUid: '10' }, atPacs.slice(0, 3), () => false).requests).toEqual([
      { level: 'SERIES', studyInstanceUid: '1.2', seriesInstanceUid: '10', instanceCount: 3 },
    ]);
  });

  it('asks only for what is missing: whole series when none of it is archived, else instance by instance', () => {
    const archived = new Set(['1.2.10.1']);
    const plan = planRetrieve({ studyInstanceUid: '1.2' }, atPacs, (uid) => archived.has(uid));
    expect(plan.alreadyArchived.map((entry) => entry.sopInstanceUid)).toEqual(['1.2.10.1']);
    expect(plan.requests).toEqual([
      { level: 'IMAGE', studyInstanceUid: '1.2', seriesInstanceUid: '10', sopInstanceUids: ['1.2.10.2', '1.2.10.3'], instanceCount: 2 },
      { level: 'SERIES', studyInstanceUid: '1.2', seriesInstanceUid: '20', instanceCount: 2 },
    ]);
  });

  it('asks for nothing when everything is archived', () => {
    expect(planRetrieve({ studyInstanceUid: '1.2' }, atPacs, () => true)).toMatchObject({ requests: [], toRetrieve: [] });
  });
});

describe('PACS settings and search keys', () => {
  it('fills the defaults and trims', () => {
    expect(parsePacsNode({ aeTitle: ' ORTHANC ', host: 'pacs.local', port: 4242, dicomWebUrl: 'http://pacs.local:8042/dicom-web/' })).toEqual({
      aeTitle: 'ORTHANC',
      host: 'pacs.local',
      port: 4242,
      callingAeTitle: 'CACWS',
      dicomWebUrl: 'http://pacs.local:8042/dicom-web',
      timeoutMs: 10_000,
    });
  });

  it('names each problem', () => {
    expect(() => parsePacsNode({ aeTitle: 'A_TITLE_LONGER_THAN_16', host: '', port: 70000 })).toThrow(PacsNodeError);
    expect(() => parsePacsNode({ aeTitle: 'A_TITLE_LONGER_THAN_16', host: 'h', port: 104 })).toThrow(/aeTitle: an AE title has at most 16 characters/);
    expect(() => parsePacsNode({ aeTitle: 'BACK\\SLASH', host: 'h', port: 104 })).toThrow(/without a backslash/);
    expect(() => parsePacsNode({ aeTitle: 'PACS', host: 'h', port: 0 })).toThrow(/port/);
  });

  it('checks dates and turns them into a DICOM range', () => {
    expect(dateRange('20200101', '20201231')).toBe('20200101-20201231');
    expect(dateRange('20200101', undefined)).toBe('20200101-');
    expect(dateRange(undefined, '20200101')).toBe('-20200101');
    expect(dateRange('20200101', '20200101')).toBe('20200101');
    expect(() => normaliseStudyQuery({ studyDateFrom: '2020-01-01' })).toThrow(/YYYYMMDD/);
    expect(() => normaliseStudyQuery({ studyDateFrom: '20200201', studyDateTo: '20200101' })).toThrow(/after/);
    expect(() => normaliseStudyQuery({ patientName: 'A\\B' })).toThrow(/backslash/);
    expect(normaliseStudyQuery({ modality: 'ct' }).modality).toBe('CT');
  });
});
