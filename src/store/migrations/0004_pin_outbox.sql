-- The pin outbox (src/store/outbox.rs, src/pinning): one row per stored
-- block, written in the same transaction as the block, so a block is never
-- stored without its pin job. Times are unix milliseconds. Without a Kubo
-- API configured rows simply stay `pending`; enabling Kubo later pins them all.
CREATE TABLE pin_outbox (
  cid          TEXT PRIMARY KEY,                 -- the block's local CID (blocks.cid)
  queued       INTEGER NOT NULL,                 -- when the block was stored
  state        TEXT NOT NULL DEFAULT 'pending'
               CHECK (state IN ('pending', 'pinned', 'mismatch')),
  attempts     INTEGER NOT NULL DEFAULT 0,       -- pushes tried so far
  next_attempt INTEGER NOT NULL,                 -- a pending row is due from then on
  last_error   TEXT,                             -- why the last push failed
  kubo_cid     TEXT,                             -- a mismatch: the CID Kubo returned
  done         INTEGER                           -- when it was pinned or flagged
) WITHOUT ROWID;
CREATE INDEX pin_outbox_due ON pin_outbox(state, next_attempt);

-- Blocks stored before this migration are queued too.
INSERT INTO pin_outbox (cid, queued, next_attempt)
SELECT cid, CAST(strftime('%s', 'now') AS INTEGER) * 1000, CAST(strftime('%s', 'now') AS INTEGER) * 1000
FROM blocks;
