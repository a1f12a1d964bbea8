-- Counts every vote write (first votes and revotes), so a cached result
-- knows whether it is stale.
ALTER TABLE proposals ADD COLUMN vote_changes INTEGER NOT NULL DEFAULT 0;

-- The latest computed result of a proposal: `pending` results are a cache,
-- a `final` one is frozen.
CREATE TABLE results (
  proposal     TEXT PRIMARY KEY,
  vote_changes INTEGER NOT NULL,
  state        TEXT NOT NULL,
  result       TEXT NOT NULL,
  computed     INTEGER NOT NULL
);
