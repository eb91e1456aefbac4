// SQLite schema, one entry per version; PRAGMA user_version records how far a file has been migrated.

/** MIGRATIONS[i] takes a database from version i to i + 1. Never edit a released entry: append. */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE counters (name TEXT PRIMARY KEY, value REAL NOT NULL) WITHOUT ROWID;

  -- id is a rowid alias: new rows get max(id) + 1, so the newest N rows are id > max(id) - N.
  CREATE TABLE history (id INTEGER PRIMARY KEY, entry TEXT NOT NULL);

  CREATE TABLE bayes_ns (
    ns TEXT PRIMARY KEY,
    nspam INTEGER NOT NULL DEFAULT 0,
    nham INTEGER NOT NULL DEFAULT 0,
    ntokens INTEGER NOT NULL DEFAULT 0
  ) WITHOUT ROWID;
  CREATE TABLE bayes_tokens (
    ns TEXT NOT NULL,
    token TEXT NOT NULL,
    spam INTEGER NOT NULL,
    ham INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    PRIMARY KEY (ns, token)
  ) WITHOUT ROWID;
  CREATE INDEX bayes_tokens_age ON bayes_tokens (ns, last_seen, token);
  -- ntokens is kept by triggers so the maxTokens check is O(1) inside every learn transaction.
  -- The bayes_ns row is created before any token of its namespace is written.
  CREATE TRIGGER bayes_tokens_count_ins AFTER INSERT ON bayes_tokens
    BEGIN UPDATE bayes_ns SET ntokens = ntokens + 1 WHERE ns = NEW.ns; END;
  CREATE TRIGGER bayes_tokens_count_del AFTER DELETE ON bayes_tokens
    BEGIN UPDATE bayes_ns SET ntokens = ntokens - 1 WHERE ns = OLD.ns; END;
  CREATE TABLE bayes_sigs (
    ns TEXT NOT NULL,
    sig TEXT NOT NULL,
    cls TEXT NOT NULL CHECK (cls IN ('spam', 'ham')),
    day INTEGER NOT NULL,
    PRIMARY KEY (ns, sig)
  ) WITHOUT ROWID;
  CREATE INDEX bayes_sigs_age ON bayes_sigs (ns, day);

  CREATE TABLE greylist (
    key TEXT PRIMARY KEY,
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    pass_count INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX greylist_expiry ON greylist (expires_at);
  CREATE TABLE whitelist (key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL, reason TEXT NOT NULL) WITHOUT ROWID;
  CREATE INDEX whitelist_expiry ON whitelist (expires_at);

  CREATE TABLE rate (key TEXT PRIMARY KEY, tokens REAL NOT NULL, updated_at INTEGER NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID;
  CREATE INDEX rate_expiry ON rate (expires_at);

  CREATE TABLE fuzzy (
    hash TEXT PRIMARY KEY,
    flag INTEGER NOT NULL,
    weight REAL NOT NULL,
    count INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX fuzzy_expiry ON fuzzy (expires_at);
  `,
  // 1 → 2: weights of the logistic-regression classifier (WeightStore).
  `
  CREATE TABLE lr_ns (
    ns TEXT PRIMARY KEY,
    nspam INTEGER NOT NULL DEFAULT 0,
    nham INTEGER NOT NULL DEFAULT 0,
    bias REAL NOT NULL DEFAULT 0,
    nbuckets INTEGER NOT NULL DEFAULT 0,
    -- 1 while a namespace that went over the cap is being trimmed back to 95 % of it, a batch per apply.
    trimming INTEGER NOT NULL DEFAULT 0
  ) WITHOUT ROWID;
  CREATE TABLE lr_weights (
    ns TEXT NOT NULL,
    bucket INTEGER NOT NULL,
    weight REAL NOT NULL,
    day INTEGER NOT NULL,
    PRIMARY KEY (ns, bucket)
  ) WITHOUT ROWID;
  -- Trimming order (oldest day, then smallest |weight|) and stale-bucket pruning read this index in order.
  CREATE INDEX lr_weights_age ON lr_weights (ns, day, abs(weight), bucket);
  CREATE TRIGGER lr_weights_count_ins AFTER INSERT ON lr_weights
    BEGIN UPDATE lr_ns SET nbuckets = nbuckets + 1 WHERE ns = NEW.ns; END;
  CREATE TRIGGER lr_weights_count_del AFTER DELETE ON lr_weights
    BEGIN UPDATE lr_ns SET nbuckets = nbuckets - 1 WHERE ns = OLD.ns; END;
  CREATE TABLE lr_sigs (
    ns TEXT NOT NULL,
    sig TEXT NOT NULL,
    cls TEXT NOT NULL CHECK (cls IN ('spam', 'ham')),
    day INTEGER NOT NULL,
    PRIMARY KEY (ns, sig)
  ) WITHOUT ROWID;
  CREATE INDEX lr_sigs_age ON lr_sigs (ns, day);
  `,
  // 2 → 3: a weight that ends within WEIGHT_EPSILON (1e-9, weight-rules.ts) of zero is deleted by the database
  // itself, so an apply needs no second pass over its buckets (that pass was a fifth of a batch's write time).
  `
  CREATE TRIGGER lr_weights_zero_ins AFTER INSERT ON lr_weights WHEN abs(NEW.weight) < 1e-9
    BEGIN DELETE FROM lr_weights WHERE ns = NEW.ns AND bucket = NEW.bucket; END;
  CREATE TRIGGER lr_weights_zero_upd AFTER UPDATE OF weight ON lr_weights WHEN abs(NEW.weight) < 1e-9
    BEGIN DELETE FROM lr_weights WHERE ns = NEW.ns AND bucket = NEW.bucket; END;
  `,
  // 3 → 4: the SMTP front's spamd database (SpamdStore): GREY tuples, WHITE and TRAPPED IPs, SPAMTRAP addresses,
  // and the correspondents whose replies skip greylisting. Rowid tables: expiry sweeps delete by rowid in batches.
  `
  CREATE TABLE spamd_grey (
    ip TEXT NOT NULL,
    helo TEXT NOT NULL,
    sender TEXT NOT NULL,
    rcpt TEXT NOT NULL,
    first_seen INTEGER NOT NULL,
    pass_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    blocked INTEGER NOT NULL,
    passed INTEGER NOT NULL,
    UNIQUE (ip, helo, sender, rcpt)
  );
  CREATE INDEX spamd_grey_expiry ON spamd_grey (expires_at);
  CREATE TABLE spamd_white (
    ip TEXT NOT NULL UNIQUE,
    first_seen INTEGER NOT NULL,
    pass_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    blocked INTEGER NOT NULL,
    passed INTEGER NOT NULL
  );
  CREATE INDEX spamd_white_expiry ON spamd_white (expires_at);
  CREATE TABLE spamd_trapped (ip TEXT NOT NULL UNIQUE, expires_at INTEGER NOT NULL);
  CREATE INDEX spamd_trapped_expiry ON spamd_trapped (expires_at);
  CREATE TABLE spamd_spamtrap (address TEXT PRIMARY KEY) WITHOUT ROWID;
  CREATE TABLE spamd_reply (sender TEXT NOT NULL, rcpt TEXT NOT NULL, expires_at INTEGER NOT NULL, UNIQUE (sender, rcpt));
  CREATE INDEX spamd_reply_expiry ON spamd_reply (expires_at);
  `,
  // 4 → 5: the throughput series (SeriesStore): res is the bucket width in seconds (60, 3600, 86400), t the bucket start.
  `
  CREATE TABLE series (res INTEGER NOT NULL, t INTEGER NOT NULL, name TEXT NOT NULL, value REAL NOT NULL, PRIMARY KEY (res, t, name)) WITHOUT ROWID;
  `,
  // 5 → 6: no expiry index on greylist: a sighting moves its row's expiry, so the index cost every sighting a
  // second WAL page; the sweep goes round the table in key order instead (sqlite-greylist.ts).
  `
  DROP INDEX greylist_expiry;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;
