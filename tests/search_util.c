/*
** search_util.c — the helpers declared in search_util.h.
*/
#include "search_util.h"
#include "test.h"

#include "../src/store/store.h"

#include <stdlib.h>

static int collect(void *ctx, const kh_hit *h) {
  hits *r = ctx;
  if (r->n < 100) r->rowid[r->n] = h->rowid, r->score[r->n] = h->score;
  r->n++;
  return 0;
}

int test_search(kh_db *db, const char *q, const kh_search_opts *o, int exact, hits *r) {
  memset(r, 0, sizeof *r);
  if (exact) setenv("KHABAR_NO_CHAMP", "1", 1);
  int rc = kh_search(db, q, o, collect, r);
  unsetenv("KHABAR_NO_CHAMP");
  return rc;
}

kh_db *test_real_db(const char *dir, int64_t threshold) {
  const char *data = test_data_dir();
  if (!data) return NULL;
  char p[1024];
  snprintf(p, sizeof p, "%s/real.db", dir);
  kh_db *db;
  if (kh_db_open(p, &db)) return NULL;
  kh__champ_set_threshold(db, threshold);
  kh__db_set_batch(db, 500); /* lists and tiers made at many commits of this small file */
  kh_ingest_stats st = {0};
  snprintf(p, sizeof p, "%s/pk-news-2024/pk-news-2024.jsonl", data);
  int rc = kh_ingest_path(db, p, NULL, &st);
  snprintf(p, sizeof p, "%s/counter/counter.jsonl", data);
  if (!rc) rc = kh_ingest_path(db, p, NULL, &st);
  if (!rc) rc = kh_db_commit(db);
  if (!rc) rc = kh__champ_build_all(db);
  if (rc) {
    kh_db_close(db);
    return NULL;
  }
  return db;
}

/* The first column of the first row of sql on db's connection, or -1. */
int64_t test_sql_int(kh_db *db, const char *sql) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL)) return -1;
  int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
  sqlite3_finalize(st);
  return v;
}
