/**
 * Which calibration factor turns HU into mg of hydroxyapatite (CLINICAL.md 2, item 6), in order:
 * a phantom calibration entered for this scanner and kVp; DICOM Calcium Scoring Mass Factor Device
 * (0018,9352); Calcium Scoring Mass Factor Patient (0018,9351); otherwise no mass score.
 */
import type { LoadIssue } from '../dicom/loadIssues.js';

export type MassFactorSource = 'calibration' | 'dicom-device' | 'dicom-patient' | 'none';

export interface MassFactor {
  /** mg HA / cm3 per HU; null when not calibrated. */
  factor: number | null;
  source: MassFactorSource;
  issues: LoadIssue[];
}

export interface MassFactorInputs {
  /** From a phantom calibration (or typed in by the site physicist). */
  calibrated?: number;
  /** (0018,9352): one value per patient size, small / medium / large. */
  device?: number[];
  /** Which of the device values fits this patient, when known. */
  patientSize?: 'small' | 'medium' | 'large';
  /** (0018,9351). */
  patient?: number;
}

const SIZE_INDEX = { small: 0, medium: 1, large: 2 } as const;

export function resolveMassFactor(inputs: MassFactorInputs): MassFactor {
  if (inputs.calibrated !== undefined) {
    if (!(inputs.calibrated > 0) || !Number.isFinite(inputs.calibrated)) {
      throw new RangeError(`mass calibration factor ${inputs.calibrated} must be a positive number (mg HA/cm3 per HU, e.g. 0.72)`);
    }
    return { factor: inputs.calibrated, source: 'calibration', issues: [] };
  }
  const device = inputs.device?.filter((value) => value > 0);
  if (device && device.length > 0) {
    if (device.length === 1) return { factor: device[0], source: 'dicom-device', issues: [] };
    if (inputs.patientSize && device.length === 3) {
      return { factor: device[SIZE_INDEX[inputs.patientSize]], source: 'dicom-device', issues: [] };
    }
    const middle = device[Math.floor(device.length / 2)];
    return {
      factor: middle,
      source: 'dicom-device',
      issues: [
        {
          code: 'mass-factor-middle-value',
          severity: 'note',
          message: `the scanner gives ${device.length} mass factors (${device.join(', ')}) for different patient sizes and the size is not known: the middle one (${middle}) is used`,
        },
      ],
    };
  }
  if (inputs.patient !== undefined && inputs.patient > 0) return { factor: inputs.patient, source: 'dicom-patient', issues: [] };
  return { factor: null, source: 'none', issues: [] };
}
