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
  sqlite3_stmt *st_len;       /* r->unit: the article's length from article_fts_docsize */
  sqlite3_blob *len_blob;     /* ... read through one blob handle moved from row to row */
  unsigned char len_buf[64];
} scan_state;

/* a is worse than b: lower score, or the same score and a later row */
int kh__topk_worse(const kh__champ_hit *a, const kh__champ_hit *b) {
  return a->score < b->score || (a->score == b->score && a->rowid > b->rowid);
}

static void sift_down(kh__champ_hit *h, size_t n, size_t i) {
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    if (l < n && kh__topk_worse(&h[l], &h[m])) m = l;
    if (r < n && kh__topk_worse(&h[r], &h[m])) m = r;
    if (m == i) return;
    kh__champ_hit t = h[i];
    h[i] = h[m];
    h[m] = t;
    i = m;
  }
}

/* x into the heap of the best k (its root the worst kept) */
void kh__topk_heap_add(kh__champ_hit *h, size_t *n, size_t k, kh__champ_hit x) {
  if (*n < k) {
    size_t i = (*n)++;
    while (i && kh__topk_worse(&x, &h[(i - 1) / 2])) {
      h[i] = h[(i - 1) / 2];
      i = (i - 1) / 2;
    }
    h[i] = x;
  } else if (kh__topk_worse(&h[0], &x)) {
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
  s->avgdl = r->avgdl > 0 ? r->avgdl : (double)ntok / (double)nrow;
  for (size_t i = 0; i < s->np && rc == SQLITE_OK; i++) {
    if (i < r->nterms && !isnan(r->idf[i])) {
      s->idf[i] = r->idf[i];
      continue;
    }
    if (r->unit) return SQLITE_MISUSE; /* another table's counts would be wrong */
    sqlite3_int64 nhit = 0;
    rc = api->xQueryPhrase(fts, (int)i, &nhit, count_cb);
    if (rc == SQLITE_OK && r->counted && i < r->nterms) r->counted[i] = (double)nhit;
    double idf = log(((double)nrow - (double)nhit + 0.5) / ((double)nhit + 0.5));
    s->idf[i] = idf <= 0.0 ? 1e-6 : idf;
  }
  for (size_t i = 0; i < s->np; i++) { /* insertion sort: at most 8 */
    size_t j = i;
    for (; j > 0 && s->idf[s->order[j - 1]] < s->idf[i]; j--) s->order[j] = s->order[j - 1];
    s->order[j] = i;
  }
  for (size_t j = s->np; j-- > 0;) s->rest[j] = j + 1 < s->np ? s->rest[j + 1] + s->idf[s->order[j + 1]] * (K1 + 1.0) : 0.0;
  for (size_t j = 0; r->fwd && j < s->np; j++) s->rest[j] += r->fwd->rest; /* the words left out */
  s->ready = 1;
  return rc;
}

/* bm25() of fts5_aux.c, term by term in phrase order (blockmax.c scores
** with it too: the same operations, the same double) */
double kh__topk_bm25(const double *idf, const double *d, size_t n, double len, double avgdl) {
  double score = 0.0;
  for (size_t i = 0; i < n; i++) score += idf[i] * ((d[i] * (K1 + 1.0)) / (d[i] + K1 * (1 - B + B * len / avgdl)));
  return score;
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

/* The length of article rowid in tokens, all columns, from FTS5's docsize
** record (a varint per column), as xColumnSize(-1) gives it. */
static int doc_len(sqlite3_stmt *st, sqlite3_int64 rowid, int *len);

int kh__topk_doc_len(sqlite3_stmt *st, int64_t rowid, int *len) {
  int rc = doc_len(st, rowid, len);
  return rc == SQLITE_OK ? 0 : rc == SQLITE_NOMEM ? KH_ENOMEM : KH_EDB;
}

/* The sum of a docsize record's varints (one per column), or SQLITE_CORRUPT. */
int kh__topk_len_sum(const unsigned char *p, int n, int *len) {
  int i = 0;
  uint64_t sum = 0;
  while (p && i < n) {
    uint64_t v = 0;
    int k = 0;
    while (i < n && k < 9 && (p[i] & 0x80)) v = (v << 7) | (p[i++] & 0x7f), k++;
    if (i == n) break;
    v = (v << 7) | p[i++];
    sum += v;
  }
  if (i != n || sum > INT32_MAX) return SQLITE_CORRUPT;
  *len = (int)sum;
  return SQLITE_OK;
}

static int doc_len(sqlite3_stmt *st, sqlite3_int64 rowid, int *len) {
  sqlite3_bind_int64(st, 1, rowid);
  int src = sqlite3_step(st), rc = SQLITE_CORRUPT;
  if (src == SQLITE_ROW) rc = kh__topk_len_sum(sqlite3_column_blob(st, 0), sqlite3_column_bytes(st, 0), len);
  else if (src != SQLITE_DONE) rc = src;
  sqlite3_reset(st);
  return rc;
}

/* doc_len through s->len_blob, one incremental-blob handle on the docsize
** table moved from row to row (sqlite3_blob_reopen): no statement stepped
** and reset, no cursor opened and closed per row (a tier scan reads
** thousands to tens of thousands of lengths).  Any failure of the handle
** (a row missing) closes it and the statement answers. */
static int scan_len(scan_state *s, sqlite3_int64 rowid, int *len) {
  int src = s->len_blob ? sqlite3_blob_reopen(s->len_blob, rowid)
                        : sqlite3_blob_open(sqlite3_db_handle(s->st_len), "main", "article_fts_docsize", "sz", rowid, 0,
                                            &s->len_blob);
  int n = src == SQLITE_OK ? sqlite3_blob_bytes(s->len_blob) : 0;
  if (src == SQLITE_OK && n <= (int)sizeof s->len_buf && sqlite3_blob_read(s->len_blob, s->len_buf, n, 0) == SQLITE_OK &&
      kh__topk_len_sum(s->len_buf, n, len) == SQLITE_OK)
    return SQLITE_OK;
  sqlite3_blob_close(s->len_blob);
  s->len_blob = NULL;
  return doc_len(s->st_len, rowid, len);
}

/* The most the one word under NOT of a partial scan can add to a row of
** length len (idf·weight at avgdl): the row is outside that word's tier,
** and tiers.c writes an article into a tier iff its weight there,
** d·(k1+1) / (d + k1·(1 − b + b·len/aref)) with these operations, is >= cut;
** so the word's d in the row is below the cut at the row's own length (with
** a hair of slack: a d is kept when its weight is below cut·(1 + 1e-12)).
** -1: no d >= 1 is below the cut, so the row lacks the word and cannot
** match the AND.  INFINITY: no bound (a cut no weight reaches). */
static double out_bound(const kh__topk_req *r, double idf, double len, double avgdl) {
  const double cut = r->out_cut, lim = cut * (1 + 1e-12);
  if (!(cut < K1 + 1.0)) return INFINITY;
  const double K = K1 * (1 - B + B * len / r->out_aref);
  double dm = floor(cut * K / (K1 + 1.0 - cut)); /* w(d) < cut for d < cut·K / (k1 + 1 − cut) */
  if (dm > 1e9) return INFINITY;
  if (dm < 0) dm = 0;
  while (dm >= 1 && !((dm * (K1 + 1.0)) / (dm + K) < lim)) dm--;
  while ((dm + 1) * (K1 + 1.0) / (dm + 1 + K) < lim) dm++;
  if (dm < 1) return -1;
  return idf * ((dm * (K1 + 1.0)) / (dm + K1 * (1 - B + B * len / avgdl)));
}

/* r->partial (tiers.c): a row of the tier table where some phrase is
** missing (rows with every phrase were scored before); r->partial == 2: a
** row of `A AND B ... NOT (C AND ...)` over the tier tokens, its first
** r->nlive phrases there, the others (not all in the row) bounded
** together by r->absent[nlive].  A missing phrase
** weighs at most r->absent[i] (its tier's cutoff) in the article; the row
** is kept in r->pend when its bound, first at the shortest length and then
** at its own, is not below the k-th score: the caller then scores it
** exactly in article_fts. */
static void partial_row(scan_state *s, const Fts5ExtensionApi *api, Fts5Context *fts) {
  const kh__topk_req *r = s->r;
  kh__topk_pend *p = r->pend;
  double d[KH__TOPK_MAX_TERMS];
  int all = 1, rc = SQLITE_OK;
  size_t np = r->partial == 2 ? r->nlive : s->np; /* the phrases read (not those under NOT) */
  for (size_t i = 0; i < np && rc == SQLITE_OK; i++) {
    Fts5PhraseIter it;
    int col, off;
    d[i] = 0;
    for (rc = api->xPhraseFirst(fts, (int)i, &it, &col, &off); rc == SQLITE_OK && col >= 0;
         api->xPhraseNext(fts, &it, &col, &off))
      d[i] += 1.0;
    all &= d[i] > 0;
  }
  if (rc != SQLITE_OK) {
    s->rc = rc;
    return;
  }
  if (all && r->partial != 2) return;
  int len = 0;
  double ub = 0;
  for (int pass = 0; pass < 2; pass++) {
    if (pass && (rc = scan_len(s, api->xRowid(fts), &len)) != SQLITE_OK) {
      s->rc = rc;
      return;
    }
    double lo = pass ? (double)len : r->min_dl;
    double norm = K1 * (1 - B + B * lo / s->avgdl);
    ub = r->partial == 2 ? r->absent[np] : 0;
    if (pass && r->partial == 2 && r->out_cut > 0 && np + 1 == s->np) { /* the word under NOT, at this length */
      double o = out_bound(r, s->idf[np], lo, s->avgdl);
      if (o < 0) return; /* the row lacks it: no match */
      if (o < ub) ub = o;
    }
    for (size_t i = 0; i < np; i++)
      ub += d[i] > 0 ? s->idf[i] * ((d[i] * (K1 + 1.0)) / (d[i] + norm)) : r->absent[i];
    if (s->n == r->k && ub * (1 + 1e-12) < s->heap[0].score) return;
  }
  if (r->nskip && seeded(r, api->xRowid(fts))) return; /* in the heap already */
  s->scored++;
  if (p->n == p->cap) {
    p->over = 1;
    s->rc = SQLITE_DONE; /* stop: too many to check one by one */
    return;
  }
  if (p->ub) p->ub[p->n] = ub;
  if (p->len) p->len[p->n] = len;
  p->rowid[p->n++] = api->xRowid(fts);
}

/* r->fwd: a row of length len whose phrases weigh d: bounded at its length
** with the words left out at their most; if it may still enter, their d
** from its forward row (absent: no match), and its score over every word
** in the query's order (bm25()'s operations, as below). */
static void fwd_row(scan_state *s, sqlite3_int64 rowid, const double *d, int len) {
  const kh__topk_req *r = s->r;
  kh__topk_fwd *f = r->fwd;
  double D = (double)len;
  if (s->n == r->k) {
    double ub = f->rest;
    for (size_t i = 0; i < s->np; i++) ub += s->idf[i] * ((d[i] * (K1 + 1.0)) / (d[i] + K1 * (1 - B + B * D / s->avgdl)));
    if (ub * (1 + 1e-12) < s->heap[0].score) return;
  }
  if (r->nskip && seeded(r, rowid)) return;
  int32_t v[KH__TOPK_MAX_TERMS];
  int rc = f->ds(f->ctx, rowid, v);
  f->reads++;
  if (rc) {
    if (rc == KH_ENOTFOUND) f->missing = 1;
    s->rc = rc == KH_ENOTFOUND ? SQLITE_DONE : rc == KH_ENOMEM ? SQLITE_NOMEM : SQLITE_ERROR;
    return;
  }
  s->scored++;
  double score = 0.0;
  for (size_t i = 0, j = 0; i < f->nw; i++) {
    double di;
    if (f->phrase[i] >= 0) {
      di = d[f->phrase[i]];
    } else {
      if (v[j] <= 0) return; /* the row lacks a word left out: no match */
      di = (double)v[j++];
    }
    score += f->idf[i] * ((di * (K1 + 1.0)) / (di + K1 * (1 - B + B * D / s->avgdl)));
  }
  kh__champ_hit x = {rowid, score};
  if (s->n == r->k && !kh__topk_worse(&s->heap[0], &x)) return;
  kh__topk_heap_add(s->heap, &s->n, r->k, x);
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
  if (r->partial) {
    partial_row(s, api, fts);
    return;
  }
  /* phrases by idf, highest first; after each one the row's bound: the
  ** phrases read at the length bound, the others at most k1 + 1 each */
  for (size_t j = 0; j < s->np; j++) {
    size_t i = s->order[j];
    Fts5PhraseIter it;
    int col, off;
    d[i] = 0;
    for (rc = api->xPhraseFirst(fts, (int)i, &it, &col, &off); rc == SQLITE_OK && col >= 0;
         api->xPhraseNext(fts, &it, &col, &off)) {
      if (r->unit) {
        d[i] += 1.0;
        continue;
      }
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
  if (r->unit) rc = scan_len(s, api->xRowid(fts), &len);
  else rc = api->xColumnSize(fts, -1, &len);
  if (rc != SQLITE_OK) {
    s->rc = rc;
    return;
  }
  if (r->fwd) {
    fwd_row(s, api->xRowid(fts), d, len);
    return;
  }
  s->scored++;
  kh__champ_hit x = {api->xRowid(fts), kh__topk_bm25(s->idf, d, s->np, (double)len, s->avgdl)};
  if (s->n == r->k && !kh__topk_worse(&s->heap[0], &x)) return;
  if (r->nskip && seeded(r, x.rowid)) return;
  kh__topk_heap_add(s->heap, &s->n, r->k, x);
}

/* khabar_w(article_fts, avgdl): the BM25 weight without idf of phrase 0 in
** this row, d·(k1+1) / (d + k1·(1 − b + b·len/avgdl)), d = 4·tf(title) +
** tf(body) (tiers.c samples it to choose a term's cutoff). */
static void weight_fn(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int nval,
                      sqlite3_value **val) {
  double avgdl = nval == 1 ? sqlite3_value_double(val[0]) : 0;
  Fts5PhraseIter it;
  int col, off, len = 0, rc;
  double d = 0;
  for (rc = api->xPhraseFirst(fts, 0, &it, &col, &off); rc == SQLITE_OK && col >= 0; api->xPhraseNext(fts, &it, &col, &off))
    d += col == 0 ? W_TITLE : W_BODY;
  if (rc == SQLITE_OK) rc = api->xColumnSize(fts, -1, &len);
  if (rc != SQLITE_OK || !(avgdl > 0)) {
    sqlite3_result_error_code(ctx, rc != SQLITE_OK ? rc : SQLITE_MISUSE);
    return;
  }
  sqlite3_result_double(ctx, (d * (K1 + 1.0)) / (d + K1 * (1 - B + B * (double)len / avgdl)));
}

/* khabar_dlo(article_fts): of phrase 0 in this row, d (4 per title
** instance, 1 per body one) in the high 32 bits and a lower bound of the
** row's length (the last positions seen in title and body, +1 each) in
** the low 32 (champ_query.c's rare-word walk bounds rows with it before reading
** them). */
static void dlo_fn(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int nval, sqlite3_value **val) {
  (void)nval;
  (void)val;
  Fts5PhraseIter it;
  int col, off, rc, last[2] = {-1, -1};
  int64_t d = 0;
  for (rc = api->xPhraseFirst(fts, 0, &it, &col, &off); rc == SQLITE_OK && col >= 0; api->xPhraseNext(fts, &it, &col, &off)) {
    d += col == 0 ? (int64_t)W_TITLE : (int64_t)W_BODY;
    if (col < 2 && off > last[col]) last[col] = off;
  }
  if (rc != SQLITE_OK) {
    sqlite3_result_error_code(ctx, rc);
    return;
  }
  sqlite3_result_int64(ctx, (d << 32) | (int64_t)((last[0] + 1) + (last[1] + 1)));
}

int kh__topk_register(sqlite3 *db) {
  fts5_api *api = NULL;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) != SQLITE_OK) return KH_EDB;
  sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
  sqlite3_step(st);
  sqlite3_finalize(st);
  if (!api || api->iVersion < 2) return KH_EDB;
  if (api->xCreateFunction(api, "khabar_w", NULL, weight_fn, NULL) != SQLITE_OK) return KH_EDB;
  if (api->xCreateFunction(api, "khabar_dlo", NULL, dlo_fn, NULL) != SQLITE_OK) return KH_EDB;
  return api->xCreateFunction(api, "khabar_topk", NULL, topk_fn, NULL) == SQLITE_OK ? 0 : KH_EDB;
}

static int cmp_hit(const void *a, const void *b) {
  const kh__champ_hit *x = a, *y = b;
  return kh__topk_worse(x, y) ? 1 : kh__topk_worse(y, x) ? -1 : 0;
}

int kh__topk_scan(kh_db *db, const kh__topk_req *r, kh__champ_hit *heap, size_t *n, long *rows) {
  if (!r->k || r->nterms > KH__TOPK_MAX_TERMS || *n > r->k) return KH_EINVAL;
  int rc = 0;
  kh__buf sql = {0};
  int filtered = r->source || r->since || r->until;
  const char *tab = r->table ? r->table : "article_fts";
  kh__buf_appends(&sql, "SELECT khabar_topk(", &rc);
  kh__buf_appends(&sql, tab, &rc);
  kh__buf_appends(&sql, ", ?2) FROM ", &rc);
  kh__buf_appends(&sql, tab, &rc);
  if (filtered) {
    kh__buf_appends(&sql, " JOIN article ON article.rowid = ", &rc);
    kh__buf_appends(&sql, tab, &rc);
    kh__buf_appends(&sql, ".rowid", &rc);
  }
  kh__buf_appends(&sql, " WHERE ", &rc);
  kh__buf_appends(&sql, tab, &rc);
  kh__buf_appends(&sql, " MATCH ?1", &rc);
  if (r->source) kh__buf_appends(&sql, " AND article.source = ?3", &rc);
  if (r->since) kh__buf_appends(&sql, " AND article.published >= ?4", &rc);
  if (r->until) kh__buf_appends(&sql, " AND article.published <= ?5", &rc);
  if (r->rows) {
    kh__buf_appends(&sql, " AND ", &rc);
    kh__buf_appends(&sql, tab, &rc);
    kh__buf_appends(&sql, ".rowid = ?8", &rc);
  }
  if (r->rowid_lo > 0 || r->rowid_hi > 0) {
    kh__buf_appends(&sql, " AND ", &rc);
    kh__buf_appends(&sql, tab, &rc);
    kh__buf_appends(&sql, ".rowid >= ?6 AND ", &rc);
    kh__buf_appends(&sql, tab, &rc);
    kh__buf_appends(&sql, ".rowid < ?7", &rc);
  }
  kh__buf_appendc(&sql, '\0', &rc);
  if (rc) {
    kh__buf_free(&sql);
    return rc;
  }
  sqlite3_stmt *st = NULL, *st_len = NULL;
  /* the function is registered on first use (kh_fts5_register belongs to fts5.c) */
  for (int tries = 0; !st && tries < 2; tries++) {
    if (sqlite3_prepare_v2(db->sql, sql.data, -1, &st, NULL) == SQLITE_OK) break;
    st = NULL;
    if (tries || (rc = kh__topk_register(db->sql))) break;
  }
  kh__buf_free(&sql);
  if (st && (r->unit || r->partial) &&
      sqlite3_prepare_v2(db->sql, "SELECT sz FROM article_fts_docsize WHERE id = ?1", -1, &st_len, NULL) != SQLITE_OK) {
    sqlite3_finalize(st);
    st = NULL;
  }
  if (!st) return rc ? rc : sqlite3_errcode(db->sql) == SQLITE_NOMEM ? KH_ENOMEM : KH_EDB;
  /* the seeds as a heap */
  size_t have = *n;
  *n = 0;
  for (size_t i = 0; i < have; i++) {
    kh__champ_hit x = heap[i];
    kh__topk_heap_add(heap, n, r->k, x);
  }
  scan_state s = {.r = r, .heap = heap, .n = *n, .st_len = st_len};
  sqlite3_bind_text(st, 1, r->expr, -1, SQLITE_STATIC);
  sqlite3_bind_pointer(st, 2, &s, "khabar_topk", NULL);
  if (r->source) sqlite3_bind_text(st, 3, r->source, -1, SQLITE_STATIC);
  if (r->since) sqlite3_bind_text(st, 4, r->since, -1, SQLITE_STATIC);
  if (r->until) sqlite3_bind_text(st, 5, r->until, -1, SQLITE_STATIC);
  if (r->rowid_lo > 0 || r->rowid_hi > 0) {
    sqlite3_bind_int64(st, 6, r->rowid_lo);
    sqlite3_bind_int64(st, 7, r->rowid_hi > 0 ? r->rowid_hi : INT64_MAX);
  }
  int src = SQLITE_DONE;
  if (r->rows) { /* the rows given, one lookup each */
    for (size_t i = 0; i < r->nrows && !s.rc && (src == SQLITE_DONE || src == SQLITE_ROW); i++) {
      sqlite3_bind_int64(st, 8, r->rows[i]);
      while ((src = sqlite3_step(st)) == SQLITE_ROW && !s.rc) {
      }
      sqlite3_reset(st);
    }
  } else {
    while ((src = sqlite3_step(st)) == SQLITE_ROW && !s.rc) {
    }
  }
  if (s.rc == SQLITE_DONE) s.rc = 0; /* stopped on purpose (r->pend full) */
  if (s.rc) rc = s.rc == SQLITE_NOMEM ? KH_ENOMEM : s.rc == SQLITE_TOOBIG ? KH_ETOOBIG : KH_EDB;
  else if (src != SQLITE_DONE && src != SQLITE_ROW) rc = src == SQLITE_NOMEM ? KH_ENOMEM : src == SQLITE_ERROR ? KH_EQUERY : KH_EDB;
  sqlite3_finalize(st);
  sqlite3_blob_close(s.len_blob);
  sqlite3_finalize(st_len);
  *n = s.n;
  qsort(heap, *n, sizeof *heap, cmp_hit);
  if (rows) *rows = s.rows;
  kh__topk_stat[0] += s.rows;
  kh__topk_stat[1] += s.scored;
  return rc;
}
