-- Readings: one reader's scoring of one series, saved as it is made (every assign, undo and redo
-- is one update guarded by the revision, so two windows cannot silently overwrite each other).
-- Keyed by UIDs rather than series rows: the start-up check may forget a series whose files are
-- gone, and the reader's work must outlive that.

CREATE TABLE readings (
  id INTEGER PRIMARY KEY,
  study_instance_uid TEXT NOT NULL,
  series_instance_uid TEXT NOT NULL,
  reader TEXT NOT NULL,
  -- JSON: the scoring options the reading was opened with (threshold, minimum area, mass factor).
  parameters TEXT NOT NULL,
  -- The algorithm that produced `scores`; a reopen under another version is reported.
  algorithm_version TEXT NOT NULL,
  -- JSON: the assignments in effect, oldest first ({artery, point, scope}).
  assignments TEXT NOT NULL DEFAULT '[]',
  -- JSON: undone assignments, the next one to redo last.
  redo_stack TEXT NOT NULL DEFAULT '[]',
  -- JSON: the latest score sheet (null until the series was first scored).
  scores TEXT,
  revision INTEGER NOT NULL DEFAULT 0 CHECK (revision >= 0),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (series_instance_uid, reader)
);
CREATE INDEX readings_study ON readings (study_instance_uid);
