/*
** search.c — kh_search: parse the user's query (query.c), run it against
** the FTS5 index ranked by BM25 with the title weighted above the body
** (the rank is set in the schema: bm25(4.0, 1.0)), filter by source and
** date, re-score the best candidates by term proximity (rerank.c), and hand
** each hit with a snippet of the original text (snippet.c) to the caller.
**
**   kh_search_opts o = {.limit = 5, .source = "geo", .since = "2024-11-01"};
**   kh_search(db, "عمران خان", &o, print_hit, NULL);
*/
#include "store.h"

#define MAX_LIMIT 10000

#include <time.h>

double kh__search_cpu[KH__SEARCH_NPHASE];

/* process CPU seconds (the phases' counters, read by benchmarks) */
static double cpu_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *const SQL_ARTICLE =
    "SELECT id, title, source, url, published, body FROM article WHERE rowid = ?1";

static const char *col(sqlite3_stmt *st, int i) { return (const char *)sqlite3_column_text(st, i); }

/* The ranked rowids, filters applied before the limit. */
static int prepare_hits(kh_db *db, const kh_search_opts *o, const char *fts, const char *since,
                        const char *until, int limit, sqlite3_stmt **out) {
  kh__buf sql = {0};
  int rc = 0;
  int filtered = o->source || since || until;
  kh__buf_appends(&sql, "SELECT article_fts.rowid, article_fts.rank FROM article_fts", &rc);
  if (filtered) kh__buf_appends(&sql, " JOIN article ON article.rowid = article_fts.rowid", &rc);
  kh__buf_appends(&sql, " WHERE article_fts MATCH ?1", &rc);
  if (o->source) kh__buf_appends(&sql, " AND article.source = ?2", &rc);
  if (since) kh__buf_appends(&sql, " AND article.published >= ?3", &rc);
  if (until) kh__buf_appends(&sql, " AND article.published <= ?4", &rc);
  kh__buf_appends(&sql, " ORDER BY article_fts.rank LIMIT ?5", &rc);
  if (rc) {
    kh__buf_free(&sql);
    return rc;
  }
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db->sql, sql.data, (int)sql.len, &st, NULL) != SQLITE_OK) rc = KH_EDB;
  kh__buf_free(&sql);
  if (rc) return rc;
  sqlite3_bind_text(st, 1, fts, -1, SQLITE_STATIC);
  if (o->source) sqlite3_bind_text(st, 2, o->source, -1, SQLITE_STATIC);
  if (since) sqlite3_bind_text(st, 3, since, -1, SQLITE_STATIC);
  if (until) sqlite3_bind_text(st, 4, until, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 5, limit);
  *out = st;
  return 0;
}

/* One hit: fetch the article, cut the snippet, call back. */
static int deliver(kh_db *db, sqlite3_stmt *art, int64_t rowid, double score, const kh__query *q,
                   const kh_search_opts *o, kh_hit_cb cb, void *ctx) {
  sqlite3_reset(art);
  sqlite3_bind_int64(art, 1, rowid);
  int src = sqlite3_step(art);
  if (src != SQLITE_ROW) return src == SQLITE_DONE ? 0 : KH_EDB;
  kh__buf snip = {0};
  int rc = 0;
  const char *body = col(art, 5);
  size_t blen = (size_t)sqlite3_column_bytes(art, 5);
  const char *hopen = o->hl_open ? o->hl_open : "[", *hclose = o->hl_close ? o->hl_close : "]";
  kh__snippet(body, blen, q, hopen, hclose, o->snippet_tokens, &snip, &rc);
  kh__buf_reserve(&snip, 0, &rc);
  if (rc) {
    kh__buf_free(&snip);
    return rc;
  }
  snip.data[snip.len] = '\0';
  kh_hit h = {rowid, col(art, 0), score, col(art, 1), col(art, 2), col(art, 3), col(art, 4), snip.data};
  if (!h.title) h.title = "";
  rc = cb(ctx, &h);
  kh__buf_free(&snip);
  return rc;
}

/* since/until as stored-date strings; until is inclusive of its whole day. */
static int norm_bound(const char *in, char *out, int until) {
  if (!in) return 0;
  int n = kh__date_norm(in, strlen(in), out);
  if (n < 0) return KH_EINVAL;
  if (until && n == 10) memcpy(out + 10, "U", 2); /* after every time of that day */
  return 0;
}

int kh_search(kh_db *db, const char *query, const kh_search_opts *opts, kh_hit_cb cb, void *ctx) {
  if (!db || !query || !cb) return KH_EINVAL;
  kh_search_opts o = {0};
  if (opts) o = *opts;
  char since[24], until[24];
  if (norm_bound(o.since, since, 0) || norm_bound(o.until, until, 1)) return KH_EINVAL;
  kh__query q;
  int rc = kh__query_parse(query, strlen(query), &q);
  if (rc) {
    kh__query_free(&q);
    return rc;
  }
  int limit = o.limit > 0 ? (o.limit > MAX_LIMIT ? MAX_LIMIT : o.limit) : 10;
  int depth = o.no_rerank || !kh__rerank_wanted(&q) ? 0 : kh__rerank_params()->depth, fetch = limit > depth ? limit : depth;
  kh__cand *cand = kh__malloc(sizeof *cand * (size_t)fetch);
  kh__champ_hit *ch = kh__malloc(sizeof *ch * (size_t)fetch);
  size_t n = 0, nch = 0;
  sqlite3_stmt *hits = NULL, *art = NULL;
  if (!cand || !ch) rc = KH_ENOMEM;
  if (!rc && sqlite3_prepare_v2(db->sql, SQL_ARTICLE, -1, &art, NULL) != SQLITE_OK) rc = KH_EDB;
  /* one read transaction for finding and re-ranking the candidates: one
  ** snapshot, and no file locking per statement (each statement outside a
  ** transaction locks and checks the file: a third of a query's time) */
  int txn = !rc && !db->in_txn && sqlite3_get_autocommit(db->sql);
  if (txn && (rc = kh__db_exec(db, "BEGIN"))) txn = 0;
  /* an AND of plain words: the exact top `fetch` from the champion lists or
  ** a pruned pass over FTS5's matches (champ.c, topk.c), the same rows
  ** FTS5's ORDER BY rank gives; the re-ranking then reorders them */
  double t0 = cpu_now(), t1;
  int champ = rc ? 0 : kh__champ_topk(db, &q, &o, o.since ? since : NULL, o.until ? until : NULL, (size_t)fetch, ch, &nch);
  if (champ < 0) rc = champ;
  for (size_t i = 0; champ > 0 && !rc && i < nch; i++) cand[n++] = (kh__cand){ch[i].rowid, ch[i].score, 0};
  if (!rc && !champ)
    rc = prepare_hits(db, &o, q.fts, o.since ? since : NULL, o.until ? until : NULL, fetch, &hits);
  while (!rc && hits && n < (size_t)fetch) {
    int src = sqlite3_step(hits);
    if (src == SQLITE_DONE) break;
    if (src != SQLITE_ROW) {
      /* FTS5 refusing an expression we built is a bug, but never an SQL error to the user */
      rc = src == SQLITE_NOMEM ? KH_ENOMEM : src == SQLITE_ERROR ? KH_EQUERY : KH_EDB;
      break;
    }
    cand[n++] = (kh__cand){sqlite3_column_int64(hits, 0), -sqlite3_column_double(hits, 1), 0};
  }
  sqlite3_finalize(hits);
  t1 = cpu_now();
  kh__search_cpu[KH__SEARCH_TOPK] += t1 - t0;
  /* second stage: the best candidates re-scored by term proximity (rerank.c) */
  if (!rc && depth) rc = kh__rerank(db, &q, cand, n);
  t0 = cpu_now();
  kh__search_cpu[KH__SEARCH_RERANK] += t0 - t1;
  if (txn && sqlite3_get_autocommit(db->sql) == 0) {
    int crc = kh__db_exec(db, "COMMIT");
    if (!rc) rc = crc;
  }
  for (size_t i = 0; !rc && i < n && i < (size_t)limit; i++)
    rc = deliver(db, art, cand[i].rowid, cand[i].score, &q, &o, cb, ctx);
  kh__search_cpu[KH__SEARCH_DELIVER] += cpu_now() - t0;
  kh_free(cand);
  kh_free(ch);
  sqlite3_finalize(art);
  kh__query_free(&q);
  return rc;
}
