-- A proposal's votes by time carry their voting power too, so the web app's
-- voting-power-over-time chart (`Db::vote_timeline`) sums the index alone
-- instead of reading every vote row. Same index, one more column.
DROP INDEX votes_by_created;
CREATE INDEX votes_by_created ON votes(proposal, created, id, vp);
