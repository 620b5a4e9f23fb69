/*
** sources.c — what a monitoring user asks of the store as a whole: which
** outlets it holds (how many articles, the span of their dates, when one
** last arrived) and what the last fetch of each URL input got.
**
**   kh_db_sources(db, print_source, ctx);   // most articles first
**   kh_db_fetches(db, print_fetch, ctx);    // URL inputs, latest first
*/
#include "store.h"

static const char *col(sqlite3_stmt *st, int i) { return (const char *)sqlite3_column_text(st, i); }

static int prepare(kh_db *db, const char *sql, sqlite3_stmt **st) {
  if (sqlite3_prepare_v2(db->sql, sql, -1, st, NULL) == SQLITE_OK) return 0;
  return sqlite3_errcode(db->sql) == SQLITE_NOMEM ? KH_ENOMEM : KH_EDB;
}

static int finish(sqlite3_stmt *st, int rc, int ret) {
  if (!ret && rc != SQLITE_DONE) ret = rc == SQLITE_NOMEM ? KH_ENOMEM : KH_EDB;
  sqlite3_finalize(st);
  return ret;
}

int kh_db_sources(kh_db *db, kh_source_cb cb, void *ctx) {
  if (!db || !cb) return KH_EINVAL;
  sqlite3_stmt *st;
  int rc = prepare(db,
                   "SELECT source, count(*), min(published), max(published), max(ingested) FROM article "
                   "GROUP BY source ORDER BY count(*) DESC, source",
                   &st);
  if (rc) return rc;
  int ret = 0;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    kh_source s = {col(st, 0), sqlite3_column_int64(st, 1), col(st, 2), col(st, 3), col(st, 4)};
    if ((ret = cb(ctx, &s)) != 0) break;
  }
  return finish(st, rc, ret);
}

int kh_db_fetches(kh_db *db, kh_fetch_cb cb, void *ctx) {
  if (!db || !cb) return KH_EINVAL;
  sqlite3_stmt *st;
  int rc = prepare(db, "SELECT url, fetched, etag, modified, bytes FROM fetch_state ORDER BY fetched DESC, url", &st);
  if (rc) return rc;
  int ret = 0;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    kh_fetch f = {col(st, 0), col(st, 1), col(st, 2), col(st, 3), sqlite3_column_int64(st, 4)};
    if ((ret = cb(ctx, &f)) != 0) break;
  }
  return finish(st, rc, ret);
}
