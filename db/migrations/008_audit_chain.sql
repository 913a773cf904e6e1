-- The audit trail becomes tamper-evident (issue 10): every entry carries the SHA-256 chain
-- (prev_hash = the previous entry's entry_hash, entry_hash over prev_hash and the entry's canonical
-- content), the account that acted (actor_id, NULL for the workstation service identity) and the
-- outcome. The hashes are computed in main/audit (SQLite has no SHA-256 of its own); rows written
-- before this migration are sealed, in id order, the first time the audit trail opens the archive.
ALTER TABLE audit_events ADD COLUMN actor_id INTEGER;
ALTER TABLE audit_events ADD COLUMN outcome TEXT NOT NULL DEFAULT 'success' CHECK (outcome IN ('success', 'failure'));
ALTER TABLE audit_events ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_events ADD COLUMN entry_hash TEXT;

-- The one change ever allowed: filling the hashes of an unsealed (pre-chain) row, once, with every
-- other column unchanged. Everything else is still refused.
DROP TRIGGER audit_events_no_update;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
WHEN NOT (
  OLD.prev_hash IS NULL AND OLD.entry_hash IS NULL
  AND NEW.prev_hash IS NOT NULL AND NEW.entry_hash IS NOT NULL
  AND NEW.id IS OLD.id AND NEW.at IS OLD.at AND NEW.actor IS OLD.actor AND NEW.actor_id IS OLD.actor_id
  AND NEW.action IS OLD.action AND NEW.outcome IS OLD.outcome AND NEW.subject IS OLD.subject AND NEW.details IS OLD.details
)
BEGIN SELECT RAISE(ABORT, 'audit events cannot be changed'); END;

-- New entries arrive sealed: a row without its hashes was not written through the audit trail.
CREATE TRIGGER audit_events_sealed_insert BEFORE INSERT ON audit_events
WHEN NEW.prev_hash IS NULL OR NEW.entry_hash IS NULL
BEGIN SELECT RAISE(ABORT, 'audit events are written through the audit trail, with their hash'); END;

-- The audit view filters by user, action and study.
CREATE INDEX audit_events_actor ON audit_events (actor);
CREATE INDEX audit_events_action ON audit_events (action);
CREATE INDEX audit_events_subject ON audit_events (subject);
