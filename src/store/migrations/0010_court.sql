-- votehub's court messages (docs/court-messages.md), one row per accepted
-- message, in receipt order. `subject` groups what is replayed together:
-- `pool` (volunteer, withdraw), `settings`, `roles` (election), or a case
-- id (the claim and every message of its case). `message` is the signed
-- message object; `facts` what was established when it was accepted (the
-- eligible pool's CID and the settings then, the verified seed).
CREATE TABLE court_events (
  seq       INTEGER PRIMARY KEY AUTOINCREMENT,
  id        TEXT NOT NULL UNIQUE,
  ipfs      TEXT NOT NULL,
  space     TEXT NOT NULL,
  subject   TEXT NOT NULL,
  kind      TEXT NOT NULL,
  author    TEXT NOT NULL,
  timestamp INTEGER NOT NULL,
  received  INTEGER NOT NULL,
  message   TEXT NOT NULL,
  facts     TEXT NOT NULL
);
CREATE INDEX court_events_by_subject ON court_events(space, subject, seq);
-- Cases of a space and of a party, newest first.
CREATE INDEX court_events_by_kind ON court_events(space, kind, seq);

-- A closed case's audit bundle (format/case.rs), once built and stored.
CREATE TABLE court_bundles (
  case_id TEXT PRIMARY KEY,
  space   TEXT NOT NULL,
  root    TEXT NOT NULL,
  built   INTEGER NOT NULL
) WITHOUT ROWID;
