-- The append-only message log: each message's `log` hashes the previous
-- message's `log` with its own id and CID (see src/log.rs).
ALTER TABLE messages ADD COLUMN log TEXT NOT NULL DEFAULT '';
