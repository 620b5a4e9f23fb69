/*
** test_champ.c — champion lists (src/store/champ.c) on real Urdu: one-word
** results equal FTS5's exact BM25 top 10 (ids and scores), AND holds for
** several words and every score returned is the article's exact BM25,
** filters, the list invariant after incremental upkeep (no article left
** out of a full list beats its floor), and a file from before the lists
** (schema 5) opened and searched.
*/
#include "test.h"
#include "search_util.h"

#include "../src/store/store.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

static long champ_answers(void) { return kh__champ_stat[KH__CHAMP_EXACT] + kh__champ_stat[KH__CHAMP_APPROX]; }

/* Terms with a list that are their own index term (a query word for them
** reaches the same list), most frequent first. */
static int list_words(kh_db *db, char (*w)[128], int max) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db->sql, "SELECT term FROM search_term WHERE state = 1 ORDER BY df DESC", -1, &st, NULL))
    return -1;
  int n = 0;
  while (n < max && sqlite3_step(st) == SQLITE_ROW) {
    const char *t = (const char *)sqlite3_column_text(st, 0);
    size_t len = (size_t)sqlite3_column_bytes(st, 0);
    char s[KH_MAX_TOKEN + 1];
    int sl = kh_stem(t, len, s, sizeof s);
    if (len >= sizeof w[0] || (sl > 0 && ((size_t)sl != len || memcmp(s, t, len)))) continue;
    memcpy(w[n], t, len);
    w[n++][len] = '\0';
  }
  sqlite3_finalize(st);
  return n;
}

/* FTS5's own BM25 of one article for an expression (higher is better). */
static double fts_score(kh_db *db, const char *query, int64_t rowid) {
  char *fts = NULL;
  if (kh_query_to_fts5(query, strlen(query), &fts, NULL, 0)) return NAN;
  sqlite3_stmt *st;
  double v = NAN;
  if (!sqlite3_prepare_v2(db->sql, "SELECT rank FROM article_fts WHERE article_fts MATCH ?1 AND rowid = ?2", -1,
                          &st, NULL)) {
    sqlite3_bind_text(st, 1, fts, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, rowid);
    if (sqlite3_step(st) == SQLITE_ROW) v = -sqlite3_column_double(st, 0);
    sqlite3_finalize(st);
  }
  kh_free(fts);
  return v;
}

static int close_to(double a, double b) { return fabs(a - b) <= 1e-9 * (fabs(b) > 1 ? fabs(b) : 1); }

TEST(champ_one_word_equals_exact_bm25_real_data) {
  if (!test_data_dir()) SKIP("../shared/data absent");
  const char *dir = test_tmpdir();
  kh_db *db = test_real_db(dir, 100);
  ASSERT(db);
  static char w[300][128];
  int nw = list_words(db, w, 300);
  ASSERT(nw >= 100); /* the real corpus has hundreds of frequent words */
  long before = champ_answers();
  int compared = 0;
  for (int i = 0; i < nw; i++) {
    hits a, e;
    kh_search_opts o = {0};
    o.limit = 10;
    ASSERT_INT_EQ(test_search(db, w[i], &o, 0, &a), 0);
    ASSERT_INT_EQ(test_search(db, w[i], &o, 1, &e), 0);
    ASSERT_INT_EQ(a.n, e.n);
    for (int k = 0; k < a.n; k++) {
      if (!close_to(a.score[k], e.score[k])) FAIL("%s: rank %d score %.12f, exact %.12f", w[i], k, a.score[k], e.score[k]);
      /* the same article, unless it ties with a neighbour */
      int tie = (k > 0 && close_to(e.score[k], e.score[k - 1])) || (k + 1 < e.n && close_to(e.score[k], e.score[k + 1]));
      if (!tie && a.rowid[k] != e.rowid[k]) FAIL("%s: rank %d is %lld, exact %lld", w[i], k, (long long)a.rowid[k], (long long)e.rowid[k]);
    }
    compared++;
  }
  /* the lists answered nearly all of them (else this compares FTS5 with itself) */
  long answered = champ_answers() - before;
  if (getenv("CHAMP_VERBOSE")) fprintf(stderr, "  %d words, %ld answered from lists\n", compared, answered);
  if (answered < compared * 9 / 10) FAIL("only %ld of %d answered from the lists", answered, compared);
  kh_db_close(db);
  test_rmdir(dir);
  return 0;
}

/* Every word of the query in the hit's title or body (as a form or a stem). */
static int has_all(kh_db *db, int64_t rowid, char (*words)[128], int n) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db->sql, "SELECT title || ' ' || body FROM article WHERE rowid = ?1", -1, &st, NULL)) return -1;
  sqlite3_bind_int64(st, 1, rowid);
  int ok = -1;
  if (sqlite3_step(st) == SQLITE_ROW) {
    const char *text = (const char *)sqlite3_column_text(st, 0);
    ok = 1;
    for (int i = 0; i < n && ok; i++) {
      /* the word is its own stem (list_words), so a token matches when it or its stem equals it */
      int found = 0;
      kh__tokcache c = {0};
      if (kh__tokcache_fill(&c, text, strlen(text))) {
        kh__tokcache_free(&c);
        ok = -1;
        break;
      }
      for (size_t k = 0; k < c.n && !found; k++) {
        const char *t = c.norms.data + c.v[k].off;
        size_t tl = c.v[k].len;
        char s[KH_MAX_TOKEN + 1];
        int sl = kh_stem(t, tl, s, sizeof s);
        size_t wl = strlen(words[i]);
        found = (tl == wl && !memcmp(t, words[i], wl)) || (sl > 0 && (size_t)sl == wl && !memcmp(s, words[i], wl));
      }
      kh__tokcache_free(&c);
      ok = found;
    }
  }
  sqlite3_finalize(st);
  return ok;
}

TEST(champ_and_semantics_and_exact_scores_real_data) {
  if (!test_data_dir()) SKIP("../shared/data absent");
  const char *dir = test_tmpdir();
  kh_db *db = test_real_db(dir, 100);
  ASSERT(db);
  static char w[120][128];
  int nw = list_words(db, w, 120);
  ASSERT(nw >= 60);
  long before = champ_answers();
  int queries = 0, overlap = 0, total = 0;
  for (int i = 0; i + 2 < nw; i += 3) {
    for (int k = 2; k <= 3; k++) {
      char q[512], words[3][128];
      snprintf(q, sizeof q, k == 2 ? "%s %s" : "%s %s %s", w[i], w[i + 1], w[i + 2]);
      for (int j = 0; j < k; j++) memcpy(words[j], w[i + j], sizeof words[j]);
      hits a, e;
      kh_search_opts o = {0};
      o.limit = 10;
      o.no_rerank = 1; /* exact BM25 scores: without the proximity re-ranking (rerank.c) */
      ASSERT_INT_EQ(test_search(db, q, &o, 0, &a), 0);
      ASSERT_INT_EQ(test_search(db, q, &o, 1, &e), 0);
      ASSERT(a.n <= e.n);
      for (int h = 0; h < a.n; h++) {
        int ok = has_all(db, a.rowid[h], words, k);
        if (ok != 1) FAIL("%s: hit %lld lacks a word (%d)", q, (long long)a.rowid[h], ok);
        double x = fts_score(db, q, a.rowid[h]);
        if (!close_to(a.score[h], x)) FAIL("%s: hit %lld score %.12f, FTS5 %.12f", q, (long long)a.rowid[h], a.score[h], x);
        if (h && a.score[h] > a.score[h - 1]) FAIL("%s: not ranked", q);
        for (int g = 0; g < e.n; g++) overlap += a.rowid[h] == e.rowid[g];
      }
      total += e.n;
      queries++;
    }
  }
  if (getenv("CHAMP_VERBOSE"))
    fprintf(stderr, "  %d queries, %ld answered from lists, overlap %d of %d\n", queries, champ_answers() - before, overlap, total);
  ASSERT(queries >= 40);
  /* some of these were answered from the lists, and most of the exact top 10 came back */
  ASSERT(champ_answers() - before > 0);
  ASSERT(overlap * 10 >= total * 7);
  kh_db_close(db);
  test_rmdir(dir);
  return 0;
}

TEST(champ_filters_real_data) {
  if (!test_data_dir()) SKIP("../shared/data absent");
  const char *dir = test_tmpdir();
  kh_db *db = test_real_db(dir, 100);
  ASSERT(db);
  static char w[40][128];
  int nw = list_words(db, w, 40);
  ASSERT(nw >= 20);
  const char *sources[] = {"APP", "geo", "jang", NULL};
  int nonempty = 0;
  for (int i = 0; i < nw; i++) {
    for (int s = 0; s < 4; s++) {
      kh_search_opts o = {0};
      o.limit = 10;
      o.source = sources[s];
      if (s == 3) o.since = "2014-06-01", o.until = "2014-12-31";
      hits a, e;
      ASSERT_INT_EQ(test_search(db, w[i], &o, 0, &a), 0);
      ASSERT_INT_EQ(test_search(db, w[i], &o, 1, &e), 0);
      ASSERT_INT_EQ(a.n, e.n);
      for (int k = 0; k < a.n; k++) ASSERT(close_to(a.score[k], e.score[k]));
      for (int k = 0; k < a.n; k++) { /* each hit passes the filter */
        char sql[200];
        snprintf(sql, sizeof sql, "SELECT source, published FROM article WHERE rowid = %lld", (long long)a.rowid[k]);
        sqlite3_stmt *st;
        ASSERT_INT_EQ(sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL), SQLITE_OK);
        ASSERT_INT_EQ(sqlite3_step(st), SQLITE_ROW);
        const char *src = (const char *)sqlite3_column_text(st, 0), *pub = (const char *)sqlite3_column_text(st, 1);
        int ok = o.source ? src && !strcmp(src, o.source) : pub && strcmp(pub, o.since) >= 0 && strcmp(pub, "2014-12-31U") <= 0;
        sqlite3_finalize(st);
        ASSERT(ok);
      }
      nonempty += a.n > 0;
    }
  }
  ASSERT(nonempty > nw);
  kh_db_close(db);
  test_rmdir(dir);
  return 0;
}

/* Sum of the SQLite varints of an FTS5 docsize record. */
static double docsize_sum(const unsigned char *p, int n) {
  double sum = 0;
  for (int i = 0; i < n;) {
    uint64_t x = 0;
    for (int k = 0; i < n; k++) {
      unsigned char b = p[i++];
      if (k == 8) {
        x = (x << 8) | b;
        break;
      }
      x = (x << 7) | (b & 0x7f);
      if (!(b & 0x80)) break;
    }
    sum += (double)x;
  }
  return sum;
}

/* After incremental upkeep: every article containing a term with a full
** list that is not in the list weighs no more than the list's floor (at the
** list's aref), and df equals FTS5's document count. */
TEST(champ_list_invariant_after_incremental_upkeep) {
  if (!test_data_dir()) SKIP("../shared/data absent");
  const char *dir = test_tmpdir();
  kh_db *db = test_real_db(dir, 100);
  ASSERT(db);
  ASSERT_INT_EQ(sqlite3_exec(db->sql,
                             "CREATE VIRTUAL TABLE temp.vi USING fts5vocab(main, article_fts, instance)",
                             NULL, NULL, NULL),
                SQLITE_OK);
  sqlite3_stmt *terms, *inst, *inlist, *dl;
  ASSERT_INT_EQ(sqlite3_prepare_v2(db->sql, "SELECT term, df, n, floor, aref FROM search_term WHERE state = 1 AND n = 256"
                                            " ORDER BY df DESC LIMIT 40", -1, &terms, NULL), SQLITE_OK);
  ASSERT_INT_EQ(sqlite3_prepare_v2(db->sql, "SELECT doc, sum(CASE col WHEN 'title' THEN 4 ELSE 1 END) FROM temp.vi"
                                            " WHERE term = ?1 GROUP BY doc", -1, &inst, NULL), SQLITE_OK);
  ASSERT_INT_EQ(sqlite3_prepare_v2(db->sql, "SELECT 1 FROM search_champ WHERE term = ?1 AND doc = ?2", -1, &inlist, NULL),
                SQLITE_OK);
  /* an article's length: FTS5's own (its docsize row, one varint per column) */
  ASSERT_INT_EQ(sqlite3_prepare_v2(db->sql, "SELECT sz FROM article_fts_docsize WHERE id = ?1", -1, &dl, NULL), SQLITE_OK);
  int checked = 0;
  while (sqlite3_step(terms) == SQLITE_ROW) {
    const char *t = (const char *)sqlite3_column_text(terms, 0);
    int64_t df = sqlite3_column_int64(terms, 1), docs = 0;
    double floor = sqlite3_column_double(terms, 3), aref = sqlite3_column_double(terms, 4);
    sqlite3_bind_text(inst, 1, t, -1, SQLITE_TRANSIENT);
    while (sqlite3_step(inst) == SQLITE_ROW) {
      int64_t doc = sqlite3_column_int64(inst, 0);
      double d = sqlite3_column_double(inst, 1);
      docs++;
      sqlite3_bind_text(inlist, 1, t, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64(inlist, 2, doc);
      int listed = sqlite3_step(inlist) == SQLITE_ROW;
      sqlite3_reset(inlist);
      if (listed) continue;
      sqlite3_bind_int64(dl, 1, doc);
      ASSERT_INT_EQ(sqlite3_step(dl), SQLITE_ROW);
      double l = docsize_sum(sqlite3_column_blob(dl, 0), sqlite3_column_bytes(dl, 0));
      sqlite3_reset(dl);
      double imp = (d * (1.2 + 1.0)) / (d + 1.2 * (1 - 0.75 + 0.75 * l / aref));
      if (imp > floor + 1e-12) FAIL("%s: article %lld weighs %.6f above the floor %.6f", t, (long long)doc, imp, floor);
    }
    sqlite3_reset(inst);
    ASSERT_INT_EQ(df, docs);
    checked++;
  }
  sqlite3_finalize(terms);
  sqlite3_finalize(inst);
  sqlite3_finalize(inlist);
  sqlite3_finalize(dl);
  ASSERT(checked >= 20);
  kh_db_close(db);
  test_rmdir(dir);
  return 0;
}

/* A file written before the lists existed (schema 5): it opens, its old
** articles are found (through FTS5), new ones go in beside them. */
TEST(champ_migrates_schema5_file) {
  const char *dir = test_tmpdir();
  char path[600];
  snprintf(path, sizeof path, "%s/v5.db", dir);
  kh_db *db;
  ASSERT_INT_EQ(kh_db_open(path, &db), 0);
  const char *title = "کراچی میں بارش", *body = "کراچی میں پیر کی صبح شروع ہونے والی موسلا دھار بارش سے کئی نشیبی علاقوں میں پانی جمع ہو گیا۔";
  for (int i = 0; i < 30; i++) {
    char id[16];
    snprintf(id, sizeof id, "old-%d", i);
    char b[600];
    snprintf(b, sizeof b, "%s %d", body, i);
    kh_article a = {0};
    a.id = id, a.id_len = strlen(id), a.title = title, a.title_len = strlen(title), a.body = b, a.body_len = strlen(b);
    ASSERT_INT_EQ(kh_db_put_article(db, &a, NULL), 0);
  }
  kh_db_close(db);
  /* make it the file an older khabar wrote: no step 6 */
  sqlite3 *raw;
  ASSERT_INT_EQ(sqlite3_open(path, &raw), SQLITE_OK);
  ASSERT_INT_EQ(kh_fts5_register(raw), 0);
  ASSERT_INT_EQ(sqlite3_exec(raw,
                             "DROP TABLE search_term; DROP TABLE search_champ; DROP TABLE search_fwd;"
                             " DROP TABLE search_meta; PRAGMA user_version = 5;",
                             NULL, NULL, NULL),
                SQLITE_OK);
  sqlite3_close(raw);
  ASSERT_INT_EQ(kh_db_open(path, &db), 0);
  ASSERT_INT_EQ(kh_db_schema_version(db), kh_db_schema_latest());
  ASSERT(kh_db_schema_latest() >= 6);
  sqlite3_stmt *st;
  ASSERT_INT_EQ(sqlite3_prepare_v2(db->sql, "SELECT v FROM search_meta WHERE k = 'fwd_from'", -1, &st, NULL), SQLITE_OK);
  ASSERT_INT_EQ(sqlite3_step(st), SQLITE_ROW);
  ASSERT_INT_EQ(sqlite3_column_int64(st, 0), 31); /* the 30 old articles have no forward rows */
  sqlite3_finalize(st);
  kh_article a = {0};
  a.id = "new-1", a.id_len = 5, a.title = "لاہور میں بارش", a.title_len = strlen(a.title), a.body = body, a.body_len = strlen(body);
  ASSERT_INT_EQ(kh_db_put_article(db, &a, NULL), 0);
  ASSERT_INT_EQ(kh_db_commit(db), 0);
  hits r, e;
  long before = champ_answers() - kh__champ_stat[KH__CHAMP_SCAN];
  kh_search_opts o = {0};
  o.limit = 50;
  ASSERT_INT_EQ(test_search(db, "بارش", &o, 0, &r), 0);
  ASSERT_INT_EQ(r.n, 31);
  ASSERT_INT_EQ(test_search(db, "بارش", &o, 1, &e), 0);
  for (int k = 0; k < r.n; k++) ASSERT_INT_EQ(r.rowid[k], e.rowid[k]);
  /* old articles: not from the lists (the pruned scan of FTS5's matches, topk.c, may answer) */
  ASSERT_INT_EQ(champ_answers() - kh__champ_stat[KH__CHAMP_SCAN], before);
  ASSERT_INT_EQ(sqlite3_prepare_v2(db->sql, "SELECT v FROM search_meta WHERE k = 'docs'", -1, &st, NULL), SQLITE_OK);
  ASSERT_INT_EQ(sqlite3_step(st), SQLITE_ROW);
  ASSERT_INT_EQ(sqlite3_column_int64(st, 0), 1); /* the new article is counted */
  sqlite3_finalize(st);
  /* no lists in such a file, so no forward rows */
  ASSERT_INT_EQ(sqlite3_prepare_v2(db->sql, "SELECT count(*) FROM search_fwd", -1, &st, NULL), SQLITE_OK);
  ASSERT_INT_EQ(sqlite3_step(st), SQLITE_ROW);
  ASSERT_INT_EQ(sqlite3_column_int64(st, 0), 0);
  sqlite3_finalize(st);
  kh_db_close(db);
  test_rmdir(dir);
  return 0;
}

/* The forward row of one article computed here from its stored text,
** independently of champ.c: the query keys among the index terms (a
** token's normalized form when it is its own light stem, else a word's stem
** when that is its own), stopwords left out, d = 4 per title
** occurrence + 1 per body occurrence; (hash32, d) pairs sorted by hash. */
typedef struct fpair {
  uint32_t h, d;
} fpair;

static int cmp_fpair(const void *a, const void *b) {
  const fpair *x = a, *y = b;
  return x->h < y->h ? -1 : x->h > y->h;
}

/* the light stem of t[0..len) is t itself (or there is none) */
static int own_stem(const char *t, size_t len) {
  char s[KH_MAX_TOKEN + 1];
  int sl = kh_stem(t, len, s, sizeof s);
  return sl <= 0 || ((size_t)sl == len && !memcmp(s, t, len));
}

static void fwd_add(fpair *p, int *n, const char *t, size_t len, uint32_t w) {
  if (kh_is_stopword(t, len)) return;
  uint64_t h64 = kh__term_hash(t, len);
  uint32_t h = (uint32_t)(h64 ^ (h64 >> 32));
  for (int i = 0; i < *n; i++)
    if (p[i].h == h) {
      p[i].d += w;
      return;
    }
  p[(*n)++] = (fpair){h, w};
}

static int fwd_expected(kh_db *db, int64_t rowid, fpair *p, int cap, uint32_t *dl) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db->sql, "SELECT title, body FROM article WHERE rowid = ?1", -1, &st, NULL)) return -1;
  sqlite3_bind_int64(st, 1, rowid);
  int n = 0;
  *dl = 0;
  if (sqlite3_step(st) == SQLITE_ROW) {
    for (int col = 0; col < 2; col++) {
      kh__tokcache c = {0};
      const char *text = (const char *)sqlite3_column_text(st, col);
      if (kh__tokcache_fill(&c, text, (size_t)sqlite3_column_bytes(st, col))) n = -1;
      for (size_t k = 0; n >= 0 && k < c.n && n + 2 < cap; k++) {
        const char *t = c.norms.data + c.v[k].off;
        if (!(c.v[k].flags & KH_TOKF_COLOC) || k == 0) (*dl)++;
        /* a form that is its own stem counts; otherwise a word's stem does, if it is its own */
        char s[KH_MAX_TOKEN + 1];
        if (own_stem(t, c.v[k].len)) fwd_add(p, &n, t, c.v[k].len, col ? 1 : 4);
        else if (c.v[k].kind == KH_TOK_WORD) {
          int sl = kh_stem(t, c.v[k].len, s, sizeof s);
          if (own_stem(s, (size_t)sl)) fwd_add(p, &n, s, (size_t)sl, col ? 1 : 4);
        }
      }
      kh__tokcache_free(&c);
    }
  }
  sqlite3_finalize(st);
  if (n > 0) qsort(p, (size_t)n, sizeof *p, cmp_fpair);
  return n;
}

/* Every article of a list has a forward row (the query reads them for AND
** and scores), written from the batch in memory or from the stored text
** when a build picks an older article, and each row equals the one
** computed from the text. */
static int forward_rows_check(int64_t threshold);

TEST(champ_forward_rows_of_list_articles_equal_their_text) {
  if (!test_data_dir()) SKIP("../shared/data absent");
  return forward_rows_check(100);
}

/* With a threshold of 1500 no term is counted for the first ~500 articles
** and no forward row is written for the first ~1500: lists take such
** articles all the same, and their rows are made from the stored text. */
TEST(champ_forward_rows_made_from_text_for_early_articles) {
  if (!test_data_dir()) SKIP("../shared/data absent");
  return forward_rows_check(1500);
}

static int forward_rows_check(int64_t threshold) {
  const char *dir = test_tmpdir();
  kh_db *db = test_real_db(dir, threshold);
  ASSERT(db);
  sqlite3_stmt *st;
  ASSERT_INT_EQ(sqlite3_prepare_v2(db->sql, "SELECT count(DISTINCT doc), (SELECT count(*) FROM search_champ c"
                                            " WHERE NOT EXISTS (SELECT 1 FROM search_fwd f WHERE f.rowid = c.doc))"
                                            " FROM search_champ", -1, &st, NULL), SQLITE_OK);
  ASSERT_INT_EQ(sqlite3_step(st), SQLITE_ROW);
  int64_t listed = sqlite3_column_int64(st, 0), missing = sqlite3_column_int64(st, 1);
  sqlite3_finalize(st);
  ASSERT(listed > (threshold > 1000 ? 100 : 1000));
  ASSERT_INT_EQ(missing, 0);
  if (threshold > 1000) { /* some list took an article stored before the rows were written */
    ASSERT_INT_EQ(sqlite3_prepare_v2(db->sql, "SELECT count(*) FROM search_champ WHERE doc < 1000", -1, &st, NULL), SQLITE_OK);
    ASSERT_INT_EQ(sqlite3_step(st), SQLITE_ROW);
    int64_t early = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    ASSERT(early > 0);
  }
  /* every 7th forward row, compared with its text */
  ASSERT_INT_EQ(sqlite3_prepare_v2(db->sql, threshold > 1000 ? "SELECT rowid, dl, terms FROM search_fwd WHERE rowid <= 1000"
                                                           : "SELECT rowid, dl, terms FROM search_fwd WHERE rowid % 7 = 0", -1, &st, NULL),
                SQLITE_OK);
  static fpair p[1 << 16];
  int rows = 0, nwide = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    int64_t rowid = sqlite3_column_int64(st, 0);
    uint32_t dl = 0;
    int n = fwd_expected(db, rowid, p, 1 << 16, &dl);
    ASSERT(n > 0);
    ASSERT_INT_EQ(sqlite3_column_int64(st, 1), dl);
    /* packed (byte 3, fwdrow.c) unless two hashes share their low 24 bits;
    ** then wide (byte 2, 4 + 4 bytes a pair, sorted by hash32) */
    const unsigned char *b = sqlite3_column_blob(st, 2);
    size_t nb = (size_t)sqlite3_column_bytes(st, 2);
    int wide = 0;
    for (int i = 0; i < n; i++) p[i].h &= 0xFFFFFF;
    qsort(p, (size_t)n, sizeof *p, cmp_fpair);
    for (int i = 1; i < n && !wide; i++) wide = p[i].h == p[i - 1].h;
    if (wide) fwd_expected(db, rowid, p, 1 << 16, &dl); /* full hashes again */
    ASSERT_INT_EQ(nb % 2, 1);
    ASSERT_INT_EQ(b[0], wide ? 2 : 3);
    if (wide) {
      qsort(p, (size_t)n, sizeof *p, cmp_fpair);
      ASSERT_INT_EQ(nb, 1 + (size_t)n * 8);
      for (int i = 0; i < n; i++) {
        uint32_t h = 0, d = 0;
        for (int j = 0; j < 4; j++) h |= (uint32_t)b[1 + i * 8 + j] << (8 * j), d |= (uint32_t)b[5 + i * 8 + j] << (8 * j);
        if (h != p[i].h || d != p[i].d) FAIL("article %lld: pair %d is (%u, %u), from the text (%u, %u)", (long long)rowid, i, h, d, p[i].h, p[i].d);
      }
    } else {
      ASSERT_INT_EQ((b[1] & 0x7F) | (b[1] & 0x80 ? b[2] << 7 : 0), n); /* the pair count (LEB128; n < 2^14 here) */
      ASSERT(n < 16 || nb < 1 + (size_t)n * 4); /* smaller than the narrow layout's 4 bytes a pair */
      for (int i = 0; i < n; i++) {
        int32_t d = kh__fwd_find(b, nb, p[i].h);
        if (d != (int32_t)p[i].d) FAIL("article %lld: pair %d (%06x) reads d %d, from the text %u", (long long)rowid, i, p[i].h, d, p[i].d);
        /* a value between two of the row's is absent */
        if (i + 1 < n && p[i + 1].h > p[i].h + 1) ASSERT_INT_EQ(kh__fwd_find(b, nb, p[i].h + 1), -1);
      }
    }
    nwide += wide;
    rows++;
  }
  sqlite3_finalize(st);
  ASSERT(rows > (threshold > 1000 ? 10 : 100));
  ASSERT(nwide < rows); /* most rows are narrow */
  kh_db_close(db);
  test_rmdir(dir);
  return 0;
}

/* searches answered from the lists alone (not by the scan) */
static long from_lists_only(void) { return kh__champ_stat[KH__CHAMP_EXACT] - kh__champ_stat[KH__CHAMP_SCAN]; }

/* The query keys of one article with their d, as strings (fwd_expected's
** terms before hashing). */
typedef struct kterm {
  char t[KH_MAX_TOKEN + 1];
  size_t n;
  int32_t d;
} kterm;

static void kt_add(kterm *v, int *n, int cap, const char *t, size_t len, int32_t w) {
  if (kh_is_stopword(t, len) || len > KH_MAX_TOKEN) return;
  for (int i = 0; i < *n; i++)
    if (v[i].n == len && !memcmp(v[i].t, t, len)) {
      v[i].d += w;
      return;
    }
  if (*n == cap) return;
  memcpy(v[*n].t, t, len);
  v[*n].n = len;
  v[(*n)++].d = w;
}

static int key_terms(kh_db *db, int64_t rowid, kterm *v, int cap) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db->sql, "SELECT title, body FROM article WHERE rowid = ?1", -1, &st, NULL)) return -1;
  sqlite3_bind_int64(st, 1, rowid);
  int n = 0;
  if (sqlite3_step(st) == SQLITE_ROW) {
    for (int col = 0; col < 2; col++) {
      kh__tokcache c = {0};
      if (kh__tokcache_fill(&c, (const char *)sqlite3_column_text(st, col), (size_t)sqlite3_column_bytes(st, col))) n = -1;
      for (size_t k = 0; n >= 0 && k < c.n; k++) {
        const char *t = c.norms.data + c.v[k].off;
        char s[KH_MAX_TOKEN + 1];
        if (own_stem(t, c.v[k].len)) kt_add(v, &n, cap, t, c.v[k].len, col ? 1 : 4);
        else if (c.v[k].kind == KH_TOK_WORD) {
          int sl = kh_stem(t, c.v[k].len, s, sizeof s);
          if (own_stem(s, (size_t)sl)) kt_add(v, &n, cap, s, (size_t)sl, col ? 1 : 4);
        }
      }
      kh__tokcache_free(&c);
    }
  }
  sqlite3_finalize(st);
  return n;
}

/* Every key term of sampled articles reads back its d from the forward
** row (kh__champ_fwd_d, the query's reader), and frequent words absent from
** the article read -1 (bar a rare hash collision). */
static int weights_check(kh_db *db, char (*w)[128], int nw, long *looked, long *false_hits) {
  sqlite3_stmt *st;
  ASSERT_INT_EQ(sqlite3_prepare_v2(db->sql, "SELECT rowid FROM search_fwd WHERE rowid % 11 = 0", -1, &st, NULL), SQLITE_OK);
  static kterm v[4096];
  int rows = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    int64_t doc = sqlite3_column_int64(st, 0);
    int n = key_terms(db, doc, v, 4096);
    ASSERT(n > 0);
    for (int i = 0; i < n; i++) {
      int32_t d;
      ASSERT_INT_EQ(kh__champ_fwd_d(db, doc, v[i].t, v[i].n, &d), 0);
      if (d != v[i].d) FAIL("article %lld: %.*s reads %d, from the text %d", (long long)doc, (int)v[i].n, v[i].t, d, v[i].d);
    }
    for (int j = 0; j < nw; j++) {
      int in = 0;
      for (int i = 0; i < n && !in; i++) in = v[i].n == strlen(w[j]) && !memcmp(v[i].t, w[j], v[i].n);
      if (in) continue;
      int32_t d;
      ASSERT_INT_EQ(kh__champ_fwd_d(db, doc, w[j], strlen(w[j]), &d), 0);
      (*looked)++;
      *false_hits += d >= 0;
    }
    rows++;
  }
  sqlite3_finalize(st);
  return rows;
}

/* Forward rows, packed or wide, give each key term's d; rows of files
** written by older khabar too (narrow, and 8 bytes a pair without a layout
** byte): every row of the file rewritten so, from the text, reads the same,
** and 2-word queries give the same pages, as many from the lists. */
TEST(champ_forward_rows_give_term_weights_in_every_layout) {
  if (!test_data_dir()) SKIP("../shared/data absent");
  const char *dir = test_tmpdir();
  kh_db *db = test_real_db(dir, 100);
  ASSERT(db);
  static char w[80][128];
  int nw = list_words(db, w, 80);
  ASSERT(nw >= 40);
  /* the layouts written */
  sqlite3_stmt *st, *up;
  ASSERT_INT_EQ(sqlite3_prepare_v2(db->sql, "SELECT sum(length(terms) % 2 = 1 AND substr(terms, 1, 1) = x'03'),"
                                            " sum(length(terms) % 2 = 1 AND substr(terms, 1, 1) = x'02'), count(*) FROM search_fwd",
                                   -1, &st, NULL), SQLITE_OK);
  ASSERT_INT_EQ(sqlite3_step(st), SQLITE_ROW);
  int64_t packed = sqlite3_column_int64(st, 0), wide = sqlite3_column_int64(st, 1), all = sqlite3_column_int64(st, 2);
  sqlite3_finalize(st);
  ASSERT_INT_EQ(packed + wide, all);
  ASSERT(packed > all / 2);
  long looked = 0, false_hits = 0;
  int rows = weights_check(db, w, nw, &looked, &false_hits);
  ASSERT(rows > 100);
  ASSERT(false_hits * 1000 <= looked); /* 24-bit hashes: about 2e-5 a lookup */
  static hits before[40];
  long l0 = from_lists_only();
  kh_search_opts o = {0};
  o.limit = 10;
  o.no_rerank = 1;
  for (int i = 0; i < 40; i++) {
    char q[300];
    snprintf(q, sizeof q, "%.127s %.127s", w[i], w[(i * 7 + 1) % nw]);
    ASSERT_INT_EQ(test_search(db, q, &o, 0, &before[i]), 0);
  }
  long lists_before = from_lists_only() - l0;
  /* every row in an older layout: odd rows narrow (byte 1, 24-bit hash +
  ** 1-byte d, sorted) where they can be, the others 8 bytes a pair */
  ASSERT_INT_EQ(sqlite3_prepare_v2(db->sql, "SELECT rowid FROM search_fwd", -1, &st, NULL), SQLITE_OK);
  ASSERT_INT_EQ(sqlite3_prepare_v2(db->sql, "UPDATE search_fwd SET terms = ?2 WHERE rowid = ?1", -1, &up, NULL), SQLITE_OK);
  static int64_t ids[1 << 16];
  int nids = 0;
  while (nids < (1 << 16) && sqlite3_step(st) == SQLITE_ROW) ids[nids++] = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  ASSERT(nids > 1000);
  static fpair p[1 << 16];
  static unsigned char row[8 << 16];
  int nnarrow = 0;
  for (int r = 0; r < nids; r++) {
    uint32_t dl;
    int n = fwd_expected(db, ids[r], p, 1 << 16, &dl);
    ASSERT(n > 0);
    int len = n * 8, narrow = r % 2;
    for (int i = 0; i < n; i++) narrow &= p[i].d < 256;
    if (narrow) {
      for (int i = 0; i < n; i++) p[i].h &= 0xFFFFFF;
      qsort(p, (size_t)n, sizeof *p, cmp_fpair);
      for (int i = 1; i < n && narrow; i++) narrow = p[i].h != p[i - 1].h;
    }
    if (narrow) {
      row[0] = 1;
      for (int i = 0; i < n; i++)
        for (int j = 0; j < 4; j++) row[1 + 4 * i + j] = (unsigned char)(j < 3 ? p[i].h >> (8 * j) : p[i].d);
      len = 1 + 4 * n;
      nnarrow++;
    } else {
      if (r % 2) fwd_expected(db, ids[r], p, 1 << 16, &dl); /* full hashes again */
      for (int i = 0; i < n; i++)
        for (int j = 0; j < 4; j++) row[8 * i + j] = (unsigned char)(p[i].h >> (8 * j)), row[8 * i + 4 + j] = (unsigned char)(p[i].d >> (8 * j));
    }
    sqlite3_bind_int64(up, 1, ids[r]);
    sqlite3_bind_blob(up, 2, row, len, SQLITE_STATIC);
    ASSERT_INT_EQ(sqlite3_step(up), SQLITE_DONE);
    sqlite3_reset(up);
  }
  sqlite3_finalize(up);
  ASSERT(nnarrow > nids / 4);
  long looked2 = 0, false_hits2 = 0;
  ASSERT_INT_EQ(weights_check(db, w, nw, &looked2, &false_hits2), rows);
  ASSERT(false_hits2 * 1000 <= looked2);
  long l1 = from_lists_only();
  for (int i = 0; i < 40; i++) {
    char q[300];
    snprintf(q, sizeof q, "%.127s %.127s", w[i], w[(i * 7 + 1) % nw]);
    hits a;
    ASSERT_INT_EQ(test_search(db, q, &o, 0, &a), 0);
    ASSERT_INT_EQ(a.n, before[i].n);
    for (int k = 0; k < a.n; k++)
      if (a.rowid[k] != before[i].rowid[k] || a.score[k] != before[i].score[k])
        FAIL("%s: rank %d is %lld (%.12f), before the rewrite %lld (%.12f)", q, k, (long long)a.rowid[k], a.score[k],
             (long long)before[i].rowid[k], before[i].score[k]);
  }
  if (getenv("CHAMP_VERBOSE"))
    fprintf(stderr, "  rows: %lld packed, %lld wide; %d rows checked; absent words: %ld of %ld hit, older layouts %ld of %ld;"
            " %ld of 40 from the lists, %ld after the rewrite\n", (long long)packed, (long long)wide, rows, false_hits, looked,
            false_hits2, looked2, lists_before, from_lists_only() - l1);
  ASSERT(lists_before > 0);
  ASSERT_INT_EQ(from_lists_only() - l1, lists_before);
  kh_db_close(db);
  test_rmdir(dir);
  return 0;
}

/* Put n articles of pk-news-2024 from line `from` on, each body written
** `times` times (longer articles move the average length, so lists are
** built again), ids prefixed by tag; 0 or the first failing put's code. */
static int put_lines(kh_db *db, const char *tag, int from, int n, int times) {
  size_t len;
  char *all = test_read_data("pk-news-2024/pk-news-2024.jsonl", &len);
  if (!all) return -1;
  int rc = 0, line = 0, done = 0;
  kh__buf body = {0};
  for (char *p = all; rc == 0 && done < n && p < all + len; line++) {
    char *e = memchr(p, '\n', (size_t)(all + len - p));
    if (!e) e = all + len;
    *e = '\0';
    if (line >= from) {
      kh_article a = {0};
      /* title and body straight from the JSON line (jansson) */
      json_t *o = json_loads(p, 0, NULL);
      const char *t = o ? json_string_value(json_object_get(o, "title")) : NULL;
      const char *b = o ? json_string_value(json_object_get(o, "body")) : NULL;
      if (t && b) {
        body.len = 0;
        for (int k = 0; k < times; k++) {
          kh__buf_appends(&body, b, &rc);
          kh__buf_appendc(&body, ' ', &rc);
        }
        char id[64];
        snprintf(id, sizeof id, "%s-%d", tag, line);
        a.id = id, a.id_len = strlen(id);
        a.title = t, a.title_len = strlen(t);
        a.body = body.data, a.body_len = body.len;
        if (!rc && (rc = kh_db_put_article(db, &a, NULL)) == KH_DUPLICATE) rc = 0;
        done++;
      }
      json_decref(o);
    }
    p = e + 1;
  }
  kh__buf_free(&body);
  free(all);
  return rc;
}

/* The article lengths a connection keeps in memory for its builds
** (champ.c dl_note) forget a rolled-back batch: another connection may
** store its own articles under those rowids.  Every list entry's length
** must then be FTS5's (its docsize row), also for the other connection's
** long articles that the first one's rebuilt lists take. */
TEST(champ_lengths_kept_forget_a_rolled_back_batch) {
  if (!test_data_dir()) SKIP("../shared/data absent");
  const char *dir = test_tmpdir();
  char path[600];
  snprintf(path, sizeof path, "%s/dl.db", dir);
  kh_db *a, *b;
  ASSERT_INT_EQ(kh_db_open(path, &a), 0);
  kh__champ_set_threshold(a, 100);
  kh__db_set_batch(a, 5000);
  ASSERT_INT_EQ(put_lines(a, "a", 0, 2100, 1), 0); /* a window (2,000 articles) finds the frequent terms */
  ASSERT_INT_EQ(kh_db_commit(a), 0);
  ASSERT_INT_EQ(kh__champ_build_all(a), 0);
  ASSERT(test_sql_int(a, "SELECT count(*) FROM search_term WHERE state = 1") > 20);
  /* 40 articles three times their length, rolled back */
  ASSERT_INT_EQ(put_lines(a, "gone", 2100, 40, 3), 0);
  kh__db_rollback(a);
  /* the other connection stores 40 others, six times their length, at those rowids */
  ASSERT_INT_EQ(kh_db_open(path, &b), 0);
  kh__champ_set_threshold(b, 100);
  ASSERT_INT_EQ(put_lines(b, "b", 2200, 40, 6), 0);
  kh_db_close(b);
  /* the first connection goes on: its lists are rebuilt (the average length moved) */
  ASSERT_INT_EQ(put_lines(a, "a", 2300, 40, 1), 0);
  ASSERT_INT_EQ(kh_db_commit(a), 0);
  ASSERT_INT_EQ(kh__champ_build_all(a), 0);
  sqlite3_stmt *st, *ds;
  ASSERT_INT_EQ(sqlite3_prepare_v2(a->sql, "SELECT term, doc, dl FROM search_champ", -1, &st, NULL), SQLITE_OK);
  ASSERT_INT_EQ(sqlite3_prepare_v2(a->sql, "SELECT sz FROM article_fts_docsize WHERE id = ?1", -1, &ds, NULL), SQLITE_OK);
  long rows = 0, other = 0;
  int64_t lo = test_sql_int(a, "SELECT min(rowid) FROM article WHERE id LIKE 'b-%'");
  ASSERT(lo > 2000);
  while (sqlite3_step(st) == SQLITE_ROW) {
    int64_t doc = sqlite3_column_int64(st, 1);
    sqlite3_bind_int64(ds, 1, doc);
    ASSERT_INT_EQ(sqlite3_step(ds), SQLITE_ROW);
    double l = docsize_sum(sqlite3_column_blob(ds, 0), sqlite3_column_bytes(ds, 0));
    sqlite3_reset(ds);
    if (sqlite3_column_int64(st, 2) != (int64_t)l)
      FAIL("%s: article %lld listed with length %lld, FTS5's is %.0f", (const char *)sqlite3_column_text(st, 0),
           (long long)doc, (long long)sqlite3_column_int64(st, 2), l);
    rows++;
    other += doc >= lo && doc < lo + 40;
  }
  sqlite3_finalize(st);
  sqlite3_finalize(ds);
  if (getenv("CHAMP_VERBOSE")) fprintf(stderr, "  %ld list entries, %ld of the other connection's articles\n", rows, other);
  ASSERT(rows > 1000);
  ASSERT(other > 20); /* the case this test is for */
  kh_db_close(a);
  test_rmdir(dir);
  return 0;
}
