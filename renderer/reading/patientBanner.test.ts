import { describe, expect, it } from 'vitest';
import { patientBanner } from './patientBanner.js';

describe('patientBanner', () => {
  it('shows name, ID, birth date with the age at the study, and the study date', () => {
    expect(patientBanner({ patientName: 'DOE^JANE^^', patientId: 'P-17', patientBirthDate: '19610514', patientSex: 'F', studyDate: '20240513' })).toEqual({
      name: 'DOE, JANE',
      patientId: 'P-17',
      birth: 'born 1961-05-14 (F, 62 y)',
      studyDate: 'study 2024-05-13',
    });
  });

  it('says what is not recorded instead of leaving a gap', () => {
    expect(patientBanner({ patientName: null, patientId: 'ANON', patientBirthDate: null, patientSex: null, studyDate: 'bad' })).toEqual({
      name: '(no name)',
      patientId: 'ANON',
      birth: 'birth date not recorded',
      studyDate: 'study date not recorded',
    });
  });
});
