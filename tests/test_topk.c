/*
** test_topk.c — the exact top k of kh_search (src/store/champ.c query side,
** src/store/topk.c) on real Urdu: for 1-, 2- and 3-word queries of
** frequent and rare words, phrases, OR, NOT and prefixes, with and without
** filters, the hits and scores equal FTS5's own ORDER BY rank (the search
** with KHABAR_NO_CHAMP=1) up to the order of equal scores; with the
** proximity re-ranking on, the final pages are identical; a forward row
** that claims a word its article lacks is caught by the FTS5 check; the
** lists' candidates read a bounded number of forward rows.  The
** impact tiers (src/store/tiers.c): their rows hold exactly the articles
** and d that article_fts gives, searches through them (certified, checked
** from the tiers' OR, or completed by the full pass) equal FTS5's, also
** for a file upgraded from schema 6 whose older articles have no tiers.
*/
#include "test.h"
#include "search_util.h"

#include "../src/store/store.h"

#include <math.h>
#include <stdlib.h>
#include <unistd.h>

/* n index terms that are their own stem, from sql (one text column). */
static int words_of(kh_db *db, const char *sql, char (*w)[128], int max) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL)) return -1;
  int n = 0;
  while (n < max && sqlite3_step(st) == SQLITE_ROW) {
    const char *t = (const char *)sqlite3_column_text(st, 0);
    size_t len = (size_t)sqlite3_column_bytes(st, 0);
    char s[KH_MAX_TOKEN + 1];
    int sl = kh_stem(t, len, s, sizeof s);
    if (len < 4 || len >= sizeof w[0] || kh_is_stopword(t, len) || (sl > 0 && ((size_t)sl != len || memcmp(s, t, len))))
      continue;
    memcpy(w[n], t, len);
    w[n++][len] = '\0';
  }
  sqlite3_finalize(st);
  return n;
}

static int same_score(double a, double b) { return fabs(a - b) <= 1e-12 * (fabs(b) > 1 ? fabs(b) : 1); }

/* temp.NAME: the vocabulary ('row') of the articles as tokenize='khabar'
** indexes them (a word and its stem colocated), in a contentless shadow
** temp.NAME_t.  article_fts of a new file ('khabar stemonly') holds a word
** whose stem differs only under the stem; tests that type such words pick
** them here.  0 or an SQLite code. */
static int form_vocab(kh_db *db, const char *name) {
  char sql[600];
  snprintf(sql, sizeof sql,
           "CREATE VIRTUAL TABLE temp.%s_t USING fts5(title, body, content='', tokenize='khabar');"
           "INSERT INTO temp.%s_t(rowid, title, body) SELECT rowid, title, body FROM main.article;"
           "CREATE VIRTUAL TABLE temp.%s USING fts5vocab(temp, %s_t, row);",
           name, name, name, name);
  return sqlite3_exec(db->sql, sql, NULL, NULL, NULL);
}

/* a equals e: same length, same scores, same articles except among equal scores. */
static int equal_pages(const char *q, const hits *a, const hits *e) {
  if (a->n != e->n) {
    fprintf(stderr, "  %s: %d hits, FTS5 %d\n", q, a->n, e->n);
    return 0;
  }
  for (int k = 0; k < a->n; k++) {
    if (!same_score(a->score[k], e->score[k])) {
      fprintf(stderr, "  %s: rank %d score %.15g, FTS5 %.15g\n", q, k, a->score[k], e->score[k]);
      return 0;
    }
    int tie = (k > 0 && same_score(e->score[k], e->score[k - 1])) || (k + 1 < e->n && same_score(e->score[k], e->score[k + 1]));
    if (!tie && a->rowid[k] != e->rowid[k]) {
      fprintf(stderr, "  %s: rank %d is %lld, FTS5 %lld\n", q, k, (long long)a->rowid[k], (long long)e->rowid[k]);
      return 0;
    }
  }
  return 1;
}

static long stat_of(int i) { return kh__champ_stat[i]; }

TEST(topk_equals_fts5_rank_real_data) {
  if (!test_data_dir()) SKIP("../shared/data absent");
  const char *dir = test_tmpdir();
  kh_db *db = test_real_db(dir, 100);
  ASSERT(db);
  /* frequent words (with lists) and rare ones (without), mixed */
  static char fw[90][128], rw[90][128];
  int nf = words_of(db, "SELECT term FROM search_term WHERE state = 1 ORDER BY df DESC", fw, 90);
  ASSERT(nf >= 60);
  ASSERT_INT_EQ(sqlite3_exec(db->sql, "CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, article_fts, row)", NULL, NULL, NULL),
                SQLITE_OK);
  int nr = words_of(db, "SELECT term FROM temp.v WHERE doc BETWEEN 5 AND 60 ORDER BY cnt % 97, term", rw, 90);
  ASSERT(nr >= 60);
  long lists0 = stat_of(KH__CHAMP_EXACT) - stat_of(KH__CHAMP_SCAN), scan0 = stat_of(KH__CHAMP_SCAN);
  int queries = 0, nonempty = 0;
  for (int i = 0; i < 60; i++) {
    char q[8][600];
    int nq = 0;
    snprintf(q[nq++], sizeof q[0], "%s", fw[i]);
    snprintf(q[nq++], sizeof q[0], "%s", rw[i]);
    snprintf(q[nq++], sizeof q[0], "%s %s", fw[i], fw[(i + 7) % nf]);
    snprintf(q[nq++], sizeof q[0], "%s %s", fw[i], rw[i]);
    snprintf(q[nq++], sizeof q[0], "%s %s %s", fw[i], fw[(i + 3) % nf], fw[(i + 11) % nf]);
    snprintf(q[nq++], sizeof q[0], "%s %s %s", fw[i], fw[(i + 5) % nf], rw[i]);
    /* not plain words: the scan reads FTS5's own expression */
    snprintf(q[nq++], sizeof q[0], i % 2 ? "(%s OR %s) %s" : "%s NOT %s %s", fw[i], rw[i], fw[(i + 13) % nf]);
    snprintf(q[nq++], sizeof q[0], i % 2 ? "\"%s %s\"" : "%.6s* %s", fw[i], fw[(i + 1) % nf]);
    for (int j = 0; j < nq; j++) {
      for (int limit = 10; limit <= 30; limit += 20) {
        hits a, e;
        kh_search_opts o = {0};
        o.limit = limit;
        o.no_rerank = 1; /* BM25 order itself */
        ASSERT_INT_EQ(test_search(db, q[j], &o, 0, &a), 0);
        ASSERT_INT_EQ(test_search(db, q[j], &o, 1, &e), 0);
        if (!equal_pages(q[j], &a, &e)) FAIL("%s (limit %d) differs from FTS5", q[j], limit);
        queries++;
        nonempty += a.n > 0;
      }
    }
  }
  long lists = stat_of(KH__CHAMP_EXACT) - stat_of(KH__CHAMP_SCAN) - lists0, scans = stat_of(KH__CHAMP_SCAN) - scan0;
  if (getenv("TOPK_VERBOSE"))
    fprintf(stderr, "  %d queries (%d with hits): %ld from the lists, %ld by the scan\n", queries, nonempty, lists, scans);
  /* both ways were taken, and nearly every query by one of them */
  ASSERT(lists >= 40);
  ASSERT(scans >= 400);
  ASSERT(lists + scans >= queries * 9 / 10);
  ASSERT(nonempty >= queries * 3 / 4);
  kh_db_close(db);
  test_rmdir(dir);
  return 0;
}

/* With the proximity re-ranking on, kh_search re-ranks the same 30
** candidates either way, so the pages are identical. */
TEST(topk_reranked_pages_identical_real_data) {
  if (!test_data_dir()) SKIP("../shared/data absent");
  const char *dir = test_tmpdir();
  kh_db *db = test_real_db(dir, 100);
  ASSERT(db);
  static char fw[60][128];
  int nf = words_of(db, "SELECT term FROM search_term WHERE state = 1 ORDER BY df DESC", fw, 60);
  ASSERT(nf >= 40);
  for (int i = 0; i < 40; i++) {
    char q[600];
    snprintf(q, sizeof q, i % 3 ? "%s %s" : "%s %s %s", fw[i], fw[(i + 9) % nf], fw[(i + 17) % nf]);
    hits a, e;
    kh_search_opts o = {0};
    o.limit = 10;
    ASSERT_INT_EQ(test_search(db, q, &o, 0, &a), 0);
    ASSERT_INT_EQ(test_search(db, q, &o, 1, &e), 0);
    if (!equal_pages(q, &a, &e)) FAIL("%s: re-ranked page differs", q);
  }
  kh_db_close(db);
  test_rmdir(dir);
  return 0;
}

TEST(topk_filters_real_data) {
  if (!test_data_dir()) SKIP("../shared/data absent");
  const char *dir = test_tmpdir();
  kh_db *db = test_real_db(dir, 100);
  ASSERT(db);
  static char fw[40][128];
  int nf = words_of(db, "SELECT term FROM search_term WHERE state = 1 ORDER BY df DESC", fw, 40);
  ASSERT(nf >= 30);
  const char *sources[] = {"samaa", "express", "APP", NULL};
  int nonempty = 0;
  for (int i = 0; i < 30; i++) {
    for (int s = 0; s < 4; s++) {
      char q[600];
      snprintf(q, sizeof q, "%.127s %.127s", fw[i], fw[(i + 4) % nf]);
      kh_search_opts o = {0};
      o.limit = 10;
      o.no_rerank = 1;
      o.source = sources[s];
      if (s == 3) o.since = "2014-06-01", o.until = "2014-12-31";
      hits a, e;
      ASSERT_INT_EQ(test_search(db, q, &o, 0, &a), 0);
      ASSERT_INT_EQ(test_search(db, q, &o, 1, &e), 0);
      if (!equal_pages(q, &a, &e)) {
        for (int z = 0; z < a.n || z < e.n; z++) fprintf(stderr, "   %d: %lld %.6f | %lld %.6f\n", z, (long long)a.rowid[z], a.score[z], (long long)e.rowid[z], e.score[z]);
        FAIL("%s: filtered page %d differs", q, s);
      }
      nonempty += a.n > 0;
    }
  }
  ASSERT(nonempty >= 60);
  kh_db_close(db);
  test_rmdir(dir);
  return 0;
}

/* The lists' candidates of several words are completed from their forward
** rows in order of their bound, at most kh__champ_fwd_budget rows a query
** (< 0: every one that can still matter): with no row read, a few, or all,
** and with a source filter, every page equals FTS5's; a budget is kept;
** unbounded, some queries of several words are certified from the lists. */
TEST(topk_list_reads_bounded_equal_fts5) {
  if (!test_data_dir()) SKIP("../shared/data absent");
  const char *dir = test_tmpdir();
  kh_db *db = test_real_db(dir, 100);
  ASSERT(db);
  static char fw[40][128];
  int nf = words_of(db, "SELECT term FROM search_term WHERE state = 1 ORDER BY df DESC", fw, 40);
  ASSERT(nf >= 30);
  long keep = kh__champ_fwd_budget, budgets[] = {-1, 0, 8};
  long certified = 0, reads = 0;
  for (int b = 0; b < 3; b++) {
    kh__champ_fwd_budget = budgets[b];
    for (int i = 0; i < 30; i++) {
      char q[600];
      if (i % 3) snprintf(q, sizeof q, "%.127s %.127s", fw[i], fw[(i + 1) % nf]);
      else snprintf(q, sizeof q, "%.127s %.127s %.127s", fw[i], fw[(i + 1) % nf], fw[(i + 2) % nf]);
      for (int f = 0; f < 4; f++) {
        kh_search_opts o = {0};
        o.limit = f % 2 ? 30 : 10;
        o.no_rerank = 1;
        if (f >= 2) o.source = "express";
        hits a, e;
        long r0 = kh__champ_fwd_read, l0 = stat_of(KH__CHAMP_EXACT) - stat_of(KH__CHAMP_SCAN);
        ASSERT_INT_EQ(test_search(db, q, &o, 0, &a), 0);
        long r = kh__champ_fwd_read - r0, l = stat_of(KH__CHAMP_EXACT) - stat_of(KH__CHAMP_SCAN) - l0;
        ASSERT_INT_EQ(test_search(db, q, &o, 1, &e), 0);
        if (!equal_pages(q, &a, &e)) FAIL("%s (budget %ld, limit %d, filter %d) differs from FTS5", q, budgets[b], o.limit, f >= 2);
        if (budgets[b] >= 0) ASSERT(r <= budgets[b]);
        if (budgets[b] < 0) certified += l, reads += r;
      }
    }
  }
  kh__champ_fwd_budget = keep;
  if (getenv("TOPK_VERBOSE")) fprintf(stderr, "  unbounded: %ld certified from the lists, %ld rows read\n", certified, reads);
  ASSERT(certified >= 1);
  ASSERT(reads >= 1);
  kh_db_close(db);
  test_rmdir(dir);
  return 0;
}

/* Words with no kept df (champ.c): a word the tokenizer splits, which
** query.c writes as a phrase (e.g. شادی -> "شا دی"), and a word whose light
** stem is a stopword (e.g. جائیں -> جا), searched as its key.  Found in the
** real text: the phrase words among the articles' own words, the stopword
** keys among the index terms. */
static int odd_words(kh_db *db, char (*sw)[128], int *nsw, char (*ph)[128], int *nph, int max) {
  sqlite3_stmt *st;
  *nsw = *nph = 0;
  if (sqlite3_prepare_v2(db->sql, "SELECT term FROM temp.fv WHERE doc >= 3 ORDER BY (doc * 7919) % 89, term", -1, &st, NULL))
    return -1;
  while (*nsw < max && sqlite3_step(st) == SQLITE_ROW) {
    const char *t = (const char *)sqlite3_column_text(st, 0);
    size_t len = (size_t)sqlite3_column_bytes(st, 0);
    char s[KH_MAX_TOKEN + 1], *f = NULL;
    int sl = kh_stem(t, len, s, sizeof s);
    if (len < 4 || len >= 128 || sl <= 0 || ((size_t)sl == len && !memcmp(s, t, len)) || !kh_is_stopword(s, (size_t)sl) ||
        kh_is_stopword(t, len) || kh_query_to_fts5(t, len, &f, NULL, 0))
      continue;
    int plain = f[0] == '"' && strlen(f) == len + 2 && !memcmp(f + 1, t, len); /* the query is the word itself */
    kh_free(f);
    if (!plain) continue;
    memcpy(sw[*nsw], t, len);
    sw[(*nsw)++][len] = '\0';
  }
  sqlite3_finalize(st);
  if (sqlite3_prepare_v2(db->sql, "SELECT title || ' ' || body FROM article ORDER BY rowid LIMIT 600", -1, &st, NULL)) return -1;
  while (*nph < max && sqlite3_step(st) == SQLITE_ROW) {
    const char *text = (const char *)sqlite3_column_text(st, 0);
    for (const char *p = text; *p && *nph < max;) {
      p += strspn(p, " \n\t");
      size_t n = strcspn(p, " \n\t");
      char *f = NULL;
      if (n >= 4 && n < 128 && !kh_query_to_fts5(p, n, &f, NULL, 0)) {
        size_t fl = strlen(f);
        /* one quoted string holding a space: a phrase */
        int phrase = fl > 2 && f[0] == '"' && f[fl - 1] == '"' && !memchr(f + 1, '"', fl - 2) && memchr(f, ' ', fl);
        for (int j = 0; j < *nph && phrase; j++) phrase = strlen(ph[j]) != n || memcmp(ph[j], p, n);
        if (phrase) {
          memcpy(ph[*nph], p, n);
          ph[(*nph)++][n] = '\0';
        }
      }
      kh_free(f);
      p += n;
    }
  }
  sqlite3_finalize(st);
  return 0;
}

/* The other words keep their dfs, lists and walks; the word's own df is
** counted by FTS5, or found in the connection's memo, which a change to the
** file (this connection or another) empties.  Every page is FTS5's, memo on
** and off, limits 10 and 30, filter, re-ranking; after an article with the
** words is added through this connection and through another, too. */
TEST(topk_phrase_and_stopword_key_words_equal_fts5) {
  if (!test_data_dir()) SKIP("../shared/data absent");
  const char *dir = test_tmpdir();
  kh_db *db = test_real_db(dir, 100);
  ASSERT(db);
  static char fw[40][128], rw[40][128], sw[30][128], ph[30][128];
  int nf = words_of(db, "SELECT term FROM search_term WHERE state = 1 ORDER BY df DESC", fw, 40);
  ASSERT(nf >= 30);
  ASSERT_INT_EQ(sqlite3_exec(db->sql, "CREATE VIRTUAL TABLE temp.ov USING fts5vocab(main, article_fts, row)", NULL, NULL, NULL),
                SQLITE_OK);
  int nr = words_of(db, "SELECT term FROM temp.ov WHERE doc BETWEEN 2 AND 40 ORDER BY (doc * 7919) % 97, term", rw, 40);
  ASSERT(nr >= 30);
  int nsw, nph;
  ASSERT_INT_EQ(form_vocab(db, "fv"), SQLITE_OK);
  ASSERT_INT_EQ(odd_words(db, sw, &nsw, ph, &nph, 30), 0);
  ASSERT(nsw >= 10);
  ASSERT(nph >= 10);
  int keep = kh__champ_df_memo, queries = 0;
  long hit0 = kh__champ_df_stat[1], scan0 = stat_of(KH__CHAMP_SCAN), found[2] = {0, 0};
  for (int m = 0; m < 2; m++) {
    kh__champ_df_memo = m;
    long h0 = kh__champ_df_stat[1];
    for (int i = 0; i < 10; i++) {
      char q[7][600];
      snprintf(q[0], sizeof q[0], "%.127s", sw[i]);
      snprintf(q[1], sizeof q[0], "%.127s %.127s", sw[i], fw[i]);
      snprintf(q[2], sizeof q[0], "%.127s %.127s", rw[i], sw[(i + 1) % nsw]);
      snprintf(q[3], sizeof q[0], "%.127s %.127s", fw[(i + 3) % nf], ph[i]);
      snprintf(q[4], sizeof q[0], "%.127s %.127s %.127s", ph[i], fw[(i + 5) % nf], rw[(i + 2) % nr]);
      snprintf(q[5], sizeof q[0], "%.127s %.127s %.127s", sw[i], ph[(i + 1) % nph], fw[(i + 7) % nf]);
      snprintf(q[6], sizeof q[0], "%.127s %.127s %.127s", fw[i], fw[(i + 9) % nf], sw[(i + 2) % nsw]);
      for (int j = 0; j < 7; j++) {
        for (int f = 0; f < 4; f++) {
          kh_search_opts o = {0};
          o.limit = f % 2 ? 30 : 10;
          o.no_rerank = f != 1;
          if (f == 2) o.source = "express";
          hits a, e;
          ASSERT_INT_EQ(test_search(db, q[j], &o, 0, &a), 0);
          ASSERT_INT_EQ(test_search(db, q[j], &o, 1, &e), 0);
          if (!equal_pages(q[j], &a, &e)) FAIL("%s (memo %d, limit %d, variant %d) differs from FTS5", q[j], m, o.limit, f);
          queries++;
        }
      }
    }
    found[m] = kh__champ_df_stat[1] - h0;
  }
  /* the file changes: articles holding the words, added through this
  ** connection, another, then this one again; the memo is emptied each time */
  char q[600];
  snprintf(q, sizeof q, "%.127s %.127s %.127s", sw[0], ph[0], fw[0]);
  for (int w = 0; w < 3; w++) {
    char body[800], id[32], p[1024];
    int bl = snprintf(body, sizeof body, "%s %s", ph[0], fw[0]);
    for (int r = 0; r <= w; r++) bl += snprintf(body + bl, sizeof body - (size_t)bl, " %s %s", sw[0], ph[0]); /* not the same text */
    snprintf(id, sizeof id, "memo-%d", w);
    kh_article art = {0};
    art.id = id, art.id_len = strlen(id);
    art.title = ph[0], art.title_len = strlen(ph[0]);
    art.body = body, art.body_len = strlen(body);
    kh_db *to = db;
    if (w == 1) {
      snprintf(p, sizeof p, "%s/real.db", dir);
      ASSERT_INT_EQ(kh_db_open(p, &to), 0);
    }
    ASSERT_INT_EQ(kh_db_put_article(to, &art, NULL), 0);
    ASSERT_INT_EQ(kh_db_commit(to), 0);
    if (to != db) kh_db_close(to);
    kh_search_opts o = {0};
    o.limit = 10;
    o.no_rerank = 1;
    hits a, e;
    long h0 = kh__champ_df_stat[1];
    ASSERT_INT_EQ(test_search(db, q, &o, 0, &a), 0);
    ASSERT(kh__champ_df_stat[1] == h0); /* counted again */
    ASSERT_INT_EQ(test_search(db, q, &o, 1, &e), 0);
    if (!equal_pages(q, &a, &e)) FAIL("%s after article %d was added differs from FTS5", q, w);
    ASSERT_INT_EQ(test_search(db, q, &o, 0, &a), 0);
    ASSERT(kh__champ_df_stat[1] == h0 + 2); /* both from the memo */
    if (!equal_pages(q, &a, &e)) FAIL("%s after article %d was added, from the memo, differs from FTS5", q, w);
    ASSERT(a.n >= w + 1);
  }
  kh__champ_df_memo = keep;
  if (getenv("TOPK_VERBOSE"))
    fprintf(stderr, "  %d stopword-key words, %d phrase words; %d queries, %ld by the scan; memo found %ld (off: %ld)\n", nsw,
            nph, queries, stat_of(KH__CHAMP_SCAN) - scan0, found[1], found[0]);
  ASSERT(found[0] == 0);
  ASSERT(found[1] >= queries / 2 / 2); /* the same words again: most found */
  ASSERT(kh__champ_df_stat[1] > hit0);
  kh_db_close(db);
  test_rmdir(dir);
  return 0;
}

/* A rare word ANDed with words that have lists (champ.c drive_top): the
** rare word's articles walked and completed from their forward rows, the
** articles without forward rows by the pruned pass.  Real Urdu, 2- and
** 3-word queries, limits 10 and 30, with and without a source filter and
** the re-ranking: every page is FTS5's; with a walk of at most 5 rows the
** rarer words still go to the walk, the others to the usual pass. */
static int rare_walk_round(int64_t threshold) {
  const char *dir = test_tmpdir();
  kh_db *db = test_real_db(dir, threshold);
  ASSERT(db);
  static char fw[40][128], rw[60][128];
  int nf = words_of(db, "SELECT term FROM search_term WHERE state = 1 ORDER BY df DESC", fw, 40);
  ASSERT(nf >= 5);
  ASSERT_INT_EQ(sqlite3_exec(db->sql, "CREATE VIRTUAL TABLE temp.rv USING fts5vocab(main, article_fts, row)", NULL, NULL, NULL),
                SQLITE_OK);
  int nr = words_of(db, "SELECT term FROM temp.rv WHERE doc BETWEEN 2 AND 80 AND term NOT IN"
                        " (SELECT term FROM search_term WHERE state = 1) ORDER BY (doc * 7919) % 101, term", rw, 60);
  ASSERT(nr >= 40);
  int64_t fwd_all = test_sql_int(db, "SELECT v FROM search_meta WHERE k = 'fwd_all'");
  ASSERT(fwd_all >= 1);
  long keep = kh__champ_drive_max, maxes[] = {4096, 5};
  double ratio = kh__champ_drive_ratio;
  kh__champ_drive_ratio = 1; /* a small file: the other words are not 100 times as frequent */
  long walked[2] = {0, 0};
  int queries = 0;
  for (int m = 0; m < 2; m++) {
    kh__champ_drive_max = maxes[m];
    kh__champ_confirm_text = m == 0; /* hits confirmed from their text, then by FTS5 */
    for (int i = 0; i < nr; i++) {
      char q[600];
      if (i % 3 == 2) snprintf(q, sizeof q, "%.127s %.127s %.127s", fw[i % nf], rw[i], fw[(i + 7) % nf]);
      else snprintf(q, sizeof q, "%.127s %.127s", rw[i], fw[(i * 3) % nf]);
      for (int f = 0; f < 4; f++) {
        kh_search_opts o = {0};
        o.limit = f % 2 ? 30 : 10;
        o.no_rerank = f != 1;
        if (f == 2) o.source = "express";
        hits a, e;
        long d0 = stat_of(KH__CHAMP_DRIVE);
        ASSERT_INT_EQ(test_search(db, q, &o, 0, &a), 0);
        walked[m] += stat_of(KH__CHAMP_DRIVE) - d0;
        ASSERT_INT_EQ(test_search(db, q, &o, 1, &e), 0);
        if (!equal_pages(q, &a, &e)) FAIL("%s (walk of %ld, limit %d, variant %d) differs from FTS5", q, maxes[m], o.limit, f);
        queries++;
      }
    }
  }
  kh__champ_drive_max = keep;
  kh__champ_drive_ratio = ratio;
  kh__champ_confirm_text = 1;
  if (getenv("TOPK_VERBOSE"))
    fprintf(stderr, "  lists from df %lld: %d queries; walked from the rare word: %ld (up to 4096 rows), %ld (up to 5);"
            " forward rows for all from article %lld\n", (long long)threshold, queries, walked[0], walked[1], (long long)fwd_all);
  ASSERT(walked[0] >= (long)queries / 2 * 3 / 4); /* most of the first half took the walk */
  ASSERT(walked[1] >= 1 && walked[1] < walked[0]);
  if (threshold > 1000) ASSERT(fwd_all > 1000); /* older articles without forward rows: the pass covered them */
  kh_db_close(db);
  test_rmdir(dir);
  return 0;
}

TEST(topk_rare_word_walk_equals_fts5) {
  if (!test_data_dir()) SKIP("../shared/data absent");
  if (rare_walk_round(100)) return 1;
  return rare_walk_round(1500);
}

/* champ.c's forward-row hash, as it computes it. */
static uint32_t fwd_hash(const char *s) {
  uint64_t h = 1469598103934665603ULL;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return (uint32_t)(h ^ (h >> 32));
}

/* An article of A's list whose forward row is made to claim word B, which
** it lacks, many times (as a 32-bit hash collision would): it would top the
** lists' candidates, but FTS5's check keeps it out and the page equals
** FTS5's. */
TEST(topk_forward_row_claim_checked_by_fts5) {
  if (!test_data_dir()) SKIP("../shared/data absent");
  const char *dir = test_tmpdir();
  kh_db *db = test_real_db(dir, 100);
  ASSERT(db);
  static char fw[12][128];
  int nf = words_of(db, "SELECT term FROM search_term WHERE state = 1 ORDER BY df DESC", fw, 12);
  ASSERT(nf >= 12);
  int tried = 0;
  long bad0 = stat_of(KH__CHAMP_BADSEED), budget = kh__champ_fwd_budget;
  kh__champ_fwd_budget = -1; /* the lists' candidates read their forward rows */
  for (int i = 0; i + 1 < nf && tried < 3; i += 2) {
    const char *A = fw[i], *B = fw[i + 1];
    char q[300], fb[300];
    snprintf(q, sizeof q, "%.127s %.127s", A, B);
    snprintf(fb, sizeof fb, "\"%.127s\"", B);
    /* the article of A's list without B where A weighs most (the lists'
    ** candidates are read in order of their bound: this one is read) */
    sqlite3_stmt *st;
    ASSERT_INT_EQ(sqlite3_prepare_v2(db->sql,
                                     "SELECT doc FROM search_champ WHERE term = ?1 AND NOT EXISTS (SELECT 1 FROM"
                                     " article_fts WHERE article_fts MATCH ?2 AND rowid = search_champ.doc) ORDER BY imp DESC LIMIT 1",
                                     -1, &st, NULL),
                  SQLITE_OK);
    sqlite3_bind_text(st, 1, A, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, fb, -1, SQLITE_STATIC);
    int64_t x = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    if (!x) continue;
    /* its forward row replaced by one claiming (hash(B), 400): the wide
    ** layout of champ.c's write_fwd (byte 2, then hash32 and d, 4 bytes each) */
    uint32_t hb = fwd_hash(B);
    unsigned char row[9] = {2, (unsigned char)hb, (unsigned char)(hb >> 8), (unsigned char)(hb >> 16), (unsigned char)(hb >> 24), 144, 1, 0, 0};
    ASSERT_INT_EQ(sqlite3_prepare_v2(db->sql, "UPDATE search_fwd SET terms = ?2 WHERE rowid = ?1", -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_int64(st, 1, x);
    sqlite3_bind_blob(st, 2, row, (int)sizeof row, SQLITE_STATIC);
    ASSERT_INT_EQ(sqlite3_step(st), SQLITE_DONE);
    ASSERT_INT_EQ(sqlite3_changes(db->sql), 1);
    sqlite3_finalize(st);
    hits a, e;
    kh_search_opts o = {0};
    o.limit = 10;
    o.no_rerank = 1;
    ASSERT_INT_EQ(test_search(db, q, &o, 0, &a), 0);
    ASSERT_INT_EQ(test_search(db, q, &o, 1, &e), 0);
    if (!equal_pages(q, &a, &e)) FAIL("%s: page differs after the forward row of %lld lied", q, (long long)x);
    for (int k = 0; k < a.n; k++) ASSERT(a.rowid[k] != x);
    tried++;
  }
  kh__champ_fwd_budget = budget;
  ASSERT(tried >= 2);
  ASSERT(stat_of(KH__CHAMP_BADSEED) > bad0); /* the lie reached the check */
  kh_db_close(db);
  test_rmdir(dir);
  return 0;
}

/* Hex of s, as tiers.c writes a term in search_tier_fts. */
static void hex_of(const char *s, char *out) {
  static const char H[] = "0123456789abcdef";
  for (; *s; s++) *out++ = H[(unsigned char)*s >> 4], *out++ = H[(unsigned char)*s & 15];
  *out = '\0';
}

/* Every tiered term's tier rows count exactly the term's d (4·title +
** body instances in article_fts), and a tier holds an article of the term
** stored from its `since` on iff its weight at the tier's aref is >= cut. */
static int tier_rows_exact(kh_db *db, const char *term, long *rows) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db->sql, "SELECT since, aref, cut FROM search_tier WHERE term = ?1", -1, &st, NULL)) return 0;
  sqlite3_bind_text(st, 1, term, -1, SQLITE_STATIC);
  if (sqlite3_step(st) != SQLITE_ROW) {
    sqlite3_finalize(st);
    return 0;
  }
  int64_t since = sqlite3_column_int64(st, 0);
  double aref = sqlite3_column_double(st, 1), cut = sqlite3_column_double(st, 2);
  sqlite3_finalize(st);
  char hx[300], q[310];
  hex_of(term, hx);
  /* the tier's d per article */
  static int64_t tdoc[20000];
  static int tcnt[20000];
  int nt = 0;
  snprintf(q, sizeof q, "\"%s\"", hx);
  if (sqlite3_prepare_v2(db->sql, "SELECT doc, count(*) FROM temp.tv WHERE term = ?1 GROUP BY doc ORDER BY doc", -1, &st, NULL))
    return 0;
  sqlite3_bind_text(st, 1, hx, -1, SQLITE_STATIC);
  while (nt < 20000 && sqlite3_step(st) == SQLITE_ROW) tdoc[nt] = sqlite3_column_int64(st, 0), tcnt[nt++] = sqlite3_column_int(st, 1);
  sqlite3_finalize(st);
  /* the term's d and length per article in article_fts, from since on */
  if (sqlite3_prepare_v2(db->sql,
                         "SELECT v.doc, sum(CASE v.col WHEN 'title' THEN 4 ELSE 1 END),"
                         " (SELECT sz FROM article_fts_docsize WHERE id = v.doc)"
                         " FROM temp.av v WHERE v.term = ?1 AND v.doc >= ?2 GROUP BY v.doc ORDER BY v.doc",
                         -1, &st, NULL))
    return 0;
  sqlite3_bind_text(st, 1, term, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, since);
  int j = 0, ok = 1;
  while (ok && sqlite3_step(st) == SQLITE_ROW) {
    int64_t doc = sqlite3_column_int64(st, 0);
    double d = (double)sqlite3_column_int64(st, 1);
    const unsigned char *p = sqlite3_column_blob(st, 2);
    int n = sqlite3_column_bytes(st, 2), i = 0;
    double dl = 0;
    while (i < n) { /* varints < 2^14 */
      unsigned v = 0;
      while (i < n && (p[i] & 0x80)) v = (v << 7) | (p[i++] & 0x7f);
      if (i < n) v = (v << 7) | p[i++];
      dl += v;
    }
    double w = (d * 2.2) / (d + 1.2 * (0.25 + 0.75 * dl / aref));
    int in = j < nt && tdoc[j] == doc;
    if (in != (w >= cut) || (in && tcnt[j] != (int)d)) {
      fprintf(stderr, "  %s: article %lld d %g w %g cut %g, tier %s (%d)\n", term, (long long)doc, d, w, cut, in ? "has it" : "lacks it",
              in ? tcnt[j] : 0);
      ok = 0;
    }
    j += in;
    (*rows)++;
  }
  sqlite3_finalize(st);
  return ok && j == nt; /* and the tier holds nothing else */
}

/* The impact tiers (tiers.c) on real Urdu, lists from df 100: terms get
** their tiers at different points of the ingest (since), the tier rows are
** exact, and 2- and 3-word searches of frequent words answered by the
** tiers (certified or completed by the full pass) equal FTS5's ORDER BY
** rank, with and without re-ranking and filters. */
TEST(topk_tiers_equal_fts5_rank_real_data) {
  if (!test_data_dir()) SKIP("../shared/data absent");
  const char *dir = test_tmpdir();
  /* wider tiers than the default: on this small file the certificate then
  ** settles some queries, so that both ways are checked */
  double frac = kh__tier_frac;
  kh__tier_frac = 0.4;
  kh_db *db = test_real_db(dir, 100);
  kh__tier_frac = frac;
  ASSERT(db);
  ASSERT(test_sql_int(db, "SELECT count(*) FROM search_tier WHERE cut < 1e300") >= 100);
  ASSERT(test_sql_int(db, "SELECT count(DISTINCT since) FROM search_tier") >= 5);
  ASSERT(test_sql_int(db, "SELECT count(*) FROM search_tier WHERE since > 1000") >= 10);
  ASSERT(test_sql_int(db, "SELECT count(*) FROM search_tier_fts") >= 1000);
  /* tier rows against article_fts, for 40 tiered terms */
  ASSERT_INT_EQ(sqlite3_exec(db->sql,
                             "CREATE VIRTUAL TABLE temp.tv USING fts5vocab(main, search_tier_fts, instance);"
                             "CREATE VIRTUAL TABLE temp.av USING fts5vocab(main, article_fts, instance);",
                             NULL, NULL, NULL),
                SQLITE_OK);
  static char tw[40][128];
  int ntw = words_of(db, "SELECT term FROM search_tier WHERE cut < 1e300 ORDER BY since % 7, term", tw, 40);
  ASSERT(ntw >= 30);
  long rows = 0;
  for (int i = 0; i < ntw; i++)
    if (!tier_rows_exact(db, tw[i], &rows)) FAIL("tier of %s is not exact", tw[i]);
  if (getenv("TOPK_VERBOSE")) fprintf(stderr, "  %ld articles of %d tiered terms checked\n", rows, ntw);
  ASSERT(rows >= 2000);
  /* searches */
  double mw = kh__tier_min_work;
  kh__tier_min_work = 0;
  static char fw[90][128];
  int nf = words_of(db, "SELECT term FROM search_term WHERE state = 1 ORDER BY df DESC", fw, 90);
  ASSERT(nf >= 60);
  long tried0 = kh__tier_stat[KH__TIER_TRIED], cert0 = kh__tier_stat[KH__TIER_CERT] + kh__tier_stat[KH__TIER_PART];
  long chk0 = kh__tier_stat[KH__TIER_CHECKED], part0 = kh__tier_stat[KH__TIER_PART];
  long low0 = kh__tier_stat[KH__TIER_LOW], over0 = kh__tier_stat[KH__TIER_OVER], miss0 = kh__tier_stat[KH__TIER_MISS];
  long lists0 = kh__tier_stat[KH__TIER_LISTS], walks0 = kh__tier_stat[KH__TIER_WALKS];
  int queries = 0, nonempty = 0;
  const char *sources[] = {NULL, "samaa", "APP"};
  for (int i = 0; i < 60; i++) {
    char q[3][600];
    snprintf(q[0], sizeof q[0], "%.127s %.127s", fw[i], fw[(i + 1) % nf]);
    snprintf(q[1], sizeof q[1], "%.127s %.127s", fw[i], fw[(i + 29) % nf]);
    snprintf(q[2], sizeof q[2], "%.127s %.127s %.127s", fw[i], fw[(i + 3) % nf], fw[(i + 11) % nf]);
    for (int j = 0; j < 3; j++) {
      for (int v = 0; v < 4; v++) {
        hits a, e;
        kh_search_opts o = {0};
        o.limit = v == 1 ? 30 : 10;
        o.no_rerank = v != 2;
        o.source = v == 3 ? sources[1 + i % 2] : NULL;
        ASSERT_INT_EQ(test_search(db, q[j], &o, 0, &a), 0);
        ASSERT_INT_EQ(test_search(db, q[j], &o, 1, &e), 0);
        if (!equal_pages(q[j], &a, &e)) FAIL("%s (variant %d) differs from FTS5", q[j], v);
        queries++;
        nonempty += a.n > 0;
      }
    }
  }
  long tried = kh__tier_stat[KH__TIER_TRIED] - tried0;
  long cert = kh__tier_stat[KH__TIER_CERT] + kh__tier_stat[KH__TIER_PART] - cert0;
  long part = kh__tier_stat[KH__TIER_PART] - part0, over = kh__tier_stat[KH__TIER_OVER] - over0;
  long lists = kh__tier_stat[KH__TIER_LISTS] - lists0, walks = kh__tier_stat[KH__TIER_WALKS] - walks0;
  if (getenv("TOPK_VERBOSE"))
    fprintf(stderr, "  %d queries (%d with hits): %ld by the tiers, %ld of them settled there (%ld with the lists),"
            " %ld by reading some words' tiers (%ld walks, %ld articles checked); full pass: %ld k-th too low,"
            " %ld too many, %ld missed\n",
            queries, nonempty, tried, cert, lists, part, walks, kh__tier_stat[KH__TIER_CHECKED] - chk0,
            kh__tier_stat[KH__TIER_LOW] - low0, over, kh__tier_stat[KH__TIER_MISS] - miss0);
  ASSERT(tried >= queries / 4);  /* (the lists settle many others first) */
  ASSERT(cert >= 10);            /* the certificate settled some */
  ASSERT(lists >= 10);           /* the tiers' AND with the lists' articles settled some */
  ASSERT(tried - cert >= 10);    /* and some needed the full pass */
  ASSERT(part >= 5 && walks >= part); /* some were settled by reading the live words' tiers */
  ASSERT(nonempty >= queries / 2);
  /* without the lists' step: the tiers' OR (checked in bound order) with
  ** room for 4096 and for 3 articles (what would need more goes to the
  ** full pass); every page is still FTS5's */
  long pend = kh__tier_pend, rooms[] = {4096, 3}, settled[2], toomany[2];
  kh__tier_lists = 0;
  for (int m = 0; m < 2; m++) {
    kh__tier_pend = rooms[m];
    part0 = kh__tier_stat[KH__TIER_PART], over0 = kh__tier_stat[KH__TIER_OVER];
    for (int i = 0; i < 60; i++) {
      char q[600];
      snprintf(q, sizeof q, "%.127s %.127s", fw[i], fw[(i + 29) % nf]);
      hits a, e;
      kh_search_opts o = {0};
      o.limit = i % 2 ? 30 : 10;
      o.no_rerank = 1;
      ASSERT_INT_EQ(test_search(db, q, &o, 0, &a), 0);
      ASSERT_INT_EQ(test_search(db, q, &o, 1, &e), 0);
      if (!equal_pages(q, &a, &e)) FAIL("%s (no lists, room for %ld) differs from FTS5", q, rooms[m]);
    }
    settled[m] = kh__tier_stat[KH__TIER_PART] - part0, toomany[m] = kh__tier_stat[KH__TIER_OVER] - over0;
  }
  kh__tier_lists = 1;
  kh__tier_pend = pend;
  kh__tier_min_work = mw;
  if (getenv("TOPK_VERBOSE"))
    fprintf(stderr, "  without the lists: room for 4096: %ld by the OR, %ld too many; room for 3: %ld, %ld\n", settled[0],
            toomany[0], settled[1], toomany[1]);
  ASSERT(settled[0] >= 5);      /* the OR settled some */
  ASSERT(toomany[1] >= 3);         /* and with room for 3 some were too many */
  kh_db_close(db);
  test_rmdir(dir);
  return 0;
}

/* Forward rows are read through one blob handle per search (champ.c
** fwd_get) and lengths through one per scan (topk.c scan_len), moved from
** row to row.  With every other article's forward row gone (as for
** articles stored before forward rows), the tiers' check of a query meets
** rows present and missing in turn: at a missing row the handle fails, the
** statement answers "no row" and the query takes the full pass; every page
** equals FTS5's.  (The lists' candidates always have a row, so the lists
** read none here: budget 0, and the tiers do not read the lists.)  A write
** after the searches finds no handle left open. */
TEST(topk_forward_rows_missing_mid_search_equal_fts5) {
  if (!test_data_dir()) SKIP("../shared/data absent");
  const char *dir = test_tmpdir();
  double frac = kh__tier_frac;
  kh__tier_frac = 0.4; /* wide tiers: on this small file some queries read the live words' tiers */
  kh_db *db = test_real_db(dir, 100);
  kh__tier_frac = frac;
  ASSERT(db);
  static char fw[90][128];
  int nf = words_of(db, "SELECT term FROM search_term WHERE state = 1 ORDER BY df DESC", fw, 90);
  ASSERT(nf >= 60);
  ASSERT_INT_EQ(sqlite3_exec(db->sql, "DELETE FROM search_fwd WHERE rowid % 2 = 0", NULL, NULL, NULL), SQLITE_OK);
  ASSERT(sqlite3_changes(db->sql) >= 1000);
  double mw = kh__tier_min_work;
  long budget = kh__champ_fwd_budget;
  kh__tier_min_work = 0;
  kh__tier_lists = 0;
  kh__champ_fwd_budget = 0;
  long miss0 = kh__tier_stat[KH__TIER_MISS], chk0 = kh__tier_stat[KH__TIER_CHECKED], walks0 = kh__tier_stat[KH__TIER_WALKS];
  int nonempty = 0, queries = 0;
  for (int i = 0; i < 60; i++)
    for (int j = 0; j < 2; j++) {
      char q[600];
      snprintf(q, sizeof q, "%.127s %.127s", fw[i], fw[(i + (j ? 29 : 1)) % nf]);
      hits a, e;
      kh_search_opts o = {0};
      o.limit = i % 2 ? 30 : 10;
      o.no_rerank = 1;
      ASSERT_INT_EQ(test_search(db, q, &o, 0, &a), 0);
      ASSERT_INT_EQ(test_search(db, q, &o, 1, &e), 0);
      if (!equal_pages(q, &a, &e)) FAIL("%s (limit %d) differs from FTS5 with forward rows missing", q, o.limit);
      nonempty += a.n > 0;
      queries++;
    }
  kh__tier_lists = 1;
  kh__tier_min_work = mw;
  kh__champ_fwd_budget = budget;
  long miss = kh__tier_stat[KH__TIER_MISS] - miss0;
  if (getenv("TOPK_VERBOSE"))
    fprintf(stderr, "  %d queries: %ld tier walks, %ld settled by their check, %ld checks met a missing row\n", queries,
            kh__tier_stat[KH__TIER_WALKS] - walks0, kh__tier_stat[KH__TIER_CHECKED] - chk0, miss);
  ASSERT(nonempty >= queries / 2);
  ASSERT(kh__tier_stat[KH__TIER_WALKS] - walks0 >= 5); /* some read the live words' tiers */
  ASSERT(miss >= 2);                                   /* and their check met a missing row */
  /* no handle left open: a write goes through */
  ASSERT_INT_EQ(sqlite3_exec(db->sql, "BEGIN IMMEDIATE; DELETE FROM search_fwd WHERE rowid % 5 = 3; COMMIT", NULL, NULL, NULL),
                SQLITE_OK);
  kh_db_close(db);
  test_rmdir(dir);
  return 0;
}

/* A file from before the tiers (schema 6, lists already there) opens at
** the latest version; its terms with lists get tiers from the first
** article stored after the upgrade on, and searches through the tiers
** (the older articles by the full pass below `since`) equal FTS5's. */
TEST(topk_tiers_after_upgrade_from_schema_6) {
  const char *data = test_data_dir();
  if (!data) SKIP("../shared/data absent");
  const char *dir = test_tmpdir();
  char path[1024], p[1024];
  snprintf(path, sizeof path, "%s/old6.db", dir);
  kh_db *db;
  ASSERT_INT_EQ(kh_db_open(path, &db), 0);
  kh__champ_set_threshold(db, 100);
  kh_ingest_stats st = {0};
  snprintf(p, sizeof p, "%s/pk-news-2024/pk-news-2024.jsonl", data);
  ASSERT_INT_EQ(kh_ingest_path(db, p, NULL, &st), 0);
  ASSERT_INT_EQ(kh_db_commit(db), 0);
  ASSERT_INT_EQ(kh__champ_build_all(db), 0);
  /* make it a schema-6 file: no tier tables */
  ASSERT_INT_EQ(sqlite3_exec(db->sql,
                             "DROP TABLE search_tier; DROP TABLE search_tier_fts; DROP INDEX search_term_listed;"
                             " PRAGMA user_version = 6;",
                             NULL, NULL, NULL),
                SQLITE_OK);
  int64_t old = test_sql_int(db, "SELECT max(rowid) FROM article");
  kh_db_close(db);
  ASSERT_INT_EQ(kh_db_open(path, &db), 0);
  ASSERT_INT_EQ(kh_db_schema_version(db), kh_db_schema_latest());
  ASSERT_INT_EQ(test_sql_int(db, "SELECT count(*) FROM search_tier"), 0);
  kh__champ_set_threshold(db, 100);
  snprintf(p, sizeof p, "%s/counter/counter.jsonl", data);
  ASSERT_INT_EQ(kh_ingest_path(db, p, NULL, &st), 0);
  ASSERT_INT_EQ(kh_db_commit(db), 0);
  ASSERT_INT_EQ(kh__champ_build_all(db), 0);
  /* every tier starts after the old articles */
  ASSERT(test_sql_int(db, "SELECT count(*) FROM search_tier WHERE cut < 1e300") >= 100);
  char q[200];
  snprintf(q, sizeof q, "SELECT count(*) FROM search_tier WHERE since <= %lld", (long long)old);
  ASSERT_INT_EQ(test_sql_int(db, q), 0);
  snprintf(q, sizeof q, "SELECT count(*) FROM search_tier_fts WHERE rowid <= %lld", (long long)old);
  ASSERT_INT_EQ(test_sql_int(db, q), 0);
  ASSERT(test_sql_int(db, "SELECT count(*) FROM search_tier_fts") >= 100);
  double mw = kh__tier_min_work;
  kh__tier_min_work = 0;
  static char fw[40][128];
  int nf = words_of(db, "SELECT s.term FROM search_term s JOIN search_tier t ON t.term = s.term"
                        " WHERE s.state = 1 AND t.cut < 1e300 ORDER BY s.df DESC", fw, 40);
  ASSERT(nf >= 30);
  long tried0 = kh__tier_stat[KH__TIER_TRIED];
  for (int i = 0; i < 60; i++) {
    char s2[600];
    snprintf(s2, sizeof s2, i % 3 ? "%.127s %.127s" : "%.127s %.127s %.127s", fw[i % 30], fw[(i + 1 + i / 30) % nf], fw[(i + 7) % nf]);
    hits a, e;
    kh_search_opts o = {0};
    o.limit = i % 2 ? 30 : 10;
    o.no_rerank = 1;
    ASSERT_INT_EQ(test_search(db, s2, &o, 0, &a), 0);
    ASSERT_INT_EQ(test_search(db, s2, &o, 1, &e), 0);
    if (!equal_pages(s2, &a, &e)) FAIL("%s differs from FTS5 after the upgrade", s2);
  }
  kh__tier_min_work = mw;
  if (getenv("TOPK_VERBOSE")) fprintf(stderr, "  %ld of 60 by the tiers\n", kh__tier_stat[KH__TIER_TRIED] - tried0);
  ASSERT(kh__tier_stat[KH__TIER_TRIED] - tried0 >= 10);
  kh_db_close(db);
  test_rmdir(dir);
  return 0;
}

/* Words the pass leaves out of FTS5's expression (champ.c drop_pass: the
** words in 60% of the articles or more; on this small file, with
** kh__champ_drop_share 0.5, 0.2 and 0.05, its most frequent words, whose
** idf is not negligible, so their bound is real): each row that may still
** enter reads their d from its forward row.  Every page equals FTS5's,
** with the hits confirmed from their text or by FTS5, with a source
** filter, and with half the forward rows gone (those queries take the
** usual pass). */
TEST(topk_words_left_out_equal_fts5) {
  if (!test_data_dir()) SKIP("../shared/data absent");
  const char *dir = test_tmpdir();
  kh_db *db = test_real_db(dir, 100);
  ASSERT(db);
  static char fw[60][128], rw[40][128];
  int nf = words_of(db, "SELECT term FROM search_term WHERE state = 1 ORDER BY df DESC", fw, 60);
  ASSERT(nf >= 40);
  ASSERT_INT_EQ(sqlite3_exec(db->sql, "CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, article_fts, row)", NULL, NULL, NULL),
                SQLITE_OK);
  int nr = words_of(db, "SELECT term FROM temp.v WHERE doc BETWEEN 20 AND 200 ORDER BY cnt % 89, term", rw, 40);
  ASSERT(nr >= 20);
  double keep = kh__champ_drop_share, shares[] = {0.5, 0.2, 0.05};
  int confirm_text = kh__champ_confirm_text;
  long dropped[3], fellback = 0, budget = kh__champ_fwd_budget;
  for (int pass = 0; pass < 2; pass++) {
    if (pass) { /* forward rows missing: the usual pass (as in the test above, the lists read none) */
      ASSERT_INT_EQ(sqlite3_exec(db->sql, "DELETE FROM search_fwd WHERE rowid % 2 = 1", NULL, NULL, NULL), SQLITE_OK);
      ASSERT(sqlite3_changes(db->sql) >= 1000);
      kh__champ_fwd_budget = 0;
    }
    for (int x = 0; x < 3; x++) {
      if (pass && x != 1) continue;
      kh__champ_drop_share = shares[x];
      long d0 = kh__champ_drop_stat[0], f0 = kh__champ_drop_stat[2];
      for (int i = 0; i < 24; i++) {
        char q[4][600];
        snprintf(q[0], sizeof q[0], "%.127s %.127s", fw[i % 6], fw[6 + i]);
        snprintf(q[1], sizeof q[1], "%.127s %.127s %.127s", fw[6 + i], fw[i % 4], fw[30 + i % 10]);
        snprintf(q[2], sizeof q[2], "%.127s %.127s %.127s", rw[i % nr], fw[i % 5], fw[12 + i]);
        snprintf(q[3], sizeof q[3], "%.127s %.127s", fw[(i + 1) % 8], rw[(i + 7) % nr]);
        for (int j = 0; j < 4; j++) {
          kh_search_opts o = {0};
          o.limit = i % 2 ? 30 : 10;
          o.no_rerank = 1;
          if (i % 3 == 2) o.source = "express";
          kh__champ_confirm_text = i % 4 != 3;
          hits a, e;
          ASSERT_INT_EQ(test_search(db, q[j], &o, 0, &a), 0);
          ASSERT_INT_EQ(test_search(db, q[j], &o, 1, &e), 0);
          if (!equal_pages(q[j], &a, &e))
            FAIL("%s (drop share %g, limit %d, forward rows %s) differs from FTS5", q[j], shares[x], o.limit, pass ? "half" : "all");
        }
      }
      if (!pass) dropped[x] = kh__champ_drop_stat[0] - d0;
      else fellback = kh__champ_drop_stat[2] - f0;
    }
  }
  kh__champ_drop_share = keep;
  kh__champ_confirm_text = confirm_text;
  kh__champ_fwd_budget = budget;
  if (getenv("TOPK_VERBOSE"))
    fprintf(stderr, "  answered with words left out: %ld / %ld / %ld; with forward rows missing, %ld took the usual pass\n",
            dropped[0], dropped[1], dropped[2], fellback);
  ASSERT(dropped[0] >= 5); /* the path was taken */
  ASSERT(dropped[1] >= 10);
  ASSERT(dropped[2] >= 1);
  ASSERT(fellback >= 1); /* and left when a forward row was missing */
  kh_db_close(db);
  test_rmdir(dir);
  return 0;
}

/* kh_db_optimize stops when asked (the file whole), goes on from there, and
** ends with one segment per full-text index; every search gives the same
** page before, halfway and after, equal to FTS5's; FTS5's integrity check
** passes on both indexes. */
static int stop_after(void *ctx, const char *table, int steps, int segments) {
  int *calls = ctx;
  (void)table;
  (void)segments;
  return steps > 0 && ++*calls >= 3;
}

TEST(topk_optimize_same_pages_equal_fts5) {
  if (!test_data_dir()) SKIP("../shared/data absent");
  const char *dir = test_tmpdir();
  kh_db *db = test_real_db(dir, 100);
  ASSERT(db);
  static char fw[40][128], rw[20][128];
  int nf = words_of(db, "SELECT term FROM search_term WHERE state = 1 ORDER BY df DESC", fw, 40);
  ASSERT(nf >= 30);
  ASSERT_INT_EQ(sqlite3_exec(db->sql, "CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, article_fts, row)", NULL, NULL, NULL),
                SQLITE_OK);
  int nr = words_of(db, "SELECT term FROM temp.v WHERE doc BETWEEN 10 AND 200 ORDER BY cnt % 83, term", rw, 20);
  ASSERT(nr >= 10);
  enum { NQ = 40 };
  static char q[NQ][400];
  static hits before[NQ];
  for (int i = 0; i < NQ; i++) {
    if (i % 4 == 0) snprintf(q[i], sizeof q[i], "%.127s", i % 8 ? fw[i % nf] : rw[i % nr]);
    else if (i % 4 == 1) snprintf(q[i], sizeof q[i], "%.127s %.127s", fw[i % 10], fw[10 + i % 20]);
    else if (i % 4 == 2) snprintf(q[i], sizeof q[i], "%.127s %.127s %.127s", fw[i % 6], fw[6 + i % 12], fw[18 + i % 12]);
    else snprintf(q[i], sizeof q[i], "%.127s %.127s", fw[i % 15], rw[i % nr]);
  }
  kh_search_opts o = {0};
  o.limit = 10;
  o.no_rerank = 1;
  for (int i = 0; i < NQ; i++) ASSERT_INT_EQ(test_search(db, q[i], &o, 0, &before[i]), 0);
  int segs0 = kh__fts_segments(db->sql, "article_fts"), tiers0 = kh__fts_segments(db->sql, "search_tier_fts");
  ASSERT(segs0 > 1); /* the ingest's commits left several */
  ASSERT(tiers0 >= 1);
  int keep = kh__optimize_step, calls = 0;
  kh__optimize_step = 8; /* many steps on this small file */
  ASSERT_INT_EQ(kh_db_optimize(db, stop_after, &calls), 1);
  int segs1 = kh__fts_segments(db->sql, "article_fts");
  ASSERT(segs1 > 1); /* stopped halfway */
  for (int pass = 0; pass < 2; pass++) {
    for (int i = 0; i < NQ; i++) {
      hits a, e;
      ASSERT_INT_EQ(test_search(db, q[i], &o, 0, &a), 0);
      ASSERT_INT_EQ(test_search(db, q[i], &o, 1, &e), 0);
      if (!equal_pages(q[i], &a, &before[i])) FAIL("%s changed (%s)", q[i], pass ? "optimized" : "halfway");
      if (!equal_pages(q[i], &a, &e)) FAIL("%s differs from FTS5 (%s)", q[i], pass ? "optimized" : "halfway");
    }
    if (!pass) ASSERT_INT_EQ(kh_db_optimize(db, NULL, NULL), 0);
  }
  kh__optimize_step = keep;
  ASSERT_INT_EQ(kh__fts_segments(db->sql, "article_fts"), 1);
  ASSERT_INT_EQ(kh__fts_segments(db->sql, "search_tier_fts"), 1);
  ASSERT_INT_EQ(sqlite3_exec(db->sql, "INSERT INTO article_fts(article_fts) VALUES('integrity-check')", NULL, NULL, NULL),
                SQLITE_OK);
  ASSERT_INT_EQ(sqlite3_exec(db->sql, "INSERT INTO search_tier_fts(search_tier_fts) VALUES('integrity-check')", NULL, NULL, NULL),
                SQLITE_OK);
  ASSERT_INT_EQ(kh_db_optimize(db, NULL, NULL), 0); /* nothing left to do */
  ASSERT_INT_EQ(kh__fts_segments(db->sql, "article_fts"), 1);
  if (getenv("TOPK_VERBOSE"))
    fprintf(stderr, "  article_fts %d -> %d -> 1 segments, search_tier_fts %d -> 1\n", segs0, segs1, tiers0);
  kh_db_close(db);
  test_rmdir(dir);
  return 0;
}

/* The five queries q[0..4] of round i equal FTS5's ORDER BY rank (pages of
** 10, 30 or 100, re-ranked one round in five); the hits of q[seen] past
** mark are counted into *newer.  0, or 1 after saying which differs. */
static int five_equal(kh_db *db, char (*q)[600], int i, int phase, int seen, int64_t mark, int *newer) {
  for (int j = 0; j < 5; j++) {
    hits a, e;
    kh_search_opts o = {0};
    o.limit = i % 3 == 0 ? 10 : i % 3 == 1 ? 30 : 100;
    o.no_rerank = i % 5 != 4;
    ASSERT_INT_EQ(test_search(db, q[j], &o, 0, &a), 0);
    ASSERT_INT_EQ(test_search(db, q[j], &o, 1, &e), 0);
    if (!equal_pages(q[j], &a, &e)) FAIL("%s (limit %d, phase %d) differs from FTS5", q[j], o.limit, phase);
    if (j == seen)
      for (int h = 0; h < a.n; h++) *newer += a.rowid[h] > mark;
  }
  return 0;
}

/* Three articles made to rank first for "a b" (blockmax tests: stored past
** the lists' mark): a and b reps (+ the article's number) times with a
** filler word each, the title "b a"; committed.  0 or a code. */
static int put_top3(kh_db *db, const char *a, const char *b, char (*fill)[128], int reps, const char *idp) {
  for (int w = 0; w < 3; w++) {
    char body[2000], title[300], id[32];
    int bl = 0;
    for (int r = 0; r < reps + w; r++) bl += snprintf(body + bl, sizeof body - (size_t)bl, "%.120s %.120s %.120s ", a, b, fill[r]);
    snprintf(title, sizeof title, "%.120s %.120s", b, a);
    snprintf(id, sizeof id, "%s-%d", idp, w);
    kh_article art = {0};
    art.id = id, art.id_len = strlen(id);
    art.title = title, art.title_len = strlen(title);
    art.body = body, art.body_len = (size_t)bl;
    int rc = kh_db_put_article(db, &art, NULL);
    if (rc) return rc;
  }
  return kh_db_commit(db);
}

/* kh_db_optimize builds the block-max doclists of the listed terms
** (blockmax.c: FTS5's own postings, every term's count its df); ANDs of
** two and three such words are answered from them, equal to FTS5's ORDER
** BY rank (also with one word without a list, walked from its FTS5 rows):
** on the optimized file, after articles were added past the mark
** (those by the usual pass, found on top), while the lists do not hold
** (a tokenizer stamp changed: not read) and after a second optimize built
** them again. */
TEST(topk_blockmax_equal_fts5) {
  if (!test_data_dir()) SKIP("../shared/data absent");
  const char *dir = test_tmpdir();
  kh_db *db = test_real_db(dir, 100);
  ASSERT(db);
  static char fw[80][128], rw[60][128];
  int nf = words_of(db, "SELECT term FROM search_term WHERE state = 1 ORDER BY df DESC", fw, 80);
  ASSERT(nf >= 60);
  ASSERT_INT_EQ(sqlite3_exec(db->sql, "CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, article_fts, row)", NULL, NULL, NULL),
                SQLITE_OK);
  /* words without a list (a rare one is walked from its FTS5 rows) */
  int nr = words_of(db, "SELECT term FROM temp.v WHERE doc BETWEEN 5 AND 90 ORDER BY cnt % 89, term", rw, 60);
  ASSERT(nr >= 40);
  int keep = kh__bm_block;
  kh__bm_block = 8; /* many blocks on this small file */
  ASSERT_INT_EQ(test_sql_int(db, "SELECT count(*) FROM search_bm"), 0); /* never optimized: none */
  ASSERT_INT_EQ(kh_db_optimize(db, NULL, NULL), 0);
  int64_t mark = test_sql_int(db, "SELECT v FROM search_meta WHERE k = 'bm_mark'");
  ASSERT(mark > 0);
  ASSERT_INT_EQ(mark, test_sql_int(db, "SELECT max(rowid) FROM article"));
  ASSERT_INT_EQ(test_sql_int(db, "SELECT count(*) FROM search_bm"),
                test_sql_int(db, "SELECT count(*) FROM search_term WHERE state = 1"));
  ASSERT_INT_EQ(test_sql_int(db, "SELECT count(*) FROM search_bm JOIN search_term USING (term) WHERE search_bm.n != search_term.df"), 0);
  long answered[4], skipped = kh__bm_stat[KH__BM_SKIPPED], rare0 = kh__bm_stat[KH__BM_RARE];
  int newer = 0;
  for (int phase = 0; phase < 4; phase++) {
    if (phase == 1) { /* articles past the mark, made to rank first for fw[0] fw[7] */
      ASSERT_INT_EQ(put_top3(db, fw[0], fw[7], fw + 20, 6, "bm"), 0);
    }
    if (phase == 2) /* as if the lists were built under another tokenizer: not read */
      ASSERT_INT_EQ(sqlite3_exec(db->sql, "UPDATE search_meta SET v = v + 1 WHERE k = 'bm_tok'", NULL, NULL, NULL), SQLITE_OK);
    if (phase == 3) { /* built again, in stop 18's format (gap, d), which is still read */
      ASSERT_INT_EQ(test_sql_int(db, "SELECT v FROM search_meta WHERE k = 'bm_fmt'"), 2);
      int64_t bytes2 = test_sql_int(db, "SELECT sum(length(post)) FROM search_bm");
      kh__bm_fmt = 1;
      ASSERT_INT_EQ(kh_db_optimize(db, NULL, NULL), 0);
      kh__bm_fmt = 2;
      ASSERT_INT_EQ(test_sql_int(db, "SELECT v FROM search_meta WHERE k = 'bm_mark'"), mark + 3);
      ASSERT_INT_EQ(test_sql_int(db, "SELECT v FROM search_meta WHERE k = 'bm_fmt'"), 1);
      int64_t bytes1 = test_sql_int(db, "SELECT sum(length(post)) FROM search_bm");
      if (getenv("TOPK_VERBOSE")) fprintf(stderr, "  postings: %lld bytes as (gap, d), %lld with d = 1 folded\n", (long long)bytes1, (long long)bytes2);
      ASSERT(bytes1 > bytes2 + bytes2 / 4); /* d = 1 folded: smaller */
    }
    long a0 = kh__bm_stat[KH__BM_ANSWERED];
    for (int i = 0; i < 60; i++) {
      char q[5][600];
      snprintf(q[0], sizeof q[0], "%s %s", fw[i], fw[(i + 7) % nf]);
      snprintf(q[1], sizeof q[1], "%s %s %s", fw[i], fw[(i + 3) % nf], fw[(i + 11) % nf]);
      snprintf(q[2], sizeof q[2], "%s %s", fw[i % 8], fw[(i + 29) % nf]);
      if (i == 0) snprintf(q[2], sizeof q[2], "%s %s", fw[0], fw[7]);
      snprintf(q[3], sizeof q[3], "%s %s", rw[i % nr], fw[i % 12]);
      snprintf(q[4], sizeof q[4], "%s %s %s", fw[(i + 1) % 6], rw[(i + 5) % nr], fw[(i + 2) % 9]);
      ASSERT_INT_EQ(five_equal(db, q, i, phase, phase == 1 && i == 0 ? 2 : -1, mark, &newer), 0);
    }
    answered[phase] = kh__bm_stat[KH__BM_ANSWERED] - a0;
  }
  kh__bm_block = keep;
  if (getenv("TOPK_VERBOSE"))
    fprintf(stderr, "  from the block-max lists: %ld / %ld / %ld / %ld of 300 queries (%ld with a rare word), %ld blocks skipped\n",
            answered[0], answered[1], answered[2], answered[3], kh__bm_stat[KH__BM_RARE] - rare0,
            kh__bm_stat[KH__BM_SKIPPED] - skipped);
  ASSERT(answered[0] >= 250); /* every word listed, or all but a rare one: nearly all */
  ASSERT(answered[1] >= 250);
  ASSERT_INT_EQ(answered[2], 0);
  ASSERT(answered[3] >= 250);
  ASSERT(kh__bm_stat[KH__BM_SKIPPED] > skipped);
  ASSERT(kh__bm_stat[KH__BM_RARE] - rare0 >= 150); /* a rare word and listed ones: 120 a phase */
  ASSERT(newer >= 1); /* the articles past the mark were found */
  kh_db_close(db);
  test_rmdir(dir);
  return 0;
}

/* Words whose key has no champion list but is frequent: a stopword key
** (never counted; جائیں → جا) or a term counted without a list.  With
** kh__bm_xmin low, kh_db_optimize gives such keys block-max lists too
** (their n FTS5's own count), and ANDs with them are answered from the
** lists, equal to FTS5's ORDER BY rank: typed as the key, as another form
** of it, with listed words and with a rare word; then after articles were
** added past the mark (their df counted from FTS5 after it). */
TEST(topk_blockmax_frequent_keys) {
  if (!test_data_dir()) SKIP("../shared/data absent");
  const char *dir = test_tmpdir();
  kh_db *db = test_real_db(dir, 100);
  ASSERT(db);
  static char fw[40][128], rw[30][128], xw[60][128], sw[60][128];
  int nf = words_of(db, "SELECT term FROM search_term WHERE state = 1 ORDER BY df DESC", fw, 40);
  ASSERT(nf >= 30);
  ASSERT_INT_EQ(sqlite3_exec(db->sql, "CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, article_fts, row)", NULL, NULL, NULL),
                SQLITE_OK);
  int nr = words_of(db, "SELECT term FROM temp.v WHERE doc BETWEEN 5 AND 90 ORDER BY cnt % 89, term", rw, 30);
  ASSERT(nr >= 20);
  int keep = kh__bm_block;
  long keepx = kh__bm_xmin;
  kh__bm_block = 8;
  kh__bm_xmin = 60;
  ASSERT_INT_EQ(kh_db_optimize(db, NULL, NULL), 0);
  int64_t mark = test_sql_int(db, "SELECT v FROM search_meta WHERE k = 'bm_mark'");
  ASSERT(mark > 0);
  ASSERT_INT_EQ(test_sql_int(db, "SELECT v FROM search_meta WHERE k = 'bm_xmin'"), 60);
  /* every list's n is FTS5's count; the extra keys are those of >= 60 articles */
  ASSERT_INT_EQ(test_sql_int(db, "SELECT count(*) FROM search_bm b LEFT JOIN temp.v v USING (term) WHERE v.doc IS NOT b.n"), 0);
  ASSERT_INT_EQ(test_sql_int(db, "SELECT count(*) FROM search_bm WHERE n < 60 AND term NOT IN "
                                 "(SELECT term FROM search_term WHERE state = 1)"),
                0);
  /* the extra keys: the non-stopwords typed as themselves, the stopwords
  ** through another form whose key they are (not itself a stopword) */
  sqlite3_stmt *st;
  ASSERT_INT_EQ(sqlite3_prepare_v2(db->sql, "SELECT term FROM search_bm WHERE term NOT IN (SELECT term FROM search_term WHERE state = 1) ORDER BY n DESC",
                                   -1, &st, NULL),
                SQLITE_OK);
  int nx = 0, nstop = 0, ns = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    const char *t = (const char *)sqlite3_column_text(st, 0);
    size_t len = (size_t)sqlite3_column_bytes(st, 0);
    if (kh_is_stopword(t, len)) nstop++;
    else if (nx < 60 && len < 128) memcpy(xw[nx], t, len), xw[nx++][len] = '\0';
  }
  sqlite3_finalize(st);
  ASSERT(nstop >= 20);
  ASSERT_INT_EQ(form_vocab(db, "fv"), SQLITE_OK);
  ASSERT_INT_EQ(sqlite3_prepare_v2(db->sql, "SELECT term FROM temp.fv WHERE doc >= 3 ORDER BY doc DESC", -1, &st, NULL), SQLITE_OK);
  while (ns < 60 && sqlite3_step(st) == SQLITE_ROW) {
    const char *t = (const char *)sqlite3_column_text(st, 0);
    size_t len = (size_t)sqlite3_column_bytes(st, 0);
    char s[KH_MAX_TOKEN + 1];
    int sl = kh_stem(t, len, s, sizeof s);
    if (len >= 128 || sl <= 0 || ((size_t)sl == len && !memcmp(s, t, len)) || kh_is_stopword(t, len) ||
        !kh_is_stopword(s, (size_t)sl))
      continue;
    char q[300];
    snprintf(q, sizeof q, "SELECT count(*) FROM search_bm WHERE term = '%.*s'", sl, s);
    if (test_sql_int(db, q) != 1) continue;
    memcpy(sw[ns], t, len), sw[ns++][len] = '\0';
  }
  sqlite3_finalize(st);
  if (getenv("TOPK_VERBOSE")) fprintf(stderr, "  extra lists: %d stopword keys, %d others; %d forms of stopword keys\n", nstop, nx, ns);
  ASSERT(nx >= 5);
  ASSERT(ns >= 10);
  long extra[2], e0;
  int newer = 0;
  for (int phase = 0; phase < 2; phase++) {
    if (phase == 1) { /* articles past the mark, made to rank first for sw[0] fw[3] */
      ASSERT_INT_EQ(put_top3(db, sw[0], fw[3], fw + 10, 5, "bmx"), 0);
    }
    e0 = kh__bm_stat[KH__BM_EXTRA];
    for (int i = 0; i < 40; i++) {
      char q[5][600];
      snprintf(q[0], sizeof q[0], "%.120s %.120s", sw[i % ns], fw[i % nf]);
      snprintf(q[1], sizeof q[1], "%.120s %.120s %.120s", fw[(i + 3) % nf], sw[(i + 7) % ns], fw[(i + 11) % nf]);
      snprintf(q[2], sizeof q[2], "%.120s %.120s", xw[i % nx], fw[(i + 5) % nf]);
      snprintf(q[3], sizeof q[3], "%.120s %.120s %.120s", xw[(i + 2) % nx], sw[(i + 3) % ns], rw[i % nr]);
      snprintf(q[4], sizeof q[4], "%.120s %.120s", sw[i % ns], sw[(i + 9) % ns]);
      if (i == 0) snprintf(q[0], sizeof q[0], "%.120s %.120s", sw[0], fw[3]);
      ASSERT_INT_EQ(five_equal(db, q, i, phase, phase == 1 && i == 0 ? 0 : -1, mark, &newer), 0);
    }
    extra[phase] = kh__bm_stat[KH__BM_EXTRA] - e0;
  }
  kh__bm_block = keep;
  kh__bm_xmin = keepx;
  if (getenv("TOPK_VERBOSE")) fprintf(stderr, "  answered with an extra key's list: %ld / %ld of 200 queries\n", extra[0], extra[1]);
  ASSERT(extra[0] >= 150);
  ASSERT(extra[1] >= 150);
  ASSERT(newer >= 1);
  kh_db_close(db);
  test_rmdir(dir);
  return 0;
}

/* rowids and bm25() of an FTS5 MATCH on table t (title 4, body 1), in
** score order; n set to the count (at most max kept). */
static int match_scores(kh_db *db, const char *t, const char *q, int64_t *id, double *sc, int max, int *n) {
  char sql[300];
  snprintf(sql, sizeof sql, "SELECT rowid, bm25(%s, 4.0, 1.0) FROM %s WHERE %s MATCH ?1 ORDER BY 2, 1", t, t, t);
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL)) return -1;
  sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
  *n = 0;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (*n < max) id[*n] = sqlite3_column_int64(st, 0), sc[*n] = sqlite3_column_double(st, 1);
    ++*n;
  }
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : -1;
}

/* A new file's article_fts is 'khabar stemonly' (schema step 10): a word
** whose light stem differs is indexed under the stem alone.  On the real
** articles it holds fewer instances than tokenize='khabar' (word and stem)
** gives for the same rows and no term that index lacks; a word ending in
** ات is kept; and every query -- a word with another stem, a word that is
** its own stem, two words, a phrase -- matches the same articles with the
** same bm25() as the colocated index.  A prefix query finds at least what
** it found there. */
TEST(topk_stemonly_index_scores_equal_colocated) {
  if (!test_data_dir()) SKIP("../shared/data absent");
  const char *dir = test_tmpdir();
  kh_db *db = test_real_db(dir, 100);
  ASSERT(db);
  ASSERT_INT_EQ(test_sql_int(db, "SELECT sql LIKE '%khabar stemonly%' FROM sqlite_master WHERE name = 'article_fts'"), 1);
  ASSERT_INT_EQ(form_vocab(db, "fv"), SQLITE_OK);
  ASSERT_INT_EQ(sqlite3_exec(db->sql, "CREATE VIRTUAL TABLE temp.av USING fts5vocab(main, article_fts, row)", NULL, NULL, NULL),
                SQLITE_OK);
  int64_t ai = test_sql_int(db, "SELECT sum(cnt) FROM temp.av"), fi = test_sql_int(db, "SELECT sum(cnt) FROM temp.fv");
  if (getenv("TOPK_VERBOSE")) fprintf(stderr, "  instances: stemonly %lld, colocated %lld\n", (long long)ai, (long long)fi);
  ASSERT(ai > fi / 2 && ai * 100 < fi * 92);
  ASSERT_INT_EQ(test_sql_int(db, "SELECT count(*) FROM temp.av WHERE term NOT IN (SELECT term FROM temp.fv)"), 0);
  /* the words typed: forms with another stem (of 2+ articles), and words that are their own stem */
  static char w[120][128];
  int nw = 0, nother = 0, nat = 0;
  sqlite3_stmt *st, *in_av;
  ASSERT_INT_EQ(sqlite3_prepare_v2(db->sql, "SELECT count(*) FROM temp.av WHERE term = ?1", -1, &in_av, NULL), SQLITE_OK);
  ASSERT_INT_EQ(sqlite3_prepare_v2(db->sql, "SELECT term, doc FROM temp.fv ORDER BY (doc * 7919) % 101, term", -1, &st, NULL),
                SQLITE_OK);
  while (sqlite3_step(st) == SQLITE_ROW) {
    const char *t = (const char *)sqlite3_column_text(st, 0);
    size_t len = (size_t)sqlite3_column_bytes(st, 0);
    char s[KH_MAX_TOKEN + 1];
    int sl = kh_stem(t, len, s, sizeof s);
    int other = sl > 0 && ((size_t)sl != len || memcmp(s, t, len));
    int at = other && len >= 4 && !memcmp(t + len - 4, "ات", 4);
    sqlite3_bind_text(in_av, 1, t, (int)len, SQLITE_STATIC);
    ASSERT_INT_EQ(sqlite3_step(in_av), SQLITE_ROW);
    int kept = sqlite3_column_int(in_av, 0);
    sqlite3_reset(in_av);
    ASSERT_INT_EQ(kept, !other || at); /* a form with another stem is gone, but for ات */
    nat += at;
    if (len < 4 || len >= 128 || kh_is_stopword(t, len) || sqlite3_column_int(st, 1) < 2 || nw >= 120) continue;
    if (other ? nother >= 60 : nw - nother >= 60) continue;
    memcpy(w[nw], t, len), w[nw++][len] = '\0';
    nother += other;
  }
  sqlite3_finalize(st);
  sqlite3_finalize(in_av);
  ASSERT(nother >= 50 && nw - nother >= 50);
  ASSERT(nat >= 3);
  static int64_t ia[4000], ib[4000];
  static double sa[4000], sb[4000];
  int queries = 0, matched = 0;
  for (int i = 0; i < nw + nw / 2; i++) {
    char q[600], *f = NULL;
    if (i < nw) snprintf(q, sizeof q, "%.127s", w[i]);                         /* one word */
    else if (i % 2) snprintf(q, sizeof q, "%.127s %.127s", w[i - nw], w[i - nw + 1]); /* two words */
    else snprintf(q, sizeof q, "\"%.127s %.127s\"", w[i - nw], w[i - nw + 60 < nw ? i - nw + 60 : 0]); /* a phrase */
    ASSERT_INT_EQ(kh_query_to_fts5(q, strlen(q), &f, NULL, 0), 0);
    int na, nb;
    ASSERT_INT_EQ(match_scores(db, "article_fts", f, ia, sa, 4000, &na), 0);
    ASSERT_INT_EQ(match_scores(db, "fv_t", f, ib, sb, 4000, &nb), 0);
    if (na != nb) FAIL("%s: %d articles, colocated %d", q, na, nb);
    for (int k = 0; k < na && k < 4000; k++)
      if (ia[k] != ib[k] || !same_score(sa[k], sb[k])) FAIL("%s: rank %d: %lld %.15g, colocated %lld %.15g", q, k, (long long)ia[k], sa[k], (long long)ib[k], sb[k]);
    /* the same word as a prefix: at least the colocated index's articles */
    if (i < nw) {
      snprintf(q, sizeof q, "%.127s*", w[i]);
      kh_free(f);
      f = NULL;
      ASSERT_INT_EQ(kh_query_to_fts5(q, strlen(q), &f, NULL, 0), 0);
      ASSERT_INT_EQ(match_scores(db, "article_fts", f, ia, sa, 4000, &na), 0);
      ASSERT_INT_EQ(match_scores(db, "fv_t", f, ib, sb, 4000, &nb), 0);
      if (na < nb) FAIL("%s: %d articles, colocated %d", q, na, nb);
    }
    kh_free(f);
    queries++;
    matched += na > 0;
  }
  ASSERT(matched >= queries / 2);
  kh_db_close(db);
  test_rmdir(dir);
  return 0;
}
