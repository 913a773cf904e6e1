-- Reports: one per scored series, in versions. A version is a draft until the reader signs it;
-- a signed version never changes again (the triggers below refuse it, whatever the code does), and
-- an amendment is a new version that names the signed version it replaces and why.

-- The risk factors entered for a study (MESA inputs other than age and the score), editable until
-- a report is signed: the signed content keeps its own copy.
CREATE TABLE risk_factors (
  study_instance_uid TEXT PRIMARY KEY,
  factors TEXT NOT NULL,
  entered_by TEXT NOT NULL,
  entered_at TEXT NOT NULL
);

CREATE TABLE reports (
  id INTEGER PRIMARY KEY,
  study_instance_uid TEXT NOT NULL,
  series_instance_uid TEXT NOT NULL,
  patient_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  UNIQUE (series_instance_uid)
);
CREATE INDEX reports_study ON reports (study_instance_uid);
CREATE INDEX reports_patient ON reports (patient_id);

-- What a report is about never changes once it exists.
CREATE TRIGGER reports_no_update BEFORE UPDATE ON reports
BEGIN SELECT RAISE(ABORT, 'a report cannot be moved to another study or series'); END;
CREATE TRIGGER reports_no_delete BEFORE DELETE ON reports
WHEN EXISTS (SELECT 1 FROM report_versions WHERE report_ref = OLD.id AND status = 'signed')
BEGIN SELECT RAISE(ABORT, 'a signed report cannot be deleted'); END;

CREATE TABLE report_versions (
  id INTEGER PRIMARY KEY,
  report_ref INTEGER NOT NULL REFERENCES reports (id),
  version INTEGER NOT NULL CHECK (version >= 1),
  status TEXT NOT NULL CHECK (status IN ('draft', 'signed')),
  -- JSON ReportContent (main/report/reportContent.ts).
  content TEXT NOT NULL,
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL,
  signed_at TEXT,
  signed_by TEXT,
  signer_role TEXT,
  -- SHA-256 of the content as signed: what the reader saw is what was signed.
  content_sha256 TEXT CHECK (content_sha256 IS NULL OR length(content_sha256) = 64),
  amends_version INTEGER,
  amendment_reason TEXT,
  UNIQUE (report_ref, version),
  CHECK (status = 'draft' OR (signed_at IS NOT NULL AND signed_by IS NOT NULL AND content_sha256 IS NOT NULL)),
  CHECK (amends_version IS NULL OR (amends_version < version AND length(trim(coalesce(amendment_reason, ''))) > 0))
);
-- At most one draft per report at a time.
CREATE UNIQUE INDEX report_versions_one_draft ON report_versions (report_ref) WHERE status = 'draft';

CREATE TRIGGER report_versions_signed_immutable BEFORE UPDATE ON report_versions
WHEN OLD.status = 'signed'
BEGIN SELECT RAISE(ABORT, 'a signed report cannot be changed: amend it (a new version)'); END;
CREATE TRIGGER report_versions_signed_undeletable BEFORE DELETE ON report_versions
WHEN OLD.status = 'signed'
BEGIN SELECT RAISE(ABORT, 'a signed report cannot be deleted'); END;
-- A version is born a draft: it can only become signed by signing (an UPDATE of the draft).
CREATE TRIGGER report_versions_born_draft BEFORE INSERT ON report_versions
WHEN NEW.status <> 'draft'
BEGIN SELECT RAISE(ABORT, 'a report version is created as a draft and signed afterwards'); END;
-- An amendment names a signed version of the same report.
CREATE TRIGGER report_versions_amends_signed BEFORE INSERT ON report_versions
WHEN NEW.amends_version IS NOT NULL AND NOT EXISTS (
  SELECT 1 FROM report_versions WHERE report_ref = NEW.report_ref AND version = NEW.amends_version AND status = 'signed')
BEGIN SELECT RAISE(ABORT, 'an amendment must name a signed version of the same report'); END;
