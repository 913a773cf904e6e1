/**
 * The workstation's settings: where the archive is, the DICOM receiver, the PACS nodes, the
 * scoring parameters for new readings and display options. Schemas carry no defaults: defaults are
 * one object (DEFAULT_SETTINGS), so a partial update never resets what it did not mention.
 * No Node imports: the renderer shares these types through the contract.
 */
import { z } from 'zod';
import { aeTitleSchema, pacsNodeSchema } from '../pacs/pacsNode.js';
// dose log (issue 5): k factor choice and reference levels
import { defaultDoseSettings, doseSettingsSchema } from '../dose/referenceLevels.js';

const callingAeSchema = z
  .string()
  .trim()
  .regex(/^[\x20-\x5b\x5d-\x7e]{1,16}(@[0-9A-Fa-f:.]{2,45})?$/, 'a calling AE title is 1 to 16 printable characters without a backslash, optionally @ an IP address');

export const receiverSettingsSchema = z.strictObject({
  enabled: z.boolean(),
  aeTitle: aeTitleSchema,
  port: z.number().int().min(1).max(65535),
  /**
   * Calling AE titles allowed to send: "CT_SCANNER" from anywhere or "CT_SCANNER@10.0.0.5" from
   * that address only. Empty accepts any caller (the receiver logs a warning): fine for a first
   * installation, not for a site.
   */
  allowedCallingAeTitles: z.array(callingAeSchema).max(64),
  /** Largest number of scanners sending at once. */
  maxAssociations: z.number().int().min(1).max(64),
  /** Of those, how many from one calling AE title: one misbehaving peer cannot take every slot. */
  maxAssociationsPerCallingAe: z.number().int().min(1).max(64),
  /** An association silent this long is aborted and its slot freed; also the time allowed for the association request. */
  idleTimeoutSeconds: z.number().int().min(1).max(600),
});

export const namedPacsNodeSchema = pacsNodeSchema.extend({
  /** How the reader picks this PACS in the UI ("Hospital PACS"). */
  name: z.string().trim().min(1, 'name the PACS').max(64),
});

export const scoringSettingsSchema = z.strictObject({
  /** Lowest Agatston bound for new readings (130 HU is the standard). */
  thresholdHu: z.number().int().min(100).max(1000),
  kvAdjusted: z.boolean(),
  minAreaMm2: z.number().min(0).max(10),
  /** The phantom calibration (mg HA/cm3 per HU) for this scanner; null = take it from the images. */
  massFactor: z.number().positive().max(10).nullable(),
});

export const displaySettingsSchema = z.strictObject({
  /** Report the left main together with the LAD (some sites' convention). */
  reportLmWithLad: z.boolean(),
  /** Label colours drawn over the slices. */
  overlayOpacity: z.number().min(0).max(1),
});

/** Sessions of signed-in accounts. */
export const sessionSettingsSchema = z.strictObject({
  /** Minutes without keyboard or mouse before the workstation locks itself (the open study stays). */
  idleLockMinutes: z.number().int().min(1).max(240),
});

const wordingText = z.string().trim().max(1000);

export const reportSettingsSchema = z.strictObject({
  /** Printed in the report header. */
  siteName: z.string().trim().max(128),
  siteAddress: z.string().trim().max(256),
  /** PACS (names from pacsNodes) that receive every signed report (PDF, SR, key images) automatically. */
  sendTo: z.array(z.string().trim().min(1).max(64)).max(8),
  /** The site's own recommendation text per CAC-DRS grade; blank uses the neutral default. */
  cacDrsWording: z.strictObject({ A0: wordingText, A1: wordingText, A2: wordingText, A3: wordingText }).partial(),
});

const settingsObjectSchema = z.strictObject({
    /** null: the archive inside the data directory (embedded); else an absolute folder. */
    archiveFolder: z.string().trim().min(1).max(4096).nullable(),
    session: sessionSettingsSchema,
    receiver: receiverSettingsSchema,
    pacsNodes: z.array(namedPacsNodeSchema).max(32),
    scoring: scoringSettingsSchema,
    display: displaySettingsSchema,
    report: reportSettingsSchema,
    // dose log (issue 5)
    dose: doseSettingsSchema,
  });

export const settingsSchema = settingsObjectSchema.refine((settings) => new Set(settings.pacsNodes.map((node) => node.name)).size === settings.pacsNodes.length, {
    message: 'two PACS have the same name',
    path: ['pacsNodes'],
  })
  .refine((settings) => settings.report.sendTo.every((name) => settings.pacsNodes.some((node) => node.name === name)), {
    message: 'reports are to be sent to a PACS that is not in the list of PACS',
    path: ['report', 'sendTo'],
  });

export type Settings = z.output<typeof settingsSchema>;
export type NamedPacsNode = z.output<typeof namedPacsNodeSchema>;

/** An update: any top-level setting; nested sections are merged key by key, PACS nodes replaced as a list. */
export const settingsPatchSchema = z.strictObject({
  archiveFolder: settingsObjectSchema.shape.archiveFolder.optional(),
  session: sessionSettingsSchema.partial().optional(),
  receiver: receiverSettingsSchema.partial().optional(),
  pacsNodes: settingsObjectSchema.shape.pacsNodes.optional(),
  scoring: scoringSettingsSchema.partial().optional(),
  display: displaySettingsSchema.partial().optional(),
  report: reportSettingsSchema.partial().optional(),
  // dose log (issue 5): kFactor and/or the whole list of reference levels
  dose: doseSettingsSchema.partial().optional(),
});

export type SettingsPatch = z.input<typeof settingsPatchSchema>;

export function defaultSettings(): Settings {
  return {
    archiveFolder: null,
    session: { idleLockMinutes: 10 },
    receiver: { enabled: false, aeTitle: 'CACWS', port: 11112, allowedCallingAeTitles: [], maxAssociations: 4, maxAssociationsPerCallingAe: 2, idleTimeoutSeconds: 30 },
    pacsNodes: [],
    scoring: { thresholdHu: 130, kvAdjusted: false, minAreaMm2: 1, massFactor: null },
    display: { reportLmWithLad: false, overlayOpacity: 0.5 },
    report: { siteName: '', siteAddress: '', sendTo: [], cacDrsWording: {} },
    // dose log (issue 5)
    dose: defaultDoseSettings(),
  };
}

/** Apply a patch (already validated by settingsPatchSchema) and validate the result as a whole. */
export function mergeSettings(current: Settings, patch: unknown): { settings: Settings } | { problems: string[] } {
  const parsedPatch = settingsPatchSchema.safeParse(patch);
  if (!parsedPatch.success) return { problems: describeIssues(parsedPatch.error) };
  const p = parsedPatch.data;
  const merged = {
    archiveFolder: p.archiveFolder !== undefined ? p.archiveFolder : current.archiveFolder,
    session: { ...current.session, ...stripUndefined(p.session) },
    receiver: { ...current.receiver, ...stripUndefined(p.receiver) },
    pacsNodes: p.pacsNodes ?? current.pacsNodes,
    scoring: { ...current.scoring, ...stripUndefined(p.scoring) },
    display: { ...current.display, ...stripUndefined(p.display) },
    report: { ...current.report, ...stripUndefined(p.report) },
    // dose log (issue 5)
    dose: { ...current.dose, ...stripUndefined(p.dose) },
  };
  const result = settingsSchema.safeParse(merged);
  return result.success ? { settings: result.data } : { problems: describeIssues(result.error) };
}

/**
 * Settings of earlier versions that accounts replaced (issue 10): the reader's name and role were
 * settings anyone could change; they are dropped when an old settings file is read.
 */
export const RETIRED_SETTINGS = ['readerName', 'readerRole'] as const;

export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.join('.') || 'request'}: ${issue.message}`);
}

function stripUndefined<T extends object>(value: T | undefined): Partial<T> {
  if (!value) return {};
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
