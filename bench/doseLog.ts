/**
 * Budget 9: the dose log of a busy year (6000 studies, 3 protocols) is listed with its
 * per-protocol quartiles in less than 5x the time SQLite takes just to read the same dose rows.
 * Baseline and subject run interleaved on one real SQLite file.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArchiveStore } from '../main/archive/archiveStore.js';
import { DoseService } from '../main/dose/doseService.js';
import { defaultDoseSettings } from '../main/dose/referenceLevels.js';
import { DoseRepository } from '../db/doseRepository.js';
import type { StudyDose } from '../main/dose/doseTypes.js';
import { budget, describeCheck, describeTimings, formatRatio, heading, line, median, timeInterleaved, type BudgetCheck } from './stats.js';

export const DOSE_LOG_BUDGET_RATIO = 5;
const STUDIES = 6000;
const PROTOCOLS = ['Calcium Score', 'Cardiac CTA', 'Chest routine'];

function studyDose(index: number): StudyDose {
  const ctdivolMgy = 1 + (index % 97) / 10;
  const dlpMgyCm = ctdivolMgy * (12 + (index % 7));
  const day = new Date(Date.UTC(2025, 0, 1) + (index % 365) * 86_400_000).toISOString().slice(0, 10);
  return {
    studyInstanceUid: `1.2.826.0.1.3680043.8.498.77.${index + 1}`,
    source: 'rdsr',
    sourceSopInstanceUids: [`1.2.826.0.1.3680043.8.498.78.${index + 1}`],
    events: [
      { irradiationEventUid: `1.2.826.0.1.3680043.8.498.79.${index + 1}`, ctdivolMgy, dlpMgyCm, phantom: 'body-32', kvp: 120, tubeCurrentMa: 80, exposureTimeS: 0.35, scanLengthMm: 130, acquisitionType: 'Sequenced Acquisition', protocol: PROTOCOLS[index % PROTOCOLS.length], targetRegion: 'Chest', startedAt: null },
    ],
    dlpTotalMgyCm: dlpMgyCm,
    scanner: { manufacturer: 'ACME', model: `CT ${index % 3}`, stationName: null, deviceSerial: null },
    alerts: [],
    studyDate: day,
  };
}

export async function benchDoseLog(): Promise<BudgetCheck[]> {
  heading(`9. dose log of ${STUDIES} studies with quartiles per protocol vs reading the dose rows`);
  const dir = await mkdtemp(join(tmpdir(), 'cac-bench-doselog-'));
  const store = ArchiveStore.open(join(dir, 'archive'));
  try {
    const settings = defaultDoseSettings();
    const doses = new DoseRepository(store.db);
    store.db.transaction(() => {
      for (let index = 0; index < STUDIES; index++) {
        doses.record(studyDose(index), { kFactorChoice: 'adult-chest', referenceLevels: settings.referenceLevels, studyDescription: null, patientId: `P${index % 1500}`, studyDate: null, recordedBy: 'bench' });
      }
    })();
    const service = new DoseService(store, { settings: () => settings, user: () => 'bench' });
    let rowCount = 0;
    const readRows = () => {
      rowCount = (store.db.prepare('SELECT * FROM dose_records').all() as unknown[]).length;
    };
    let listed = 0;
    const doseLog = () => {
      const log = service.log({ limit: 10_000 });
      listed = log.rows.length;
    };
    const timings = await timeInterleaved({ readRows, doseLog }, { warmupRuns: 2, runs: 9 });
    const ratio = median(timings.doseLog) / median(timings.readRows);
    line('baseline: SELECT * FROM dose_records', `${rowCount} rows; ${describeTimings(timings.readRows)}`);
    line('dose.log with quartiles', `${listed} rows; ${describeTimings(timings.doseLog)}`);
    line('ratio dose log / read', formatRatio(ratio));
    const check = budget('9 dose log', 'dose log / read rows', ratio, DOSE_LOG_BUDGET_RATIO, formatRatio);
    console.log(`   ${describeCheck(check)}`);
    return [check];
  } finally {
    store.close();
    await rm(dir, { recursive: true, force: true });
  }
}
