-- 003_dose_and_notes: the technologist's dose log and procedure notes (CLINICAL.md sections 4, 5).
-- Keyed by Study Instance UID rather than study rows, like readings: the log must outlive a study
-- whose files were forgotten by the start-up check.

-- One row per recorded dose of a study. Rows are never changed: a re-sent RDSR, a manual entry or
-- a correction is a new row, and the record in effect is the newest of the most preferred source
-- (rdsr, then manual, then image-header). The effective dose, its k and where k comes from, and the
-- reference level applied are stored as they were at recording time, so a later change of the
-- settings does not rewrite what was recorded.
CREATE TABLE dose_records (
  id INTEGER PRIMARY KEY,
  study_instance_uid TEXT NOT NULL,
  source TEXT NOT NULL CHECK (source IN ('rdsr', 'image-header', 'manual')),
  -- JSON: the SOP Instance UIDs the values were read from (RDSRs or images); [] for manual entry.
  source_sop_instance_uids TEXT NOT NULL DEFAULT '[]',
  -- JSON: DoseEvent[] (main/dose/doseTypes.ts).
  events TEXT NOT NULL,
  dlp_total_mgy_cm REAL CHECK (dlp_total_mgy_cm IS NULL OR dlp_total_mgy_cm >= 0),
  ctdivol_max_mgy REAL CHECK (ctdivol_max_mgy IS NULL OR ctdivol_max_mgy >= 0),
  protocol TEXT,
  -- JSON: {manufacturer, model, stationName, deviceSerial}; scanner_label is what filters match.
  scanner TEXT NOT NULL DEFAULT '{}',
  scanner_label TEXT,
  study_date TEXT,
  patient_id TEXT,
  -- JSON: DoseCheckAlert[] written by the scanner.
  alerts TEXT NOT NULL DEFAULT '[]',
  k_factor_choice TEXT NOT NULL,
  k_factor REAL NOT NULL CHECK (k_factor > 0),
  k_factor_source TEXT NOT NULL,
  effective_dose_msv REAL CHECK (effective_dose_msv IS NULL OR effective_dose_msv >= 0),
  -- JSON: the reference level applied ({name, match, ctdivolMgy, dlpMgyCm}) or NULL when none matched.
  reference_level TEXT,
  ctdivol_above INTEGER CHECK (ctdivol_above IN (0, 1)),
  dlp_above INTEGER CHECK (dlp_above IN (0, 1)),
  comment TEXT,
  recorded_by TEXT NOT NULL,
  recorded_at TEXT NOT NULL
);
CREATE INDEX dose_records_study ON dose_records (study_instance_uid, id);
CREATE INDEX dose_records_patient ON dose_records (patient_id);

CREATE TRIGGER dose_records_no_update BEFORE UPDATE ON dose_records
BEGIN SELECT RAISE(ABORT, 'dose records cannot be changed: record a correction instead'); END;
CREATE TRIGGER dose_records_no_delete BEFORE DELETE ON dose_records
BEGIN SELECT RAISE(ABORT, 'dose records cannot be deleted'); END;

-- Why a study above its reference level was done as it was: the technologist's words, append-only
-- (the newest is shown), for the record that was in effect when it was given.
CREATE TABLE dose_reasons (
  id INTEGER PRIMARY KEY,
  study_instance_uid TEXT NOT NULL,
  dose_record_ref INTEGER NOT NULL REFERENCES dose_records (id),
  reason TEXT NOT NULL CHECK (length(reason) > 0),
  recorded_by TEXT NOT NULL,
  recorded_at TEXT NOT NULL
);
CREATE INDEX dose_reasons_study ON dose_reasons (study_instance_uid, id);

CREATE TRIGGER dose_reasons_no_update BEFORE UPDATE ON dose_reasons
BEGIN SELECT RAISE(ABORT, 'dose reasons cannot be changed: give a new reason instead'); END;
CREATE TRIGGER dose_reasons_no_delete BEFORE DELETE ON dose_reasons
BEGIN SELECT RAISE(ABORT, 'dose reasons cannot be deleted'); END;

-- Procedure notes: one row per version, never changed; an edit is the next version. The
-- UNIQUE (study, version) pair is what turns two simultaneous edits into one conflict.
CREATE TABLE procedure_notes (
  id INTEGER PRIMARY KEY,
  study_instance_uid TEXT NOT NULL,
  version INTEGER NOT NULL CHECK (version >= 1),
  -- JSON: ProcedureChecklist (main/notes/procedureChecklist.ts), validated before it is written.
  checklist TEXT NOT NULL CHECK (json_valid(checklist)),
  author TEXT NOT NULL,
  recorded_at TEXT NOT NULL,
  UNIQUE (study_instance_uid, version)
);

CREATE TRIGGER procedure_notes_no_update BEFORE UPDATE ON procedure_notes
BEGIN SELECT RAISE(ABORT, 'procedure note versions cannot be changed: save a new version'); END;
CREATE TRIGGER procedure_notes_no_delete BEFORE DELETE ON procedure_notes
BEGIN SELECT RAISE(ABORT, 'procedure note versions cannot be deleted'); END;
