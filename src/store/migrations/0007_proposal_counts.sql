-- A proposal's vote counters in a narrow row of their own. Every vote bumps
-- them; in the proposals row that rewrote the whole record, body included
-- (often several KB of markdown, in overflow pages), once per vote.
CREATE TABLE proposal_counts (
  proposal     TEXT PRIMARY KEY,
  votes        INTEGER NOT NULL DEFAULT 0,
  vote_changes INTEGER NOT NULL DEFAULT 0
);
INSERT INTO proposal_counts (proposal, votes, vote_changes)
SELECT id, votes, vote_changes FROM proposals WHERE votes > 0 OR vote_changes > 0;
ALTER TABLE proposals DROP COLUMN votes;
ALTER TABLE proposals DROP COLUMN vote_changes;
