/**
 * The PACS this workstation queries and retrieves from: its DIMSE address (AE title, host, port),
 * the AE title we call it with, and optionally its DICOMweb root. Validated once at the boundary
 * (settings, CLI), so the clients below can trust it.
 */
import { z } from 'zod';

/** PS3.5 AE: 1 to 16 characters of the default repertoire, no backslash, not only spaces. */
export const aeTitleSchema = z
  .string()
  .transform((title) => title.trim())
  .pipe(
    z
      .string()
      .min(1, 'an AE title cannot be empty')
      .max(16, 'an AE title has at most 16 characters')
      .regex(/^[\x20-\x5b\x5d-\x7e]+$/, 'an AE title uses printable ASCII characters without a backslash'),
  );

export const DEFAULT_CALLING_AE_TITLE = 'CACWS';
export const DEFAULT_TIMEOUT_MS = 10_000;

export const pacsNodeSchema = z.object({
  /** The PACS's AE title (the called AE). */
  aeTitle: aeTitleSchema,
  host: z.string().trim().min(1, 'the PACS host is missing'),
  port: z.number().int().min(1).max(65535),
  /** Our AE title as the PACS knows it (C-MOVE destinations and access rules depend on it). */
  callingAeTitle: aeTitleSchema.default(DEFAULT_CALLING_AE_TITLE),
  /** The DICOMweb root, e.g. http://pacs:8042/dicom-web (QIDO-RS and WADO-RS are below it). */
  dicomWebUrl: z
    .string()
    .trim()
    .regex(/^https?:\/\/[^\s]+$/i, 'the DICOMweb URL must start with http:// or https://')
    .transform((url) => url.replace(/\/+$/, ''))
    .optional(),
  /** How long to wait for a connection, an association or the next message before giving up. */
  timeoutMs: z.number().int().min(100).max(600_000).default(DEFAULT_TIMEOUT_MS),
});

export type PacsNode = z.output<typeof pacsNodeSchema>;
export type PacsNodeInput = z.input<typeof pacsNodeSchema>;

export class PacsNodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PacsNodeError';
  }
}

/** Validate a PACS description; the error lists each problem in words. */
export function parsePacsNode(input: unknown): PacsNode {
  const result = pacsNodeSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || 'PACS'}: ${issue.message}`);
  throw new PacsNodeError(`the PACS settings are not valid: ${problems.join('; ')}`);
}

/** "the PACS at 127.0.0.1:4242 (AE ORTHANC)", the start of every message about this PACS. */
export function describePacs(node: Pick<PacsNode, 'aeTitle' | 'host' | 'port'>): string {
  return `the PACS at ${node.host}:${node.port} (AE ${node.aeTitle})`;
}

/** "the DICOMweb service at http://..." */
export function describeDicomWeb(url: string): string {
  return `the DICOMweb service at ${url}`;
}
