/*
** reindex.c — the tokenizer version a file's index was built with, and the
** pieces of `khabar export` / `khabar reindex`.
**
** Every index term, champion list, forward row, content hash and story
** vector of a file comes from kh_tokenize.  When a newer khabar tokenizes
** differently (a regenerated fused-word table, a normalization rule), the
** words of a query no longer meet the terms the old articles were indexed
** under, and searches miss them without any error.  So a file records the
** tokenizer version that built it (search_meta 'tokenizer', written when
** the file is created: 0 = a file from before versions were recorded), the
** CLI warns when it differs from kh_tokenizer_version(), and a reindex
** rebuilds the file from its own articles:
**
**   kh_db_lock(old);                 // no other writer until kh_db_close
**   kh_db_export(old, cb, ctx);      // articles in order, then their copies
**   ... ingest what cb gets into a new file (every layer's hooks) ...
**   kh_db_restore_times(new, path);  // the original ingest times, by id
**
** The export gives what a user ingested: id, source, url, published, title,
** body and the extra input fields; a copy (the same text that came again
** under another id, kept only as a `duplicate` row) with the text of the
** article it copies, so ingesting the export again stores it as a copy again.
*/
#include "store.h"

#include "../text/text.h"

int kh_tokenizer_version(void) { return KH_TOKENIZER_VERSION; }

static int sql_rc(sqlite3 *s) { return sqlite3_errcode(s) == SQLITE_NOMEM ? KH_ENOMEM : KH_EDB; }

/* One integer from sql (no parameters); *found = 0 when it gives no row. */
static int get_int(sqlite3 *s, const char *sql, int64_t *v, int *found) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(s, sql, -1, &st, NULL) != SQLITE_OK) return sql_rc(s);
  int rc = sqlite3_step(st);
  *found = rc == SQLITE_ROW;
  if (*found) *v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : sql_rc(s);
}

int kh__tokver_open(kh_db *db) {
  int64_t v;
  int found, rc;
  /* read first: an open for searching takes no write lock */
  if ((rc = get_int(db->sql, "SELECT v FROM search_meta WHERE k = 'tokenizer'", &v, &found)) || found)
    return rc;
  if ((rc = get_int(db->sql, "SELECT 1 FROM article LIMIT 1", &v, &found)) || found)
    return rc; /* articles from before versions were recorded: unknown */
  char sql[96];
  snprintf(sql, sizeof sql, "INSERT OR IGNORE INTO search_meta(k, v) VALUES ('tokenizer', %d)",
           KH_TOKENIZER_VERSION);
  return kh__db_exec(db, sql);
}

int kh_db_tokenizer_version(kh_db *db, int *version) {
  if (!db || !version) return KH_EINVAL;
  int64_t v = 0;
  int found;
  int rc = get_int(db->sql, "SELECT v FROM search_meta WHERE k = 'tokenizer'", &v, &found);
  *version = found ? (int)v : 0;
  return rc;
}

int kh_db_lock(kh_db *db) {
  if (!db) return KH_EINVAL;
  if (db->in_txn && (kh_db_commit(db))) return KH_EDB;
  return kh__db_begin(db);
}

static const char *col(sqlite3_stmt *st, int i) { return (const char *)sqlite3_column_text(st, i); }

/* Stored articles by rowid (the order they were stored), then the copies by
** the duplicate table's rowid (the order they came) with their article's text. */
static const char *const export_sql[2] = {
    "SELECT id, source, url, published, title, body, extra, ingested, NULL FROM article ORDER BY rowid",
    "SELECT d.id, d.source, d.url, d.published, a.title, a.body, NULL, d.ingested, a.id"
    " FROM duplicate d JOIN article a ON a.rowid = d.of_rowid ORDER BY d.rowid"};

int kh_db_export(kh_db *db, int (*cb)(void *ctx, const kh_export_rec *r), void *ctx) {
  if (!db || !cb) return KH_EINVAL;
  int ret = 0;
  for (int pass = 0; pass < 2 && !ret; pass++) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db->sql, export_sql[pass], -1, &st, NULL) != SQLITE_OK) return sql_rc(db->sql);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      kh_export_rec r = {col(st, 0), col(st, 1), col(st, 2), col(st, 3), col(st, 4),
                         col(st, 5), col(st, 6), col(st, 7), col(st, 8)};
      if (!r.id) r.id = "";
      if (!r.title) r.title = "";
      if (!r.body) r.body = "";
      if ((ret = cb(ctx, &r)) != 0) break;
    }
    if (!ret && rc != SQLITE_DONE) ret = sql_rc(db->sql);
    sqlite3_finalize(st);
  }
  return ret;
}

int kh_db_restore_times(kh_db *db, const char *from) {
  if (!db || !from) return KH_EINVAL;
  int rc;
  if ((rc = kh_db_commit(db))) return rc;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db->sql, "ATTACH ?1 AS kh_from", -1, &st, NULL) != SQLITE_OK) return sql_rc(db->sql);
  sqlite3_bind_text(st, 1, from, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return sql_rc(db->sql);
  /* an id is an article or a copy in each file (not always the same one:
  ** a tokenizer that now tells two texts apart, or no longer does) */
  rc = kh__db_exec(db,
                   "BEGIN;"
                   "CREATE TEMP TABLE kh_t(id TEXT PRIMARY KEY, t TEXT NOT NULL) WITHOUT ROWID;"
                   "INSERT OR IGNORE INTO kh_t SELECT id, ingested FROM kh_from.article;"
                   "INSERT OR IGNORE INTO kh_t SELECT id, ingested FROM kh_from.duplicate;"
                   "UPDATE article SET ingested = (SELECT t FROM kh_t WHERE kh_t.id = article.id)"
                   "  WHERE id IN (SELECT id FROM kh_t);"
                   "UPDATE duplicate SET ingested = (SELECT t FROM kh_t WHERE kh_t.id = duplicate.id)"
                   "  WHERE id IN (SELECT id FROM kh_t);"
                   "DROP TABLE kh_t;"
                   "COMMIT;");
  if (rc) kh__db_exec(db, "ROLLBACK");
  int drc = kh__db_exec(db, "DETACH kh_from");
  return rc ? rc : drc;
}
