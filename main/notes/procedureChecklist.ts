/**
 * The technologist's procedure checklist (CLINICAL.md section 5) as one typed, validated value, and
 * the alerts it raises for the reader (worklist, reading view, report). Every item is present in
 * every version; null means "not recorded (yet)", so a half-filled form can be saved and a later
 * version completes it. No Node imports: the renderer shares the schema and the type.
 */
import { z } from 'zod';

const yesNo = z.boolean({ error: 'answer yes (true), no (false) or leave it unrecorded (null)' }).nullable();
const text = (max: number, what: string) => z.string({ error: `${what} must be text` }).max(max, `${what} has at most ${max} characters`);

export const GATING_QUALITIES = ['good', 'acceptable', 'poor'] as const;
export const BREATH_HOLD_COMPLIANCE = ['good', 'partial', 'poor'] as const;
export const PREGNANCY_ANSWERS = ['not-pregnant', 'pregnant', 'possibly-pregnant', 'breastfeeding', 'not-applicable'] as const;

export const procedureChecklistSchema = z.strictObject({
  identityChecked: yesNo,
  insuranceChecked: yesNo,
  /** The medication list as the patient gave it (beta blockers, nitrates ...). */
  medications: text(2000, 'the medication list'),
  ecg: z.strictObject({
    electrodesPlaced: yesNo,
    gatingQuality: z.enum(GATING_QUALITIES, { error: `gating quality is one of ${GATING_QUALITIES.join(', ')}` }).nullable(),
  }),
  /** Heart rate during the scan. */
  heartRateBpm: z
    .number({ error: 'the heart rate is a number (beats per minute)' })
    .int('the heart rate is a whole number of beats per minute')
    .min(20, 'the heart rate must be at least 20 bpm')
    .max(250, 'the heart rate must be at most 250 bpm')
    .nullable(),
  /** Breath-hold instructions (about 10 s) given, and how well they were followed. */
  breathHold: z.strictObject({
    instructed: yesNo,
    compliance: z.enum(BREATH_HOLD_COMPLIANCE, { error: `breath-hold compliance is one of ${BREATH_HOLD_COMPLIANCE.join(', ')}` }).nullable(),
  }),
  /** Necklaces, underwire bras and other metal removed. */
  metalRemoved: yesNo,
  /** 'not-applicable' (e.g. men) is an answer, not a skipped question. */
  pregnancy: z.strictObject({
    asked: yesNo,
    answer: z.enum(PREGNANCY_ANSWERS, { error: `the pregnancy answer is one of ${PREGNANCY_ANSWERS.join(', ')}` }).nullable(),
  }),
  /** A calcium score is a non-contrast scan: true here is unusual and is shown to the reader. */
  contrastGiven: yesNo,
  caffeine: z.strictObject({ caffeineToday: yesNo, fastHeartRate: yesNo }),
  anxiety: z.strictObject({
    /** Claustrophobia or anxiety. */
    present: yesNo,
    whatHelped: text(1000, 'what helped'),
  }),
  /** Whether the planned scan was completed (false: stopped early, for whatever reason). */
  scanCompleted: yesNo,
  timeInRoomMinutes: z
    .number({ error: 'the time in room is a number of minutes' })
    .min(0, 'the time in room cannot be negative (minutes)')
    .max(600, 'the time in room must be at most 600 minutes')
    .nullable(),
  freeText: text(4000, 'the free text'),
});

export type ProcedureChecklist = z.output<typeof procedureChecklistSchema>;

/** An empty checklist: what a new form starts from. */
export function emptyChecklist(): ProcedureChecklist {
  return {
    identityChecked: null,
    insuranceChecked: null,
    medications: '',
    ecg: { electrodesPlaced: null, gatingQuality: null },
    heartRateBpm: null,
    breathHold: { instructed: null, compliance: null },
    metalRemoved: null,
    pregnancy: { asked: null, answer: null },
    contrastGiven: null,
    caffeine: { caffeineToday: null, fastHeartRate: null },
    anxiety: { present: null, whatHelped: '' },
    scanCompleted: null,
    timeInRoomMinutes: null,
    freeText: '',
  };
}

/**
 * What the reader must see before reading (worklist, reading view) and what goes into the report:
 * short sentences, most important first.
 */
export function procedureAlerts(checklist: ProcedureChecklist): string[] {
  const alerts: string[] = [];
  const helped = checklist.anxiety.whatHelped.trim();
  if (checklist.anxiety.present === true) {
    const completion = checklist.scanCompleted === false ? ': scan not completed' : checklist.scanCompleted === true ? ': scan completed' : '';
    alerts.push(`Claustrophobia/anxiety${completion}${helped ? ` (helped: ${helped})` : ''}`);
  } else if (checklist.scanCompleted === false) {
    alerts.push('Incomplete scan');
  }
  if (checklist.ecg.gatingQuality === 'poor') alerts.push('Poor ECG gating');
  if (checklist.breathHold.compliance === 'poor') alerts.push('Breath-hold poorly followed');
  else if (checklist.breathHold.compliance === 'partial') alerts.push('Breath-hold partly followed');
  if (checklist.caffeine.fastHeartRate === true || (checklist.heartRateBpm !== null && checklist.heartRateBpm > 90)) {
    alerts.push(`Fast heart rate${checklist.heartRateBpm !== null ? ` (${checklist.heartRateBpm} bpm)` : ''}`);
  }
  if (checklist.contrastGiven === true) alerts.push('Contrast was given');
  if (checklist.pregnancy.answer === 'pregnant' || checklist.pregnancy.answer === 'possibly-pregnant') {
    alerts.push(checklist.pregnancy.answer === 'pregnant' ? 'Pregnant' : 'Possibly pregnant');
  }
  if (checklist.metalRemoved === false) alerts.push('Metal not removed');
  return alerts;
}
