/*
** topk.c — exact BM25 top k of an AND of words in one pass over FTS5's
** matches, without FTS5's costs that do not decide the top k.
**
** `ORDER BY rank` with bm25(4.0, 1.0) costs, for every query: one full walk
** of each phrase's doclist to count its rows (the idf), then for every
** matching row the positions, a lookup of the row's length in the docsize
** table (about 0.7 us of the 1.8 us per row measured at 100k articles), and
** a sort of all matching rows.  Here the same rows are visited through
** the auxiliary function khabar_topk in
**
**   SELECT khabar_topk(article_fts, ?2) FROM article_fts WHERE article_fts MATCH ?1
**
** (plus a join on article when source or dates filter), which for each
** row only counts the weighted occurrences d of every phrase (title 4,
** body 1: the rank's column weights) and bounds the row's score with a
** lower bound lo of its length: the last positions where a phrase was
** found in title and body (+1 each), or the shortest article, min_dl:
**
**   ub = sum_i idf_i · d_i·(k1+1) / (d_i + k1·(1 − b + b·lo/avgdl))
**
** The phrases are read in order of idf, highest first, and the bound is
** checked after each (a phrase not read yet counts k1 + 1, its most).
** A row whose ub is below the k-th best score so far is dropped there; only
** the others read their length and get the exact score, written as FTS5's
** bm25() writes it (same operations in the same order, so the same double).
** The idf of a phrase comes from the caller when it knows the document
** frequency (champ.c keeps it for followed terms); otherwise it is counted
** like bm25() does, by xQueryPhrase.  The caller may seed the heap with
** scored rows (the champion lists' candidates), so that pruning starts at
** once; seeded rows are skipped when the scan meets them again.
**
** Result: the k best (score desc, rowid asc), identical to FTS5's ORDER BY
** rank up to the order among equal scores.
*/
#include "store.h"

#include <math.h>
#include <stdlib.h>

static const double K1 = 1.2, B = 0.75, W_TITLE = 4.0, W_BODY = 1.0;

long kh__topk_stat[2];

typedef struct scan_state {
  const kh__topk_req *r;
  int ready;                  /* idf and avgdl set up */
  int rc;                     /* first error */
  size_t np;                  /* phrases in the expression */
  double idf[KH__TOPK_MAX_TERMS];
  size_t order[KH__TOPK_MAX_TERMS]; /* phrases by idf, highest first */
  double rest[KH__TOPK_MAX_TERMS];  /* bound of the phrases after order[j]: sum idf·(k1+1) */
  double avgdl;
  kh__champ_hit *heap;        /* min-heap on (score, -rowid), n of k */
  size_t n;
  long rows, scored;          /* rows visited, rows whose length was read */
} scan_state;

/* a is worse than b: lower score, or the same score and a later row */
static int worse(const kh__champ_hit *a, const kh__champ_hit *b) {
  return a->score < b->score || (a->score == b->score && a->rowid > b->rowid);
}

static void sift_down(kh__champ_hit *h, size_t n, size_t i) {
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    if (l < n && worse(&h[l], &h[m])) m = l;
    if (r < n && worse(&h[r], &h[m])) m = r;
    if (m == i) return;
    kh__champ_hit t = h[i];
    h[i] = h[m];
    h[m] = t;
    i = m;
  }
}

static void heap_add(kh__champ_hit *h, size_t *n, size_t k, kh__champ_hit x) {
  if (*n < k) {
    size_t i = (*n)++;
    while (i && worse(&x, &h[(i - 1) / 2])) {
      h[i] = h[(i - 1) / 2];
      i = (i - 1) / 2;
    }
    h[i] = x;
  } else if (worse(&h[0], &x)) {
    h[0] = x;
    sift_down(h, *n, 0);
  }
}

static int count_cb(const Fts5ExtensionApi *api, Fts5Context *fts, void *ud) {
  (void)api;
  (void)fts;
  (*(sqlite3_int64 *)ud)++;
  return SQLITE_OK;
}

/* First row: the averages (as bm25() reads them) and the missing idfs. */
static int setup(scan_state *s, const Fts5ExtensionApi *api, Fts5Context *fts) {
  const kh__topk_req *r = s->r;
  int np = api->xPhraseCount(fts);
  if (np < 1 || np > KH__TOPK_MAX_TERMS || (r->nterms && (size_t)np != r->nterms)) return SQLITE_TOOBIG;
  s->np = (size_t)np;
  sqlite3_int64 nrow = 0, ntok = 0;
  int rc = api->xRowCount(fts, &nrow);
  if (rc == SQLITE_OK) rc = api->xColumnTotalSize(fts, -1, &ntok);
  if (rc != SQLITE_OK) return rc;
  s->avgdl = (double)ntok / (double)nrow;
  for (size_t i = 0; i < s->np && rc == SQLITE_OK; i++) {
    if (i < r->nterms && !isnan(r->idf[i])) {
      s->idf[i] = r->idf[i];
      continue;
    }
    sqlite3_int64 nhit = 0;
    rc = api->xQueryPhrase(fts, (int)i, &nhit, count_cb);
    double idf = log(((double)nrow - (double)nhit + 0.5) / ((double)nhit + 0.5));
    s->idf[i] = idf <= 0.0 ? 1e-6 : idf;
  }
  for (size_t i = 0; i < s->np; i++) { /* insertion sort: at most 8 */
    size_t j = i;
    for (; j > 0 && s->idf[s->order[j - 1]] < s->idf[i]; j--) s->order[j] = s->order[j - 1];
    s->order[j] = i;
  }
  for (size_t j = s->np; j-- > 0;) s->rest[j] = j + 1 < s->np ? s->rest[j + 1] + s->idf[s->order[j + 1]] * (K1 + 1.0) : 0.0;
  s->ready = 1;
  return rc;
}

static int seeded(const kh__topk_req *r, int64_t rowid) {
  size_t lo = 0, hi = r->nskip;
  while (lo < hi) {
    size_t m = (lo + hi) / 2;
    if (r->skip[m] == rowid) return 1;
    if (r->skip[m] < rowid) lo = m + 1;
    else hi = m;
  }
  return 0;
}

/* khabar_topk(article_fts, state): called for each matching row; returns NULL. */
static void topk_fn(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int nval,
                    sqlite3_value **val) {
  scan_state *s = nval == 1 ? sqlite3_value_pointer(val[0], "khabar_topk") : NULL;
  if (!s) {
    sqlite3_result_error(ctx, "khabar_topk: no state", -1);
    return;
  }
  if (s->rc) return;
  int rc = s->ready ? SQLITE_OK : setup(s, api, fts);
  if (rc != SQLITE_OK) {
    s->rc = rc;
    return;
  }
  const kh__topk_req *r = s->r;
  double d[KH__TOPK_MAX_TERMS];
  int last[2] = {-1, -1}; /* last position seen in title, body: the row is longer */
  s->rows++;
  /* phrases by idf, highest first; after each one the row's bound: the
  ** phrases read at the length bound, the others at most k1 + 1 each */
  for (size_t j = 0; j < s->np; j++) {
    size_t i = s->order[j];
    Fts5PhraseIter it;
    int col, off;
    d[i] = 0;
    for (rc = api->xPhraseFirst(fts, (int)i, &it, &col, &off); rc == SQLITE_OK && col >= 0;
         api->xPhraseNext(fts, &it, &col, &off)) {
      d[i] += col == 0 ? W_TITLE : W_BODY;
      if (col < 2 && off > last[col]) last[col] = off;
    }
    if (rc != SQLITE_OK) {
      s->rc = rc;
      return;
    }
    if (s->n < r->k) continue;
    double lo = (double)(last[0] + 1) + (double)(last[1] + 1), ub = s->rest[j];
    if (lo < r->min_dl) lo = r->min_dl;
    double norm = K1 * (1 - B + B * lo / s->avgdl);
    for (size_t m = 0; m <= j; m++) ub += s->idf[s->order[m]] * ((d[s->order[m]] * (K1 + 1.0)) / (d[s->order[m]] + norm));
    if (ub * (1 + 1e-12) < s->heap[0].score) return;
  }
  int len = 0;
  if ((rc = api->xColumnSize(fts, -1, &len)) != SQLITE_OK) {
    s->rc = rc;
    return;
  }
  s->scored++;
  /* bm25() of fts5_aux.c, term by term in phrase order */
  double D = (double)len, score = 0.0;
  for (size_t i = 0; i < s->np; i++)
    score += s->idf[i] * ((d[i] * (K1 + 1.0)) / (d[i] + K1 * (1 - B + B * D / s->avgdl)));
  kh__champ_hit x = {api->xRowid(fts), score};
  if (s->n == r->k && !worse(&s->heap[0], &x)) return;
  if (r->nskip && seeded(r, x.rowid)) return;
  heap_add(s->heap, &s->n, r->k, x);
}

int kh__topk_register(sqlite3 *db) {
  fts5_api *api = NULL;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) != SQLITE_OK) return KH_EDB;
  sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
  sqlite3_step(st);
  sqlite3_finalize(st);
  if (!api || api->iVersion < 2) return KH_EDB;
  return api->xCreateFunction(api, "khabar_topk", NULL, topk_fn, NULL) == SQLITE_OK ? 0 : KH_EDB;
}

static int cmp_hit(const void *a, const void *b) {
  const kh__champ_hit *x = a, *y = b;
  return worse(x, y) ? 1 : worse(y, x) ? -1 : 0;
}

int kh__topk_scan(kh_db *db, const kh__topk_req *r, kh__champ_hit *heap, size_t *n, long *rows) {
  if (!r->k || r->nterms > KH__TOPK_MAX_TERMS || *n > r->k) return KH_EINVAL;
  int rc = 0;
  kh__buf sql = {0};
  int filtered = r->source || r->since || r->until;
  kh__buf_appends(&sql, "SELECT khabar_topk(article_fts, ?2) FROM article_fts", &rc);
  if (filtered) kh__buf_appends(&sql, " JOIN article ON article.rowid = article_fts.rowid", &rc);
  kh__buf_appends(&sql, " WHERE article_fts MATCH ?1", &rc);
  if (r->source) kh__buf_appends(&sql, " AND article.source = ?3", &rc);
  if (r->since) kh__buf_appends(&sql, " AND article.published >= ?4", &rc);
  if (r->until) kh__buf_appends(&sql, " AND article.published <= ?5", &rc);
  if (rc) {
    kh__buf_free(&sql);
    return rc;
  }
  sqlite3_stmt *st = NULL;
  /* the function is registered on first use (kh_fts5_register belongs to fts5.c) */
  for (int tries = 0; !st && tries < 2; tries++) {
    if (sqlite3_prepare_v2(db->sql, sql.data, (int)sql.len, &st, NULL) == SQLITE_OK) break;
    st = NULL;
    if (tries || (rc = kh__topk_register(db->sql))) break;
  }
  kh__buf_free(&sql);
  if (!st) return rc ? rc : sqlite3_errcode(db->sql) == SQLITE_NOMEM ? KH_ENOMEM : KH_EDB;
  /* the seeds as a heap */
  size_t have = *n;
  *n = 0;
  for (size_t i = 0; i < have; i++) {
    kh__champ_hit x = heap[i];
    heap_add(heap, n, r->k, x);
  }
  scan_state s = {.r = r, .heap = heap, .n = *n};
  sqlite3_bind_text(st, 1, r->expr, -1, SQLITE_STATIC);
  sqlite3_bind_pointer(st, 2, &s, "khabar_topk", NULL);
  if (r->source) sqlite3_bind_text(st, 3, r->source, -1, SQLITE_STATIC);
  if (r->since) sqlite3_bind_text(st, 4, r->since, -1, SQLITE_STATIC);
  if (r->until) sqlite3_bind_text(st, 5, r->until, -1, SQLITE_STATIC);
  int src;
  while ((src = sqlite3_step(st)) == SQLITE_ROW && !s.rc) {
  }
  if (s.rc) rc = s.rc == SQLITE_NOMEM ? KH_ENOMEM : s.rc == SQLITE_TOOBIG ? KH_ETOOBIG : KH_EDB;
  else if (src != SQLITE_DONE && src != SQLITE_ROW) rc = src == SQLITE_NOMEM ? KH_ENOMEM : src == SQLITE_ERROR ? KH_EQUERY : KH_EDB;
  sqlite3_finalize(st);
  *n = s.n;
  qsort(heap, *n, sizeof *heap, cmp_hit);
  if (rows) *rows = s.rows;
  kh__topk_stat[0] += s.rows;
  kh__topk_stat[1] += s.scored;
  return rc;
}
