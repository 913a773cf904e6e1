/** Who and when the reading is about, for the reading view's header: name, ID, birth date and age, study date. */
import type { StudySummary } from '../../db/archiveRepository.js';
import { ageAtStudy } from '../../main/report/assembleReport.js';
import { isoDate } from '../../native-worker/dicom/dicomDate.js';

export interface PatientBanner {
  name: string;
  patientId: string;
  /** "born 1961-04-02 (63 y)", or "birth date not recorded" */
  birth: string;
  /** "study 2024-05-14", or "study date not recorded" */
  studyDate: string;
}

export function patientBanner(study: Pick<StudySummary, 'patientName' | 'patientId' | 'patientBirthDate' | 'patientSex' | 'studyDate'>): PatientBanner {
  const name = (study.patientName ?? '(no name)').replace(/\^+/g, ', ').replace(/, $/, '');
  const birthDate = isoDate(study.patientBirthDate);
  const age = ageAtStudy(study.patientBirthDate, study.studyDate);
  const sex = study.patientSex === 'M' || study.patientSex === 'F' ? `${study.patientSex}, ` : '';
  const studyDate = isoDate(study.studyDate);
  return {
    name,
    patientId: study.patientId,
    birth: birthDate ? `born ${birthDate} (${sex}${age === null ? 'age unknown' : `${age} y`})` : `birth date not recorded${sex ? ` (${sex.slice(0, 1)})` : ''}`,
    studyDate: studyDate ? `study ${studyDate}` : 'study date not recorded',
  };
}
