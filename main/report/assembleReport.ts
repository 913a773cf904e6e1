/**
 * Report content from its sources: the saved scores of the reading, the study in the archive, the
 * risk factors, the prior study, the dose log and the procedure notes. Pure: the report service
 * gathers the sources, this decides what the report says.
 */
import { cacCategory, cacDrs, categoryWording, classicCategory, type SiteWording } from '../../native-worker/risk/categories.js';
import { mesaTenYearChdRisk, type MesaInput, type MesaSex } from '../../native-worker/risk/mesa.js';
import { progressionFromPrior } from '../../native-worker/risk/progression.js';
import type { ScoreSheet } from '../../native-worker/scoring/scoringSession.js';
import { isoDate } from '../../native-worker/dicom/dicomDate.js';
export { isoDate };
import type { StudySummary } from '../../db/archiveRepository.js';
import type { EnteredRiskFactors } from '../../db/reportRepository.js';
import { REPORT_CONTENT_VERSION, type ReportContent, type ReportDose, type ReportMethod, type ReportPatient, type ReportSeries, type ReportStudy } from './reportContent.js';
import { prefilledFindings, prefilledImpression } from './reportText.js';

/** Patient and study as the archive holds them (DICOM dates "YYYYMMDD"). */
export type StudyFacts = Pick<
  StudySummary,
  'studyInstanceUid' | 'patientId' | 'patientName' | 'patientBirthDate' | 'patientSex' | 'studyDate' | 'studyTime' | 'studyDescription' | 'accessionNumber'
> & { referringPhysician: string | null };

export interface PriorScores {
  studyInstanceUid: string;
  /** "YYYY-MM-DD" */
  studyDate: string;
  agatston: number;
  volumeMm3: number;
  massMg: number | null;
}

export interface ReportSources {
  study: StudyFacts;
  series: ReportSeries;
  reading: { readingId: number; revision: number; reader: string };
  scores: ScoreSheet;
  warnings: Array<{ code: string; message: string }>;
  /** "CAC Workstation 0.1.0" */
  software: string;
  siteWording?: SiteWording<'cacDrs'>;
  riskFactors: EnteredRiskFactors | null;
  prior: PriorScores | null;
  dose: ReportDose | null;
  procedureNotes: string[];
  /** Findings and impression the reader wrote; omitted: prefilled from the scores. */
  text?: { findings: string; impression: string };
  /** The site reports LM with the LAD (setting display.reportLmWithLad). */
  lmWithLad?: boolean;
}

/** Whole years between birth and the study, as people count birthdays. */
export function ageAtStudy(birthDate: string | null, studyDate: string | null): number | null {
  const birth = isoDate(birthDate);
  const study = isoDate(studyDate);
  if (!birth || !study || study < birth) return null;
  const [by, bm, bd] = birth.split('-').map(Number);
  const [sy, sm, sd] = study.split('-').map(Number);
  return sy - by - (sm < bm || (sm === bm && sd < bd) ? 1 : 0);
}

function mesaSexFromDicom(sex: string | null): MesaSex | null {
  return sex === 'M' ? 'male' : sex === 'F' ? 'female' : null;
}

export function assembleReportContent(sources: ReportSources): ReportContent {
  const { study, scores } = sources;
  const patient: ReportPatient = {
    name: study.patientName,
    patientId: study.patientId,
    birthDate: isoDate(study.patientBirthDate),
    sex: study.patientSex,
    ageYears: ageAtStudy(study.patientBirthDate, study.studyDate),
  };
  const reportStudy: ReportStudy = {
    studyInstanceUid: study.studyInstanceUid,
    studyDate: isoDate(study.studyDate),
    studyTime: study.studyTime,
    accessionNumber: study.accessionNumber,
    description: study.studyDescription,
    referringPhysician: study.referringPhysician,
  };
  const method: ReportMethod = {
    thresholdHu: scores.params.thresholdHu,
    weightBoundsHu: [...scores.params.weightBoundsHu],
    thresholdSource: scores.params.thresholdSource,
    minAreaMm2: scores.params.minAreaMm2,
    massFactor: scores.params.massFactor,
    massFactorSource: scores.params.massFactorSource,
    software: sources.software,
    algorithmVersion: scores.algorithmVersion,
  };
  const hasKeptPlaque = scores.total.agatston > 0;
  const drs = cacDrs(scores.arteries, scores.total.agatston);
  const categories: ReportContent['categories'] = {
    seed: cacCategory(scores.total.agatston, hasKeptPlaque),
    classic: classicCategory(scores.total.agatston, hasKeptPlaque),
    cacDrs: drs,
    wording: categoryWording('cacDrs', drs.grade, sources.siteWording),
  };

  let risk: ReportContent['risk'] = null;
  if (sources.riskFactors) {
    const factors: MesaInput = {
      ...sources.riskFactors,
      sex: sources.riskFactors.sex ?? mesaSexFromDicom(study.patientSex),
      // The study's age when it has one; else the age the reader entered (a study without a birth date).
      ageYears: patient.ageYears ?? sources.riskFactors.ageYears ?? null,
      cacAgatston: scores.total.agatston,
    };
    risk = { factors, mesa: mesaTenYearChdRisk(factors) };
  }

  let progression: ReportContent['progression'] = null;
  if (sources.prior && reportStudy.studyDate) {
    const { prior } = sources;
    progression = {
      prior,
      result: progressionFromPrior(
        { agatston: prior.agatston, volumeMm3: prior.volumeMm3, massMg: prior.massMg, studyDate: prior.studyDate },
        { agatston: scores.total.agatston, volumeMm3: scores.total.volumeMm3, massMg: scores.total.massMg, studyDate: reportStudy.studyDate },
      ),
    };
  }

  const content: Omit<ReportContent, 'findings' | 'impression'> = {
    contentVersion: REPORT_CONTENT_VERSION,
    patient,
    study: reportStudy,
    series: sources.series,
    reading: sources.reading,
    method,
    scores: { arteries: scores.arteries, total: scores.total },
    // Only when set: the content (and its hash) of sites that report LM separately stays as it was.
    ...(sources.lmWithLad ? { lmWithLad: true } : {}),
    categories,
    warnings: sources.warnings,
    risk,
    progression,
    dose: sources.dose,
    procedureNotes: sources.procedureNotes,
  };
  return {
    ...content,
    findings: sources.text?.findings ?? prefilledFindings(content),
    impression: sources.text?.impression ?? prefilledImpression(content),
  };
}

/** The reader's own text of a draft, or undefined when it is still the prefill (so it follows the scores). */
export function editedText(draft: ReportContent): { findings: string; impression: string } | undefined {
  const edited = draft.findings !== prefilledFindings(draft) || draft.impression !== prefilledImpression(draft);
  return edited ? { findings: draft.findings, impression: draft.impression } : undefined;
}
