-- A proposal's votes by voting power carry the whole vote, so a page of
-- them (`votes(where: {proposal}, orderBy: "vp")`, the votes page of every
-- Snapshot client) reads the index alone: a few dozen index pages in a
-- row instead of one table page per vote. Under ingest every read starts
-- with an empty page cache (SQLite resets a reader's cache whenever a
-- write committed since its last read), so each of those thousand table
-- pages was read from the file again. The columns are VOTE_COLUMNS
-- (`store/votes.rs`), after the key.
DROP INDEX votes_by_vp;
CREATE INDEX votes_by_vp ON votes(proposal, vp, id, created, ipfs, voter, choice, reason,
  vp_by_strategy, app, metadata, vp_state, space);
