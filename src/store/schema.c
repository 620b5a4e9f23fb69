/*
** schema.c — the database schema and its migrations, in one place.
**
** The schema version of a file is `PRAGMA user_version`.  `steps[]` below
** lists every change ever made, oldest first; step N brings a file from
** version N-1 to N.  Opening a file runs the steps it has not had, each in
** its own transaction (so a kill between steps leaves a valid older file),
** which is how a newer khabar opens a file an older one wrote.  A file whose
** version is above the last step was written by a newer khabar: KH_ESCHEMA.
**
** Adding a table (corpus, analyze, ...): append one step at the END with
** the next number, never edit a step that has landed; see docs/store.md.
**
**   { 3, "corpus: fingerprints", "CREATE TABLE fingerprint(...);" },
*/
#include "store.h"

typedef struct step {
  int version;      /* the version the file has after this step */
  const char *name; /* what the step does, for messages */
  const char *sql;  /* one or more statements */
  int (*fn)(sqlite3 *); /* then this, if set (same transaction): 0 or KH_E* */
} step;

static int fts_stemonly(sqlite3 *db);

/* application_id marks a file as khabar's ('khbr'). */
#define KH__APP_ID 0x6b686272

static const step steps[] = {
    {1, "store: articles, full-text index, duplicates",
     /* articles as given, text kept once: the FTS5 index is external-content */
     "CREATE TABLE article(\n"
     "  rowid INTEGER PRIMARY KEY,\n"
     "  id TEXT NOT NULL UNIQUE,      -- the article's id (input id or kh-HASH)\n"
     "  source TEXT,                  -- outlet\n"
     "  url TEXT,\n"
     "  published TEXT,               -- YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC)\n"
     "  title TEXT NOT NULL DEFAULT '',\n"
     "  body TEXT NOT NULL DEFAULT '',\n"
     "  hash TEXT NOT NULL UNIQUE,    -- content hash of the normalized tokens\n"
     "  ingested TEXT NOT NULL,       -- UTC time it was stored\n"
     "  extra TEXT                    -- JSON object of further input fields\n"
     ");\n"
     "CREATE VIRTUAL TABLE article_fts USING fts5(title, body, content='article',\n"
     "  content_rowid='rowid', tokenize='khabar');\n"
     /* BM25 rank with the title weighted above the body */
     "INSERT INTO article_fts(article_fts, rank) VALUES ('rank', 'bm25(4.0, 1.0)');\n"
     /* an article that arrived again under another id: kept as a pointer */
     "CREATE TABLE duplicate(\n"
     "  id TEXT PRIMARY KEY,\n"
     "  of_rowid INTEGER NOT NULL REFERENCES article(rowid),\n"
     "  source TEXT, url TEXT, published TEXT,\n"
     "  ingested TEXT NOT NULL\n"
     ");\n", NULL},
    {2, "store: indexes for source and date filters",
     "CREATE INDEX article_published ON article(published);\n"
     "CREATE INDEX article_source ON article(source, published);\n", NULL},
    {3, "corpus: fingerprints, LSH bands, stories",
     /* one fingerprint per article (src/corpus/db.c) */
     "CREATE TABLE corpus_fp(\n"
     "  rowid INTEGER PRIMARY KEY,    -- article.rowid\n"
     "  exact INTEGER NOT NULL,       -- exact key of the normalized token stream\n"
     "  ntokens INTEGER NOT NULL,\n"
     "  minhash BLOB NOT NULL         -- KH_MINHASH_K uint32, little-endian\n"
     ");\n"
     "CREATE INDEX corpus_fp_exact ON corpus_fp(exact);\n"
     /* LSH: one row per (band key, article); lookup is one index probe a band */
     "CREATE TABLE corpus_band(key INTEGER NOT NULL, rowid INTEGER NOT NULL,\n"
     "  PRIMARY KEY(key, rowid)) WITHOUT ROWID;\n"
     /* document frequencies of terms seen so far (story vectors) */
     "CREATE TABLE corpus_df(term INTEGER PRIMARY KEY, df INTEGER NOT NULL);\n"
     "CREATE TABLE corpus_meta(k TEXT PRIMARY KEY, v INTEGER NOT NULL);\n"
     /* stories (src/corpus/story.c) */
     "CREATE TABLE story(\n"
     "  id INTEGER PRIMARY KEY,\n"
     "  size INTEGER NOT NULL,\n"
     "  first TEXT, last TEXT,        -- published range of its articles\n"
     "  seq INTEGER NOT NULL,         -- article sequence number of its last update\n"
     "  thread INTEGER,               -- story id heading its thread\n"
     "  centroid BLOB NOT NULL        -- sparse term vector (term u64, weight f32)*\n"
     ");\n"
     "CREATE INDEX story_seq ON story(seq);\n"
     "CREATE TABLE story_member(\n"
     "  rowid INTEGER PRIMARY KEY,    -- article.rowid\n"
     "  story INTEGER NOT NULL,\n"
     "  sim REAL NOT NULL,            -- similarity to the story when it joined\n"
     "  vec BLOB NOT NULL             -- the article's term vector\n"
     ");\n"
     "CREATE INDEX story_member_story ON story_member(story);\n"
     "CREATE TABLE story_term(term INTEGER NOT NULL, story INTEGER NOT NULL,\n"
     "  PRIMARY KEY(term, story)) WITHOUT ROWID;\n", NULL},
    {4, "analyze: entities, mentions, quotes, events",
     /* entities merged across articles by key (kh_entity.id) */
     "CREATE TABLE entity(\n"
     "  id INTEGER PRIMARY KEY,\n"
     "  key TEXT NOT NULL UNIQUE,      -- per:vladimir-putin, per:~bors-bondarif\n"
     "  name TEXT NOT NULL,            -- Latin\n"
     "  urdu TEXT NOT NULL,\n"
     "  type INTEGER NOT NULL,         -- 1 PER, 2 LOC, 3 ORG\n"
     "  country TEXT,\n"
     "  known INTEGER NOT NULL,        -- in the gazetteer\n"
     "  mentions INTEGER NOT NULL DEFAULT 0,\n"
     "  articles INTEGER NOT NULL DEFAULT 0\n"
     ");\n"
     "CREATE INDEX entity_name ON entity(name COLLATE NOCASE);\n"
     "CREATE INDEX entity_urdu ON entity(urdu);\n"
     "CREATE TABLE entity_variant(entity INTEGER NOT NULL, spelling TEXT NOT NULL,\n"
     "  count INTEGER NOT NULL, PRIMARY KEY(entity, spelling)) WITHOUT ROWID;\n"
     "CREATE INDEX entity_variant_spelling ON entity_variant(spelling);\n"
     "CREATE TABLE mention(\n"
     "  article INTEGER NOT NULL,       -- article.rowid\n"
     "  entity INTEGER NOT NULL,\n"
     "  field INTEGER NOT NULL,         -- 0 title, 1 body\n"
     "  start INTEGER NOT NULL, end INTEGER NOT NULL,\n"
     "  source INTEGER NOT NULL         -- KH_MSRC_*\n"
     ");\n"
     "CREATE INDEX mention_entity ON mention(entity, article);\n"
     "CREATE INDEX mention_article ON mention(article);\n"
     "CREATE TABLE quote(\n"
     "  id INTEGER PRIMARY KEY,\n"
     "  article INTEGER NOT NULL,\n"
     "  speaker INTEGER,                -- entity.id or NULL\n"
     "  speaker_text TEXT,\n"
     "  verb TEXT, direct INTEGER NOT NULL, field INTEGER NOT NULL,\n"
     "  start INTEGER NOT NULL, end INTEGER NOT NULL, text TEXT NOT NULL\n"
     ");\n"
     "CREATE INDEX quote_speaker ON quote(speaker);\n"
     "CREATE INDEX quote_article ON quote(article);\n"
     "CREATE TABLE event(\n"
     "  id INTEGER PRIMARY KEY,\n"
     "  article INTEGER NOT NULL,\n"
     "  type TEXT NOT NULL, cameo TEXT NOT NULL, trigger TEXT,\n"
     "  place INTEGER,                  -- entity.id or NULL\n"
     "  date TEXT, whentext TEXT, field INTEGER NOT NULL,\n"
     "  sent_start INTEGER, sent_end INTEGER, sentence TEXT\n"
     ");\n"
     "CREATE INDEX event_article ON event(article);\n"
     "CREATE TABLE event_actor(event INTEGER NOT NULL, entity INTEGER NOT NULL,\n"
     "  pos INTEGER NOT NULL, PRIMARY KEY(event, entity)) WITHOUT ROWID;\n"
     "CREATE INDEX event_actor_entity ON event_actor(entity);\n"
     /* articles analyzed (with or without findings) */
     "CREATE TABLE analyzed(rowid INTEGER PRIMARY KEY);\n", NULL},
    {5, "corpus: LSH bands by epoch, story entities, no story_term",
     /* LSH rows grouped by epoch (article rowid >> 14): an ingest writes
     ** into the newest epoch only, so its pages stay in the cache however
     ** large the table grows (src/corpus/db.c) */
     "CREATE TABLE corpus_lsh(epoch INTEGER NOT NULL, key INTEGER NOT NULL,\n"
     "  rowid INTEGER NOT NULL, PRIMARY KEY(epoch, key, rowid)) WITHOUT ROWID;\n"
     "INSERT INTO corpus_lsh(epoch, key, rowid) SELECT rowid >> 14, key, rowid FROM corpus_band;\n"
     "DROP TABLE corpus_band;\n"
     /* the candidate index of stories is kept in memory now (story.c) */
     "DROP TABLE story_term;\n"
     /* canonical entities of a story's members: (entity id i64, count f32)* */
     "ALTER TABLE story ADD COLUMN ents BLOB;\n", NULL},
    {6, "store: champion lists for frequent terms (src/store/champ.c)",
     /* (IF NOT EXISTS: tests make "older" files from newer ones by undoing
     ** earlier steps; this one then finds its tables already there) */
     /* document frequency of the terms with a list; state 0 none, 1 list, 2 wanted, 3 not buildable */
     "CREATE TABLE IF NOT EXISTS search_term(term TEXT PRIMARY KEY, df INTEGER NOT NULL,\n"
     "  state INTEGER NOT NULL DEFAULT 0, n INTEGER NOT NULL DEFAULT 0,\n"
     "  floor REAL NOT NULL DEFAULT 0, aref REAL NOT NULL DEFAULT 0) WITHOUT ROWID;\n"
     "CREATE INDEX IF NOT EXISTS search_term_wanted ON search_term(state) WHERE state = 2;\n"
     /* the best articles of a frequent term, by BM25 term weight (impact) */
     "CREATE TABLE IF NOT EXISTS search_champ(term TEXT NOT NULL, imp REAL NOT NULL, doc INTEGER NOT NULL,\n"
     "  d INTEGER NOT NULL, dl INTEGER NOT NULL, PRIMARY KEY(term, imp, doc)) WITHOUT ROWID;\n"
     /* forward index: per article its length and (hash32 term, weighted tf) pairs */
     "CREATE TABLE IF NOT EXISTS search_fwd(rowid INTEGER PRIMARY KEY, dl INTEGER NOT NULL, terms BLOB NOT NULL);\n"
     /* articles before fwd_from were stored by an older khabar: no forward rows */
     "CREATE TABLE IF NOT EXISTS search_meta(k TEXT PRIMARY KEY, v INTEGER NOT NULL);\n"
     "INSERT OR IGNORE INTO search_meta VALUES ('docs', 0), ('tokens', 0), ('scanned', 0),\n"
     "  ('fwd_from', (SELECT coalesce(max(rowid), 0) + 1 FROM article));\n", NULL},
    {7, "store: impact tiers of terms with a list (src/store/tiers.c)",
     "CREATE TABLE IF NOT EXISTS search_tier(term TEXT PRIMARY KEY, since INTEGER NOT NULL,\n"
     "  aref REAL NOT NULL, cut REAL NOT NULL) WITHOUT ROWID;\n"
     "CREATE VIRTUAL TABLE IF NOT EXISTS search_tier_fts USING fts5(t, content='', tokenize='ascii');\n"
     "CREATE INDEX IF NOT EXISTS search_term_listed ON search_term(term) WHERE state IN (1, 2);\n", NULL},
    {8, "store: copies of an article found by the article they copy (src/store/copies.c)",
     "CREATE INDEX IF NOT EXISTS duplicate_of ON duplicate(of_rowid);\n", NULL},
    {9, "store: block-max doclists of listed terms (src/store/blockmax.c)",
     "CREATE TABLE IF NOT EXISTS search_bm(term TEXT PRIMARY KEY, n INTEGER NOT NULL, aref REAL NOT NULL, dir BLOB NOT NULL, post BLOB NOT NULL);\n"
     "CREATE TABLE IF NOT EXISTS search_bm_len(chunk INTEGER PRIMARY KEY, lens BLOB NOT NULL);\n", NULL},
    {10, "store: a new file's article_fts indexes a word's stem in place of the word (src/store/fts5.c, 'stemonly')",
     "", fts_stemonly},
    {11, "corpus: LSH rows packed by epoch and key part (src/corpus/lsh.c)",
     /* (epoch << 12 | the keys' top 12 bits) -> their (key, rowid) entries, sorted */
     "CREATE TABLE IF NOT EXISTS corpus_lshp(id INTEGER PRIMARY KEY, data BLOB NOT NULL);\n", kh__lsh_pack_old},
    {12, "store: what the last fetch of each URL input got (src/store/fetch.c)",
     "CREATE TABLE IF NOT EXISTS fetch_state(url TEXT PRIMARY KEY, etag TEXT, modified TEXT,\n"
     "  fetched TEXT NOT NULL, bytes INTEGER NOT NULL);\n", NULL},
    /* append new steps here: {13, "layer: what", "SQL"}, */
};

#define NSTEPS ((int)(sizeof steps / sizeof steps[0]))

int kh__schema_latest(void) { return steps[NSTEPS - 1].version; }

static int get_int(sqlite3 *db, const char *sql, int *out) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
    return sqlite3_errcode(db) == SQLITE_NOMEM ? KH_ENOMEM : KH_EDB;
  int rc = sqlite3_step(st);
  *out = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
  sqlite3_finalize(st);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : KH_EDB;
}

/* KH_ENOMEM when SQLite ran out of memory, else KH_EDB. */
static int db_fail(sqlite3 *db) { return sqlite3_errcode(db) == SQLITE_NOMEM ? KH_ENOMEM : KH_EDB; }

/* Step 10: a file with no article yet gets article_fts again with
** tokenize='khabar stemonly' (fts5.c: the stem in place of the word, ~14%
** fewer index instances, the same matches and scores).  A file that holds
** articles keeps the index it was built with: its terms were written by
** 'khabar', and FTS5 must tokenize its rows the same way to check or delete
** them; `khabar reindex` builds it anew in the new form. */
static int fts_stemonly(sqlite3 *db) {
  int any, rc;
  if ((rc = get_int(db, "SELECT EXISTS (SELECT 1 FROM article)", &any))) return rc;
  if (any) return 0;
  if (sqlite3_exec(db,
                   "DROP TABLE article_fts;\n"
                   "CREATE VIRTUAL TABLE article_fts USING fts5(title, body, content='article',\n"
                   "  content_rowid='rowid', tokenize='khabar stemonly');\n"
                   "INSERT INTO article_fts(article_fts, rank) VALUES ('rank', 'bm25(4.0, 1.0)');\n",
                   NULL, NULL, NULL) != SQLITE_OK)
    return db_fail(db);
  return 0;
}

static int run_step(sqlite3 *db, const step *s) {
  char pragma[64];
  if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) return db_fail(db);
  snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", s->version);
  int frc = 0;
  if (sqlite3_exec(db, s->sql, NULL, NULL, NULL) != SQLITE_OK || (s->fn && (frc = s->fn(db))) ||
      sqlite3_exec(db, pragma, NULL, NULL, NULL) != SQLITE_OK) {
    int nomem = frc == KH_ENOMEM || sqlite3_errcode(db) == SQLITE_NOMEM;
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return nomem ? KH_ENOMEM : KH_EDB;
  }
  if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK) return 0;
  int rc = db_fail(db);
  sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
  return rc;
}

int kh__schema_migrate(sqlite3 *db, int *version) {
  int v, app, ntables, rc;
  if ((rc = get_int(db, "PRAGMA user_version", &v)) ||
      (rc = get_int(db, "PRAGMA application_id", &app)) ||
      (rc = get_int(db, "SELECT count(*) FROM sqlite_master", &ntables)))
    return rc;
  if (app != 0 && app != KH__APP_ID) return KH_EDB; /* someone else's file */
  if (v == 0 && ntables > 0 && app == 0) return KH_EDB;
  if (v > kh__schema_latest()) {
    *version = v;
    return KH_ESCHEMA;
  }
  if (v == 0) {
    char pragma[64];
    snprintf(pragma, sizeof pragma, "PRAGMA application_id = %d", KH__APP_ID);
    if (sqlite3_exec(db, pragma, NULL, NULL, NULL) != SQLITE_OK) return KH_EDB;
  }
  for (int i = 0; i < NSTEPS; i++) {
    if (steps[i].version <= v) continue;
    if ((rc = run_step(db, &steps[i]))) return rc;
    v = steps[i].version;
  }
  *version = v;
  return 0;
}
