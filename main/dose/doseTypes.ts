/**
 * The radiation dose of a study as the workstation records it (CLINICAL.md section 4): one value
 * per irradiation event plus the study total, each with where it came from. Shared by the RDSR
 * parser, the dose log (SQLite), the API and the CLI. No Node imports: the renderer shares these.
 */

/** Where a dose value came from, in order of preference. */
export type DoseSource = 'rdsr' | 'image-header' | 'manual';

/** CTDI phantom: 'body-32' (32 cm body, the calcium-score case) or 'head-16'; the coded meaning when another. */
export type DosePhantom = 'body-32' | 'head-16' | string;

/** One irradiation event (a scout, a calcium-score sequence ...), TID 10013 in an RDSR. */
export interface DoseEvent {
  /** Irradiation Event UID (113769): what makes a re-sent, grown RDSR merge instead of double-count. */
  irradiationEventUid: string | null;
  ctdivolMgy: number | null;
  dlpMgyCm: number | null;
  phantom: DosePhantom | null;
  kvp: number | null;
  /** Mean X-Ray Tube Current (113734), mA; the maximum over sources on dual-source scanners. */
  tubeCurrentMa: number | null;
  /** Exposure Time (113824), s. */
  exposureTimeS: number | null;
  /** Scan Length (113825), mm. */
  scanLengthMm: number | null;
  /** CT Acquisition Type (113820) meaning: "Constant Angle Acquisition", "Sequenced Acquisition", "Spiral Acquisition" ... */
  acquisitionType: string | null;
  /** Acquisition Protocol (125203). */
  protocol: string | null;
  /** Target Region (123014) meaning, e.g. "Chest". */
  targetRegion: string | null;
  /** DateTime Started (111526), ISO 8601 when present. */
  startedAt: string | null;
}

/** A Dose Check notification or alert (TID 10015 in the RDSR, NEMA XR-25). */
export interface DoseCheckAlert {
  kind: 'notification' | 'alert';
  /** Which value crossed: 'ctdivol' | 'dlp' (or the coded meaning as written). */
  quantity: string;
  /** The configured level that was crossed (mGy or mGy cm). */
  levelValue: number | null;
  /** The forward estimate that crossed it, when given. */
  forwardEstimate: number | null;
  /** Reason for proceeding and the person who authorised it, when given. */
  reason: string | null;
  person: string | null;
  /** The irradiation event it was written for, when known: lets a re-sent, grown RDSR merge its alerts once. */
  irradiationEventUid?: string | null;
}

/** The dose of one study from one source. */
export interface StudyDose {
  studyInstanceUid: string;
  source: DoseSource;
  /** The objects the values came from (RDSR SOP Instance UIDs, or image SOP Instance UIDs). */
  sourceSopInstanceUids: string[];
  events: DoseEvent[];
  /** CT Dose Length Product Total (113813) from the RDSR, else the sum of the events' DLP. */
  dlpTotalMgyCm: number | null;
  /** Device Observer facts when known. */
  scanner: { manufacturer: string | null; model: string | null; stationName: string | null; deviceSerial: string | null };
  /** Dose Check alerts written by the scanner. */
  alerts: DoseCheckAlert[];
  /** Study date "YYYY-MM-DD" when known. */
  studyDate: string | null;
}
