import { describe, expect, it } from 'vitest';
import { choosePresentationContext } from './storagePresentationContexts.js';

const CT = '1.2.840.10008.5.1.4.1.1.2';
const EXPLICIT = '1.2.840.10008.1.2.1';
const IMPLICIT = '1.2.840.10008.1.2';

describe('choosePresentationContext', () => {
  it('prefers uncompressed, then the lossless syntaxes the loader decodes; refuses lossy and big endian', () => {
    expect(choosePresentationContext(CT, ['1.2.840.10008.1.2.4.70', IMPLICIT, EXPLICIT])).toEqual({ accept: true, transferSyntaxUid: EXPLICIT });
    // dcmtk's second context for a class: [big endian, implicit]; implicit is taken, so implicit files travel unconverted.
    expect(choosePresentationContext(CT, ['1.2.840.10008.1.2.2', IMPLICIT])).toEqual({ accept: true, transferSyntaxUid: IMPLICIT });
    expect(choosePresentationContext(CT, ['1.2.840.10008.1.2.4.90'])).toEqual({ accept: true, transferSyntaxUid: '1.2.840.10008.1.2.4.90' });
    expect(choosePresentationContext(CT, ['1.2.840.10008.1.2.5'])).toEqual({ accept: true, transferSyntaxUid: '1.2.840.10008.1.2.5' });
    expect(choosePresentationContext(CT, ['1.2.840.10008.1.2.4.50', '1.2.840.10008.1.2.4.91'])).toEqual({ accept: false, reason: 'transfer-syntaxes-not-supported' });
  });

  it('accepts Verification and storage classes (CT, Enhanced CT, SC, SR, dose SR, PDF), not query/retrieve', () => {
    for (const uid of ['1.2.840.10008.1.1', CT, '1.2.840.10008.5.1.4.1.1.2.1', '1.2.840.10008.5.1.4.1.1.7', '1.2.840.10008.5.1.4.1.1.88.22', '1.2.840.10008.5.1.4.1.1.88.33', '1.2.840.10008.5.1.4.1.1.88.67', '1.2.840.10008.5.1.4.1.1.104.1']) {
      expect(choosePresentationContext(uid, [EXPLICIT]).accept, uid).toBe(true);
    }
    expect(choosePresentationContext('1.2.840.10008.5.1.4.1.2.2.1', [EXPLICIT])).toEqual({ accept: false, reason: 'abstract-syntax-not-supported' });
  });
});
