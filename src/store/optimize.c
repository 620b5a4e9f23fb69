/*
** optimize.c — kh_db_optimize: merge each full-text index of the file
** (article_fts, and the impact tiers' search_tier_fts) into one segment.
**
** FTS5 keeps an index as segments that its automerge joins in levels; after
** a large ingest article_fts has ~17 at 1M articles (automerge 8), and every
** term a query reads is a merge of the doclists of all of them.  One segment
** makes each posting cheaper to walk (docs/store.md, "Query latency").
**
** The merge goes in steps of FTS5's incremental optimize (the 'merge'
** command with a negative page count: every segment moved to one level,
** then merged a bounded number of pages at a time), one write transaction
** each.  A kill loses at most the step under way (the transaction rolls
** back); the next run goes on from the merge state FTS5 keeps in its
** structure record.  Nothing khabar keeps depends on the segments: rowids,
** texts, lengths, dfs, lists, forward rows and tiers are unchanged, so
** searches give the same pages before and after.
*/
#include "store.h"

#include <string.h>

int kh__optimize_step = 4000; /* leaf pages a step writes at most (tests lower it) */

/* SQLite's varint (as FTS5's structure record uses); 0 when it overruns. */
static int varint(const unsigned char *p, int n, int i, uint64_t *v) {
  uint64_t x = 0;
  for (int k = 0; k < 9; k++) {
    if (i + k >= n) return 0;
    unsigned c = p[i + k];
    if (k == 8) {
      *v = (x << 8) | c;
      return 9;
    }
    x = (x << 7) | (c & 0x7f);
    if (!(c & 0x80)) {
      *v = x;
      return k + 1;
    }
  }
  return 0;
}

int kh__fts_segments(sqlite3 *db, const char *table) {
  char sql[160];
  snprintf(sql, sizeof sql, "SELECT block FROM \"%s_data\" WHERE id = 10", table);
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return -1;
  int segs = -1;
  if (sqlite3_step(st) == SQLITE_ROW) {
    const unsigned char *b = sqlite3_column_blob(st, 0);
    int n = sqlite3_column_bytes(st, 0), i = 4, k;
    uint64_t nlevel, nseg;
    if (n >= 8 && !memcmp(b + 4, "\xff\x00\x00\x01", 4)) i += 4; /* structure v2 */
    if (b && n > i && (k = varint(b, n, i, &nlevel)) && varint(b, n, i + k, &nseg)) segs = (int)nseg;
  } else {
    segs = 0; /* no structure record yet: an empty index */
  }
  sqlite3_finalize(st);
  return segs;
}

static int has_table(sqlite3 *db, const char *name) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE name = ?", -1, &st, NULL) != SQLITE_OK) return -1;
  sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
  int r = sqlite3_step(st) == SQLITE_ROW;
  sqlite3_finalize(st);
  return r;
}

/* One step in its own transaction: 0, or KH_EDB / KH_ENOMEM (rolled back). */
static int step(kh_db *db, const char *table) {
  char sql[200];
  snprintf(sql, sizeof sql, "INSERT INTO \"%s\"(\"%s\", rank) VALUES('merge', %d)", table, table,
           -(kh__optimize_step > 0 ? kh__optimize_step : 1));
  int rc = kh__db_exec(db, "BEGIN IMMEDIATE");
  if (rc) return rc;
  if ((rc = kh__db_exec(db, sql)) || (rc = kh__db_exec(db, "COMMIT"))) {
    sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
    return rc;
  }
  return 0;
}

int kh_db_optimize(kh_db *db, int (*progress)(void *ctx, const char *table, int steps, int segments), void *ctx) {
  if (!db) return KH_EINVAL;
  int rc = kh_db_commit(db);
  if (rc) return rc;
  static const char *const tables[] = {"article_fts", "search_tier_fts"};
  for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++) {
    int have = has_table(db->sql, tables[t]);
    if (have < 0) return KH_EDB;
    if (!have) continue;
    int segs = kh__fts_segments(db->sql, tables[t]), steps = 0;
    if (segs < 0) return KH_EDB;
    if (progress && progress(ctx, tables[t], steps, segs)) return 1;
    while (segs > 1) {
      sqlite3_int64 before = sqlite3_total_changes64(db->sql);
      if ((rc = step(db, tables[t]))) return rc;
      steps++;
      int now = kh__fts_segments(db->sql, tables[t]);
      if (now < 0) return KH_EDB;
      /* no change written: FTS5 sees nothing left to merge (e.g. every
      ** segment but one already an input of the merge under way) */
      int idle = sqlite3_total_changes64(db->sql) - before < 2 && now == segs;
      segs = now;
      if (progress && progress(ctx, tables[t], steps, segs)) return 1;
      if (idle) break;
    }
  }
  /* the block-max doclists of the listed terms, up to the last article (blockmax.c) */
  if ((rc = kh__bm_build(db, progress, ctx))) return rc;
  /* give the WAL's pages back to the file (best effort: a reader may hold it) */
  sqlite3_exec(db->sql, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
  return 0;
}
