-- The study archive: what was received, where its bytes are, and what could not be accepted.

CREATE TABLE patients (
  id INTEGER PRIMARY KEY,
  patient_id TEXT NOT NULL,
  issuer_of_patient_id TEXT NOT NULL DEFAULT '',
  patient_name TEXT,
  birth_date TEXT,
  sex TEXT,
  created_at TEXT NOT NULL,
  UNIQUE (patient_id, issuer_of_patient_id)
);

CREATE TABLE studies (
  id INTEGER PRIMARY KEY,
  study_instance_uid TEXT NOT NULL UNIQUE,
  patient_ref INTEGER NOT NULL REFERENCES patients (id),
  study_date TEXT,
  study_time TEXT,
  study_description TEXT,
  accession_number TEXT,
  referring_physician TEXT,
  status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'in-progress', 'signed')),
  received_at TEXT NOT NULL,
  last_received_at TEXT NOT NULL,
  complete_at TEXT
);
CREATE INDEX studies_patient ON studies (patient_ref);
CREATE INDEX studies_date ON studies (study_date);

CREATE TABLE series (
  id INTEGER PRIMARY KEY,
  series_instance_uid TEXT NOT NULL UNIQUE,
  study_ref INTEGER NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
  series_number INTEGER,
  modality TEXT,
  series_description TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX series_study ON series (study_ref);

CREATE TABLE import_jobs (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('folder', 'receive', 'retrieve')),
  source TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'cancelled', 'failed', 'interrupted')),
  started_at TEXT NOT NULL,
  finished_at TEXT,
  files_total INTEGER NOT NULL DEFAULT 0,
  files_done INTEGER NOT NULL DEFAULT 0,
  bytes_done INTEGER NOT NULL DEFAULT 0,
  stored INTEGER NOT NULL DEFAULT 0,
  duplicates INTEGER NOT NULL DEFAULT 0,
  conflicts INTEGER NOT NULL DEFAULT 0,
  quarantined INTEGER NOT NULL DEFAULT 0,
  error TEXT
);

CREATE TABLE instances (
  id INTEGER PRIMARY KEY,
  sop_instance_uid TEXT NOT NULL UNIQUE,
  series_ref INTEGER NOT NULL REFERENCES series (id) ON DELETE CASCADE,
  sop_class_uid TEXT NOT NULL,
  transfer_syntax_uid TEXT NOT NULL,
  instance_number INTEGER,
  path TEXT NOT NULL UNIQUE,
  size_bytes INTEGER NOT NULL CHECK (size_bytes > 0),
  sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
  received_at TEXT NOT NULL,
  import_job_ref INTEGER REFERENCES import_jobs (id)
);
CREATE INDEX instances_series ON instances (series_ref);

CREATE TABLE quarantine (
  id INTEGER PRIMARY KEY,
  original_name TEXT NOT NULL,
  stored_path TEXT,
  reason TEXT NOT NULL,
  code TEXT NOT NULL,
  sop_instance_uid TEXT,
  size_bytes INTEGER,
  sha256 TEXT,
  source TEXT NOT NULL,
  import_job_ref INTEGER REFERENCES import_jobs (id),
  quarantined_at TEXT NOT NULL
);

CREATE TABLE audit_events (
  id INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  subject TEXT,
  details TEXT
);
CREATE INDEX audit_events_at ON audit_events (at);

-- The audit trail is append-only, enforced here rather than trusted to the code.
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events cannot be changed'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events cannot be deleted'); END;
