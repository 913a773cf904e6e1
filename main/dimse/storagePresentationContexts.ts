/**
 * What the receiver accepts at association: Verification, and every Storage SOP Class (CT, Enhanced
 * CT, Secondary Capture, the structured reports and dose reports, Encapsulated PDF, ...), each with
 * the first transfer syntax from our preference list that the sender proposed.
 */
import { TRANSFER_SYNTAXES } from '../../native-worker/dicom/transferSyntax.js';

export const VERIFICATION_SOP_CLASS = '1.2.840.10008.1.1';

/** Every standard Storage SOP Class UID lives under this root (PS3.4 B.5); Q/R is under ...1.2. */
const STORAGE_SOP_CLASS_ROOT = '1.2.840.10008.5.1.4.1.1.';

/** The storage classes a CAC workstation is expected to receive, listed for the conformance statement. */
export const NAMED_STORAGE_SOP_CLASSES: Readonly<Record<string, string>> = {
  '1.2.840.10008.5.1.4.1.1.2': 'CT Image Storage',
  '1.2.840.10008.5.1.4.1.1.2.1': 'Enhanced CT Image Storage',
  '1.2.840.10008.5.1.4.1.1.7': 'Secondary Capture Image Storage',
  '1.2.840.10008.5.1.4.1.1.88.22': 'Enhanced SR Storage',
  '1.2.840.10008.5.1.4.1.1.88.33': 'Comprehensive SR Storage',
  '1.2.840.10008.5.1.4.1.1.88.67': 'X-Ray Radiation Dose SR Storage',
  '1.2.840.10008.5.1.4.1.1.104.1': 'Encapsulated PDF Storage',
};

export function isStorageSopClass(uid: string): boolean {
  return uid.startsWith(STORAGE_SOP_CLASS_ROOT) && uid.length > STORAGE_SOP_CLASS_ROOT.length;
}

const IMPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2';
const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';

/**
 * Our preference, uncompressed first: a sender holding an implicit VR file that proposes
 * [explicit] and [implicit] in separate contexts (dcmtk does) then sends it on the implicit one,
 * unconverted. After those, the lossless syntaxes the loader decodes; lossy ones are refused at
 * association rather than archived and refused later by the scorer.
 */
export const ACCEPTED_TRANSFER_SYNTAXES: readonly string[] = [
  EXPLICIT_VR_LITTLE_ENDIAN,
  IMPLICIT_VR_LITTLE_ENDIAN,
  ...Object.entries(TRANSFER_SYNTAXES)
    .filter(([uid, info]) => info.encoding !== undefined && uid !== EXPLICIT_VR_LITTLE_ENDIAN && uid !== IMPLICIT_VR_LITTLE_ENDIAN)
    .map(([uid]) => uid),
];

export type ContextDecision =
  | { accept: true; transferSyntaxUid: string }
  | { accept: false; reason: 'abstract-syntax-not-supported' | 'transfer-syntaxes-not-supported' };

/** The decision for one proposed presentation context. */
export function choosePresentationContext(abstractSyntaxUid: string, proposedTransferSyntaxUids: readonly string[]): ContextDecision {
  const trimmedAbstract = abstractSyntaxUid.replace(/\0+$/, '').trim();
  if (trimmedAbstract !== VERIFICATION_SOP_CLASS && !isStorageSopClass(trimmedAbstract)) return { accept: false, reason: 'abstract-syntax-not-supported' };
  const proposed = new Set(proposedTransferSyntaxUids.map((uid) => uid.replace(/\0+$/, '').trim()));
  // Verification carries no data set; any uncompressed syntax will do.
  const preference = trimmedAbstract === VERIFICATION_SOP_CLASS ? [EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN] : ACCEPTED_TRANSFER_SYNTAXES;
  const chosen = preference.find((uid) => proposed.has(uid));
  return chosen ? { accept: true, transferSyntaxUid: chosen } : { accept: false, reason: 'transfer-syntaxes-not-supported' };
}
