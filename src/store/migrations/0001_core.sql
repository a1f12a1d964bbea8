-- Every accepted message, whole: the pinned bytes live in `blocks` under `ipfs`.
CREATE TABLE messages (
  mci       INTEGER PRIMARY KEY AUTOINCREMENT,
  id        TEXT NOT NULL UNIQUE,
  ipfs      TEXT NOT NULL,
  address   TEXT NOT NULL,
  version   TEXT NOT NULL,
  timestamp INTEGER NOT NULL,
  space     TEXT,
  type      TEXT NOT NULL,
  sig       TEXT NOT NULL,
  receipt   TEXT NOT NULL,
  received  INTEGER NOT NULL
);
CREATE INDEX messages_by_space ON messages(space, mci);

-- The embedded blockstore: CID -> exact bytes.
CREATE TABLE blocks (
  cid  TEXT PRIMARY KEY,
  data BLOB NOT NULL
) WITHOUT ROWID;

-- Which address controls a space id (the operator's stand-in for ENS).
CREATE TABLE space_controllers (
  space      TEXT PRIMARY KEY,
  controller TEXT NOT NULL,
  registered INTEGER NOT NULL
);

CREATE TABLE spaces (
  id       TEXT PRIMARY KEY,
  settings TEXT NOT NULL,
  ipfs     TEXT NOT NULL,
  created  INTEGER NOT NULL,
  updated  INTEGER NOT NULL,
  deleted  INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE proposals (
  id           TEXT PRIMARY KEY,
  ipfs         TEXT NOT NULL,
  author       TEXT NOT NULL,
  created      INTEGER NOT NULL,
  updated      INTEGER,
  space        TEXT NOT NULL,
  network      TEXT NOT NULL,
  symbol       TEXT NOT NULL,
  type         TEXT NOT NULL,
  strategies   TEXT NOT NULL,
  validation   TEXT NOT NULL,
  plugins      TEXT NOT NULL,
  title        TEXT NOT NULL,
  body         TEXT NOT NULL,
  discussion   TEXT NOT NULL,
  choices      TEXT NOT NULL,
  labels       TEXT NOT NULL,
  start        INTEGER NOT NULL,
  end          INTEGER NOT NULL,
  snapshot     INTEGER NOT NULL,
  quorum       REAL NOT NULL,
  quorum_type  TEXT NOT NULL,
  privacy      TEXT NOT NULL,
  app          TEXT NOT NULL,
  flagged      INTEGER NOT NULL DEFAULT 0,
  deleted      INTEGER NOT NULL DEFAULT 0,
  votes        INTEGER NOT NULL DEFAULT 0,
  scores_state TEXT NOT NULL DEFAULT 'pending'
);
CREATE INDEX proposals_by_space ON proposals(space, created);

-- One row per (voter, space, proposal): a later vote replaces the earlier one.
CREATE TABLE votes (
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
  PRIMARY KEY (voter, space, proposal)
) WITHOUT ROWID;
CREATE INDEX votes_by_created ON votes(proposal, created, id);

CREATE TABLE aliases (
  address TEXT NOT NULL,
  alias   TEXT NOT NULL UNIQUE,
  created INTEGER NOT NULL,
  id      TEXT NOT NULL,
  ipfs    TEXT NOT NULL
);

CREATE TABLE follows (
  id       TEXT NOT NULL,
  ipfs     TEXT NOT NULL,
  follower TEXT NOT NULL,
  space    TEXT NOT NULL,
  network  TEXT NOT NULL,
  created  INTEGER NOT NULL,
  PRIMARY KEY (follower, space, network)
) WITHOUT ROWID;

CREATE TABLE subscriptions (
  id      TEXT NOT NULL,
  ipfs    TEXT NOT NULL,
  address TEXT NOT NULL,
  space   TEXT NOT NULL,
  created INTEGER NOT NULL,
  PRIMARY KEY (address, space)
) WITHOUT ROWID;

CREATE TABLE users (
  id      TEXT PRIMARY KEY,
  ipfs    TEXT NOT NULL,
  profile TEXT NOT NULL,
  created INTEGER NOT NULL
);

CREATE TABLE statements (
  id        TEXT NOT NULL,
  ipfs      TEXT NOT NULL,
  delegate  TEXT NOT NULL,
  space     TEXT NOT NULL,
  network   TEXT NOT NULL,
  about     TEXT NOT NULL,
  statement TEXT NOT NULL,
  discourse TEXT NOT NULL,
  status    TEXT NOT NULL,
  created   INTEGER NOT NULL,
  updated   INTEGER NOT NULL,
  PRIMARY KEY (delegate, space, network)
) WITHOUT ROWID;

-- Imported token balances: one row per holder at one block.
CREATE TABLE balances (
  network TEXT NOT NULL,
  token   TEXT NOT NULL,
  block   INTEGER NOT NULL,
  address TEXT NOT NULL,
  balance TEXT NOT NULL,
  PRIMARY KEY (network, token, block, address)
) WITHOUT ROWID;

CREATE TABLE balance_imports (
  network  TEXT NOT NULL,
  token    TEXT NOT NULL,
  block    INTEGER NOT NULL,
  holders  INTEGER NOT NULL,
  cid      TEXT NOT NULL,
  imported INTEGER NOT NULL,
  PRIMARY KEY (network, token, block)
);
