-- Electronic signatures (issue 10): what a signature binds, kept beside the signed version. The
-- binding hash (SHA-256 of the canonical JSON of report, version, study and every field below) is
-- recomputed on every read: a row copied to another report or version, or content edited after
-- signing, no longer matches. Rows are never changed or removed.
CREATE TABLE report_signatures (
  report_ref INTEGER NOT NULL REFERENCES reports (id),
  version INTEGER NOT NULL,
  signer_user_id INTEGER NOT NULL REFERENCES users (id),
  -- The account's display name at signing: the name printed on the report.
  printed_name TEXT NOT NULL,
  signer_role TEXT NOT NULL,
  -- ISO 8601, UTC ("...Z") and the site's local time with its offset ("...+01:00"), with the zone's name.
  signed_at_utc TEXT NOT NULL,
  signed_at_local TEXT NOT NULL,
  time_zone TEXT NOT NULL,
  meaning TEXT NOT NULL,
  content_sha256 TEXT NOT NULL CHECK (length(content_sha256) = 64),
  binding_sha256 TEXT NOT NULL CHECK (length(binding_sha256) = 64),
  PRIMARY KEY (report_ref, version)
);

CREATE TRIGGER report_signatures_no_update BEFORE UPDATE ON report_signatures
BEGIN SELECT RAISE(ABORT, 'a signature cannot be changed'); END;
CREATE TRIGGER report_signatures_no_delete BEFORE DELETE ON report_signatures
BEGIN SELECT RAISE(ABORT, 'a signature cannot be deleted'); END;

-- Versions signed before electronic signatures existed (name only, no password): told apart from a
-- signature that went missing, which is refused.
CREATE TABLE legacy_signed_versions (
  report_ref INTEGER NOT NULL,
  version INTEGER NOT NULL,
  PRIMARY KEY (report_ref, version)
);
INSERT INTO legacy_signed_versions (report_ref, version) SELECT report_ref, version FROM report_versions WHERE status = 'signed';
CREATE TRIGGER legacy_signed_versions_no_insert BEFORE INSERT ON legacy_signed_versions
BEGIN SELECT RAISE(ABORT, 'only versions signed before electronic signatures are legacy'); END;
CREATE TRIGGER legacy_signed_versions_no_update BEFORE UPDATE ON legacy_signed_versions
BEGIN SELECT RAISE(ABORT, 'legacy signed versions cannot be changed'); END;
CREATE TRIGGER legacy_signed_versions_no_delete BEFORE DELETE ON legacy_signed_versions
BEGIN SELECT RAISE(ABORT, 'legacy signed versions cannot be deleted'); END;

-- Readings belong to an account (the label stays for people and for readings made before accounts).
ALTER TABLE readings ADD COLUMN reader_user_id INTEGER REFERENCES users (id);
-- The reading this one continues (take-over): the other reader's work copied, theirs kept as it was.
ALTER TABLE readings ADD COLUMN taken_over_from INTEGER REFERENCES readings (id);
UPDATE readings SET reader_user_id = (SELECT u.id FROM users u WHERE u.display_name || ' (' || u.username || ')' = readings.reader)
 WHERE reader_user_id IS NULL;
CREATE UNIQUE INDEX readings_series_account ON readings (series_instance_uid, reader_user_id) WHERE reader_user_id IS NOT NULL;
