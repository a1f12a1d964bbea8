-- Layouts that append. Every accepted vote writes a block and a vote row;
-- as WITHOUT ROWID tables keyed by a random CID or voter, each insert landed
-- on a random leaf holding a few wide rows, split it often, and every such
-- page went to the WAL again at each group commit. Here the rows go to the
-- end of a rowid table and only a narrow unique index takes the random key.
CREATE TABLE blocks_appended (
  seq  INTEGER PRIMARY KEY,
  cid  TEXT NOT NULL UNIQUE,
  data BLOB NOT NULL
);
INSERT INTO blocks_appended (cid, data) SELECT cid, data FROM blocks;
DROP TABLE blocks;
ALTER TABLE blocks_appended RENAME TO blocks;

CREATE TABLE votes_appended (
  id             TEXT NOT NULL,
  ipfs           TEXT NOT NULL,
  voter          TEXT NOT NULL,
  created        INTEGER NOT NULL,
  space          TEXT NOT NULL,
  proposal       TEXT NOT NULL,
  choice         TEXT NOT NULL,
  reason         TEXT NOT NULL,
  app            TEXT NOT NULL,
  metadata       TEXT NOT NULL,
  vp             REAL NOT NULL,
  vp_by_strategy TEXT NOT NULL,
  vp_state       TEXT NOT NULL,
  UNIQUE (voter, space, proposal)
);
INSERT INTO votes_appended SELECT id, ipfs, voter, created, space, proposal, choice, reason, app, metadata, vp,
  vp_by_strategy, vp_state FROM votes;
DROP TABLE votes;
ALTER TABLE votes_appended RENAME TO votes;
CREATE INDEX votes_by_created ON votes(proposal, created, id);

-- The pin outbox keyed by the block's sequence number: a new block's pin job
-- appends too, and still references exactly one block. (A pin job whose block
-- is missing, never written by votehub, could not be pushed and is dropped.)
CREATE TABLE pin_outbox_appended (
  block        INTEGER PRIMARY KEY REFERENCES blocks (seq),
  queued       INTEGER NOT NULL,
  state        TEXT NOT NULL DEFAULT 'pending'
               CHECK (state IN ('pending', 'pinned', 'mismatch')),
  attempts     INTEGER NOT NULL DEFAULT 0,
  next_attempt INTEGER NOT NULL,
  last_error   TEXT,
  kubo_cid     TEXT,
  done         INTEGER
);
INSERT INTO pin_outbox_appended (block, queued, state, attempts, next_attempt, last_error, kubo_cid, done)
SELECT b.seq, o.queued, o.state, o.attempts, o.next_attempt, o.last_error, o.kubo_cid, o.done
FROM pin_outbox o JOIN blocks b ON b.cid = o.cid;
DROP TABLE pin_outbox;
ALTER TABLE pin_outbox_appended RENAME TO pin_outbox;
CREATE INDEX pin_outbox_due ON pin_outbox (state, next_attempt);
