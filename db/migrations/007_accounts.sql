-- Workstation accounts (issue 10): who may log in, with which roles. Accounts are never deleted, only
-- disabled: the audit trail, readings, reports and dose records refer to them.
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL UNIQUE COLLATE NOCASE,
  display_name TEXT NOT NULL,
  -- JSON array of role names, e.g. ["radiologist","admin"]
  roles TEXT NOT NULL,
  -- "scrypt$N$r$p$keylen$salt$hash" (base64url): the parameters travel with the hash so they can be raised later.
  password_hash TEXT NOT NULL,
  must_change_password INTEGER NOT NULL DEFAULT 0 CHECK (must_change_password IN (0, 1)),
  disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
  failed_logins INTEGER NOT NULL DEFAULT 0,
  locked_until TEXT,
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  password_changed_at TEXT NOT NULL
);

CREATE TRIGGER users_no_delete BEFORE DELETE ON users
BEGIN SELECT RAISE(ABORT, 'accounts cannot be deleted, only disabled: the audit trail refers to them'); END;
