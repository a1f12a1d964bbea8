-- Indexes for the hub's GraphQL reads (src/hub): a proposal's votes by
-- voting power (`votes(where: {proposal}, orderBy: "vp")`), and a space's
-- votes by time (`votesCount7d`, `votes(where: {space})`).
CREATE INDEX votes_by_vp ON votes(proposal, vp, id);
CREATE INDEX votes_by_space ON votes(space, created);
