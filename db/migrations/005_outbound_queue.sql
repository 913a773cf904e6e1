-- The outbound queue: report objects (DICOM Part 10 files) waiting to go to, or gone to, a PACS.
-- One row per object and destination. The bytes are a durable copy under <archive>/outbound/,
-- written before the row is committed, so a queued row always has its file. Report references are
-- plain integers: the report tables are a separate migration and a queued object outlives nothing.

CREATE TABLE outbound_items (
  id INTEGER PRIMARY KEY,
  sop_instance_uid TEXT NOT NULL,
  sop_class_uid TEXT NOT NULL,
  study_instance_uid TEXT NOT NULL,
  transfer_syntax_uid TEXT NOT NULL,
  -- The PACS by its name in the settings, and the node as it was when the object was queued
  -- (JSON: AE titles, host, port, timeout), so a later settings change does not redirect it.
  destination TEXT NOT NULL,
  destination_node TEXT NOT NULL,
  -- Relative to the archive root, e.g. outbound/1.2.3.dcm.
  path TEXT NOT NULL,
  size_bytes INTEGER NOT NULL CHECK (size_bytes > 0),
  sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
  status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'cancelled')),
  attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at TEXT NOT NULL,
  -- The last failure, or the PACS's warning for an object it stored with a warning status.
  last_error TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  sent_at TEXT,
  report_id INTEGER,
  report_version INTEGER,
  UNIQUE (sop_instance_uid, destination)
);
CREATE INDEX outbound_items_due ON outbound_items (status, next_attempt_at);
CREATE INDEX outbound_items_report ON outbound_items (report_id, report_version);

-- One SOP Instance UID is one set of bytes, whatever the destination: never two different objects.
CREATE TRIGGER outbound_items_same_bytes BEFORE INSERT ON outbound_items
WHEN EXISTS (SELECT 1 FROM outbound_items WHERE sop_instance_uid = NEW.sop_instance_uid AND sha256 <> NEW.sha256)
BEGIN SELECT RAISE(ABORT, 'an outbound object with this SOP Instance UID and different content exists'); END;
-- What was queued is what is sent: the identity and bytes of a row never change.
CREATE TRIGGER outbound_items_fixed_content BEFORE UPDATE OF sop_instance_uid, sop_class_uid, study_instance_uid, transfer_syntax_uid, path, size_bytes, sha256, destination, destination_node ON outbound_items
BEGIN SELECT RAISE(ABORT, 'the content and destination of an outbound object cannot be changed'); END;
