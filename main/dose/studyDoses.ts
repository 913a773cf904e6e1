/**
 * One dose per study from many dose objects. Scanners re-send their RDSR as a study grows (the
 * Siemens Multi-1/2/3 files: 1, 2, then 3 events), so events are merged by Irradiation Event UID and
 * counted once. An RDSR outranks image headers for the same study (CLINICAL.md 4: sources in order).
 */
import type { DoseCheckAlert, DoseEvent, DoseSource, StudyDose } from './doseTypes.js';
import { sumOrNull } from './rdsrParser.js';

const SOURCE_RANK: Record<DoseSource, number> = { rdsr: 0, 'image-header': 1, manual: 2 };

export function mergeStudyDoses(doses: StudyDose[]): StudyDose[] {
  const byStudy = new Map<string, StudyDose[]>();
  for (const dose of doses) {
    const group = byStudy.get(dose.studyInstanceUid) ?? [];
    group.push(dose);
    byStudy.set(dose.studyInstanceUid, group);
  }
  return [...byStudy.values()].map(mergeOneStudy);
}

function mergeOneStudy(doses: StudyDose[]): StudyDose {
  const bestRank = Math.min(...doses.map((dose) => SOURCE_RANK[dose.source]));
  // The report with the most events first: it is the latest version of a re-sent RDSR.
  const candidates = doses.filter((dose) => SOURCE_RANK[dose.source] === bestRank).sort((a, b) => b.events.length - a.events.length);
  const base = candidates[0];

  const events: DoseEvent[] = [...base.events];
  const seen = new Set(events.map(eventKey));
  for (const dose of candidates.slice(1)) {
    for (const event of dose.events) {
      const key = eventKey(event);
      if (seen.has(key)) continue;
      seen.add(key);
      events.push(event);
    }
  }
  // Events the fullest report does not hold (e.g. two scanners in one study): its total no longer covers them.
  const dlpTotalMgyCm = events.length === base.events.length && base.dlpTotalMgyCm !== null ? base.dlpTotalMgyCm : sumOrNull(events.map((event) => event.dlpMgyCm));

  const alerts: DoseCheckAlert[] = [];
  const alertKeys = new Set<string>();
  for (const alert of candidates.flatMap((dose) => dose.alerts)) {
    const key = JSON.stringify(alert);
    if (alertKeys.has(key)) continue;
    alertKeys.add(key);
    alerts.push(alert);
  }

  return {
    studyInstanceUid: base.studyInstanceUid,
    source: base.source,
    sourceSopInstanceUids: [...new Set(candidates.flatMap((dose) => dose.sourceSopInstanceUids))],
    events,
    dlpTotalMgyCm,
    scanner: base.scanner,
    alerts,
    studyDate: base.studyDate ?? candidates.find((dose) => dose.studyDate)?.studyDate ?? null,
  };
}

/** The Irradiation Event UID; an event without one is identified by its values. */
function eventKey(event: DoseEvent): string {
  return event.irradiationEventUid ?? `values:${JSON.stringify(event)}`;
}
