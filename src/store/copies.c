/*
** copies.c — the articles that arrived again under another id with the same
** normalized content.  Ingest stores such a text once (issue 3's
** idempotency) and keeps each later arrival as a row of `duplicate` (its id,
** source, url, published time, ingest time), so "who else ran this text" is
** not lost: search and dups show the copies beside the stored article.
**
**   kh_db_copies(db, hit->rowid, print_copy, ctx);  // each copy, first come first
**   kh_db_copied(db, on_rowid, ctx);                // articles that have copies
**   kh_db_article_ref(db, rowid, print_ref, ctx);   // a stored article's id, source, ...
*/
#include "store.h"

static const char *col(sqlite3_stmt *st, int i) { return (const char *)sqlite3_column_text(st, i); }

/* Run sql with rowid bound to ?1 (if rowid >= 0); call cb with each row's
** first five columns as a kh_copy. */
static int each_ref(kh_db *db, const char *sql, int64_t rowid, kh_copy_cb cb, void *ctx) {
  if (!db || !cb) return KH_EINVAL;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK)
    return sqlite3_errcode(db->sql) == SQLITE_NOMEM ? KH_ENOMEM : KH_EDB;
  if (rowid >= 0) sqlite3_bind_int64(st, 1, rowid);
  int rc, ret = 0;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    kh_copy c = {col(st, 0), col(st, 1), col(st, 2), col(st, 3), col(st, 4)};
    if (!c.id) c.id = "";
    if ((ret = cb(ctx, &c)) != 0) break;
  }
  if (!ret && rc != SQLITE_DONE) ret = rc == SQLITE_NOMEM ? KH_ENOMEM : KH_EDB;
  sqlite3_finalize(st);
  return ret;
}

int kh_db_copies(kh_db *db, int64_t rowid, kh_copy_cb cb, void *ctx) {
  if (rowid < 0) return KH_EINVAL;
  /* rowid order is arrival order (INSERT OR IGNORE keeps the first arrival of an id) */
  return each_ref(db,
                  "SELECT id, source, url, published, ingested FROM duplicate WHERE of_rowid = ?1 "
                  "ORDER BY rowid",
                  rowid, cb, ctx);
}

int kh_db_article_ref(kh_db *db, int64_t rowid, kh_copy_cb cb, void *ctx) {
  if (rowid < 0) return KH_EINVAL;
  return each_ref(db, "SELECT id, source, url, published, ingested FROM article WHERE rowid = ?1", rowid,
                  cb, ctx);
}


int kh_db_copied(kh_db *db, int (*cb)(void *ctx, int64_t rowid), void *ctx) {
  if (!db || !cb) return KH_EINVAL;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db->sql, "SELECT DISTINCT of_rowid FROM duplicate ORDER BY of_rowid", -1, &st, NULL) !=
      SQLITE_OK)
    return sqlite3_errcode(db->sql) == SQLITE_NOMEM ? KH_ENOMEM : KH_EDB;
  int rc, ret = 0;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    if ((ret = cb(ctx, sqlite3_column_int64(st, 0))) != 0) break;
  if (!ret && rc != SQLITE_DONE) ret = rc == SQLITE_NOMEM ? KH_ENOMEM : KH_EDB;
  sqlite3_finalize(st);
  return ret;
}
