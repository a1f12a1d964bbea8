-- The root CID of a closed proposal's audit bundle (src/audit), once built.
ALTER TABLE proposals ADD COLUMN audit_cid TEXT;

-- Pinned heads of the message log (src/log.rs): each commits to every
-- message up to `mci` through `log`, and links the previous head.
CREATE TABLE log_heads (
  mci     INTEGER PRIMARY KEY,
  log     TEXT NOT NULL,
  cid     TEXT NOT NULL,
  created INTEGER NOT NULL
);
