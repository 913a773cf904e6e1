/**
 * The electronic signature of a report version (issue 10, in the spirit of 21 CFR Part 11 and eIDAS
 * "advanced" signatures): who (account id, printed name, role), when (UTC and the site's local time),
 * what it means, and the SHA-256 of the exact content signed, tied to one report version by a binding
 * hash. The binding is checked on every read, so a signature copied onto another report or version,
 * or content edited after signing, is caught before the report is shown as valid or sent anywhere.
 *
 * What the binding proves: that the row and the content belong together. It carries no secret, so
 * someone who can rewrite the database and recompute hashes could forge one; the hash-chained audit
 * trail (report-signed entries hold the content SHA-256) is what catches that.
 */
import { createHash } from 'node:crypto';
import { canonicalJson, reportContentSha256 } from './reportHash.js';
import type { ReportContent, ReportSignature, SignatureCheck } from './reportContent.js';

export type { ReportSignature, SignatureCheck };

/** What the signer declares, shown before signing and bound into the signature. */
export const SIGNATURE_MEANING = 'Reviewed and approved as the reading physician';

export type UnboundSignature = Omit<ReportSignature, 'bindingSha256'>;

/** SHA-256 of the canonical JSON of every bound field (the binding hash itself excluded). */
export function signatureBindingSha256(signature: UnboundSignature): string {
  const { reportId, version, studyInstanceUid, signerUserId, printedName, role, signedAtUtc, signedAtLocal, timeZone, meaning, contentSha256 } = signature;
  const bound = { reportId, version, studyInstanceUid, signerUserId, printedName, role, signedAtUtc, signedAtLocal, timeZone, meaning, contentSha256 };
  return createHash('sha256').update(canonicalJson(bound)).digest('hex');
}

export function bindSignature(signature: UnboundSignature): ReportSignature {
  return { ...signature, bindingSha256: signatureBindingSha256(signature) };
}

/** The site's time zone: the process's (TZ), as Intl resolves it. */
export function siteTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** An instant as local ISO 8601 with the zone's offset at that instant, to the second ("2026-12-05T09:03:09+01:00"). */
export function zonedIso(at: Date, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      .formatToParts(at)
      .map((part) => [part.type, part.value]),
  ) as Record<string, string>;
  const localMs = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  const offsetMinutes = Math.round((localMs - Math.floor(at.getTime() / 1000) * 1000) / 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const magnitude = Math.abs(offsetMinutes);
  const offset = `${sign}${String(Math.floor(magnitude / 60)).padStart(2, '0')}:${String(magnitude % 60).padStart(2, '0')}`;
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}${offset}`;
}

/**
 * Check a signed version's signature against the version as stored now: the report, version and
 * study it is read as (not as the row claims), and the content's SHA-256 recomputed.
 */
export function checkSignature(
  signed: { reportId: number; version: number; studyInstanceUid: string; content: ReportContent; contentSha256: string | null },
  signature: ReportSignature | null | undefined,
  legacy: boolean,
): SignatureCheck {
  const name = `the signature of v${signed.version}`;
  if (!signature) {
    if (legacy) return { status: 'legacy', message: `version ${signed.version} was signed before electronic signatures (a name, no password confirmation)` };
    return { status: 'missing', message: `${name} is missing from the archive: do not use this version; restore the archive from backup` };
  }
  const contentSha256 = reportContentSha256(signed.content);
  const recomputed = signatureBindingSha256({ ...signature, reportId: signed.reportId, version: signed.version, studyInstanceUid: signed.studyInstanceUid });
  if (contentSha256 !== signature.contentSha256 || (signed.contentSha256 !== null && signed.contentSha256 !== contentSha256)) {
    return { status: 'mismatch', message: `${name} does not match its content: do not use (the content was changed after signing)` };
  }
  if (recomputed !== signature.bindingSha256) {
    return { status: 'mismatch', message: `${name} does not match its content: do not use (the signature belongs to another report or version, or was altered)` };
  }
  return { status: 'valid' };
}

/** The short form of a SHA-256 printed for people: the first 16 hex digits, grouped. */
export function shortSha256(sha256: string): string {
  return sha256.slice(0, 16).replace(/(.{4})(?=.)/g, '$1 ');
}
