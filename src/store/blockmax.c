/*
** blockmax.c — block-max doclists of the terms with a champion list (and of
** frequent keys without one: extra_terms), built by kh_db_optimize, and the
** exact top k of an AND of such words from them.
**
** At 1M articles the slowest searches are ANDs of two or three frequent
** words (e.g. ٹیم بی ڈالر: 70,068 articles in the AND, doclists of 100k to
** 573k): FTS5 walks every posting with its positions, 23–26 ms for the AND
** alone even on one segment.  Here each listed term (search_term state 1)
** gets its doclist up to a mark M (the largest rowid when it was built) as
**
**   search_bm(term, n, aref, dir, post)
**
** post: blocks of kh__bm_block postings as varints, d =
** 4·tf(title) + tf(body) exactly as FTS5 holds them (read from fts5vocab
** instance rows, as champ.c builds the lists); dir: 16 bytes a block, the
** last rowid, the block's end in post, the best BM25 term weight of the
** block at the average length of the build (aref; a float rounded up), the
** largest d and the shortest length.  search_bm_len holds every article's
** length up to M (2 bytes each, 65,535 or 0: read FTS5's docsize), so that
** a candidate is scored without a b-tree seek.  search_meta: bm_mark (M, 0
** none), bm_rows (FTS5's rows then), bm_terms, bm_tok, bm_block, bm_xmin
** (the extra keys' threshold), bm_fmt.  A posting is (rowid gap, d) in
** format 1 (stop 18) and in format 2 (bm_fmt 2) gap·2 + 1 when d is 1
** (85% of the postings at 1M), else gap·2 and d: the lists 39% smaller,
** which is what a query's first read of a list costs.
**
** A query (champ_query.c, plain words ANDed, each with a list, no filter) walks
** the lists in rowid order, shortest first (block-max AND, Ding & Suel
** 2011): before a block is decoded, the sum over the words of the bound of
** each one's current block, idf·min(w(max d, min length), w_aref·max(1,
** avgdl/aref)) (the weight grows at most linearly with the average length),
** is compared with the k-th score so far; below it every article up to the
** first of those blocks' ends is skipped undecoded.  An article in every
** list is bounded again with its own d at the blocks' shortest length, and
** scored exactly (topk.c's kh__topk_bm25: bm25()'s operations in the
** query's order, the same double) with its length from search_bm_len.
** The postings are FTS5's own, so no hit needs confirming.  Articles after
** M get the usual pruned pass, limited to rowid > M, seeded with these.
**
** Valid while the articles up to M are as they were: khabar only appends
** (a reindex writes a new file), and the check (once per change of the
** file: PRAGMA data_version, this connection's changes) is that FTS5's rows
** beyond bm_rows are exactly those after M, and the tokenizer version is
** the build's; otherwise the lists are not used, and the next
** kh_db_optimize builds them again.
*/
#include "store.h"

#include "../text/text.h"

#include <math.h>
#include <stdlib.h>

static const double K1 = 1.2, B = 0.75;

int kh__bm_block = 128;   /* postings a block (tests lower it) */
int kh__bm_use = 1;       /* 0: queries do not read the lists */
int kh__bm_min_words = 2; /* words a query needs to be answered here */
long kh__bm_drive_max = 50000; /* rows of a word without a list walked with the others' lists */
int kh__bm_fmt = 2;        /* the postings' format written (1: gap, d, stop 18's; 2: d = 1 folded into the gap) */
long kh__bm_xmin = 50000;  /* articles a key without a champion list needs for a list of its own; 0 none */
long kh__bm_stat[KH__BM_NSTAT];

#define BM_DIR 16          /* bytes of a block's directory entry */
#define BM_LEN_CHUNK 65536 /* articles per search_bm_len row */
#define BM_TERMS_STEP 256  /* terms built per transaction */
#define BM_MAX_BLOCK 4096

/* ---- little-endian (varints: kh__put_var, kh__get_var) ---- */

static uint32_t rd32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint32_t rd16(const unsigned char *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static void wr32(unsigned char *p, uint32_t v) {
  p[0] = (unsigned char)v, p[1] = (unsigned char)(v >> 8), p[2] = (unsigned char)(v >> 16), p[3] = (unsigned char)(v >> 24);
}
static void wr16(unsigned char *p, uint32_t v) { p[0] = (unsigned char)v, p[1] = (unsigned char)(v >> 8); }

static int sql_rc(sqlite3 *s) { return sqlite3_errcode(s) == SQLITE_NOMEM ? KH_ENOMEM : KH_EDB; }

static int one_int(sqlite3 *s, const char *sql, int64_t bind, int64_t *v) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(s, sql, -1, &st, NULL) != SQLITE_OK) return sql_rc(s);
  if (sqlite3_bind_parameter_count(st)) sqlite3_bind_int64(st, 1, bind);
  int src = sqlite3_step(st);
  *v = src == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
  sqlite3_finalize(st);
  return src == SQLITE_ROW || src == SQLITE_DONE ? 0 : sql_rc(s);
}

static double weight(double d, double dl, double avgdl) { return (d * (K1 + 1.0)) / (d + K1 * (1 - B + B * dl / avgdl)); }

/* ---- the build (kh_db_optimize) ---- */

typedef struct post {
  uint32_t doc, d;
} post;

/* One term's row from its postings p[0..n) (ascending docs <= M). */
static int put_term(sqlite3 *s, sqlite3_stmt *ins, const char *term, int tn, const post *p, size_t n, const uint32_t *len,
                    double aref, unsigned char **buf, size_t *cap) {
  size_t bs = (size_t)kh__bm_block, nblk = (n + bs - 1) / bs, need = nblk * BM_DIR + n * 10;
  if (need > *cap) {
    unsigned char *x = kh__realloc(*buf, need);
    if (!x) return KH_ENOMEM;
    *buf = x;
    *cap = need;
  }
  unsigned char *dir = *buf, *pp = *buf + nblk * BM_DIR, *q = pp;
  uint32_t prev = 0;
  for (size_t b = 0; b < nblk; b++) {
    size_t lo = b * bs, hi = lo + bs < n ? lo + bs : n;
    double wmax = 0;
    uint32_t maxd = 0, mindl = UINT32_MAX;
    for (size_t i = lo; i < hi; i++) {
      uint32_t gap = p[i].doc - prev; /* < 2^31: the mark is */
      if (kh__bm_fmt == 1) {
        q += kh__put_var(q, gap);
        q += kh__put_var(q, p[i].d);
      } else if (p[i].d == 1) {
        q += kh__put_var(q, gap << 1 | 1);
      } else {
        q += kh__put_var(q, gap << 1);
        q += kh__put_var(q, p[i].d);
      }
      prev = p[i].doc;
      uint32_t dl = len[p[i].doc];
      double w = weight((double)p[i].d, (double)dl, aref);
      if (w > wmax) wmax = w;
      if (p[i].d > maxd) maxd = p[i].d;
      if (dl < mindl) mindl = dl;
    }
    float f = (float)wmax;
    if ((double)f < wmax) f = nextafterf(f, INFINITY);
    uint32_t fu;
    memcpy(&fu, &f, sizeof fu);
    unsigned char *e = dir + b * BM_DIR;
    wr32(e, prev);
    wr32(e + 4, (uint32_t)(q - pp));
    wr32(e + 8, fu);
    wr16(e + 12, maxd > 65535 ? 65535 : maxd);
    wr16(e + 14, mindl > 65535 ? 65535 : mindl);
  }
  sqlite3_bind_text(ins, 1, term, tn, SQLITE_STATIC);
  sqlite3_bind_int64(ins, 2, (int64_t)n);
  sqlite3_bind_double(ins, 3, aref);
  sqlite3_bind_blob(ins, 4, dir, (int)(nblk * BM_DIR), SQLITE_STATIC);
  sqlite3_bind_blob(ins, 5, pp, (int)(q - pp), SQLITE_STATIC);
  int src = sqlite3_step(ins);
  sqlite3_reset(ins);
  return src == SQLITE_DONE ? 0 : sql_rc(s);
}

static int exec(kh_db *db, const char *sql) { return kh__db_exec(db, sql); }

/* t[0..n) as an FTS5 string, "t" with its quotes doubled, into e (room
** for 2n + 2 bytes): its length. */
static size_t quote(char *e, const char *t, size_t n) {
  size_t m = 0;
  e[m++] = '"';
  for (size_t i = 0; i < n; i++) {
    if (t[i] == '"') e[m++] = '"';
    e[m++] = t[i];
  }
  e[m++] = '"';
  return m;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Add to tv[0..*ntv) the keys without a champion list in at least
** kh__bm_xmin articles (FTS5's count): stopwords, which are never counted
** (جا, the key of جائیں, جانا), and terms counted without a list (وجہ).  A
** query word with such a key has more rows than a rare word walked from
** FTS5 (kh__bm_drive_max), so its AND would otherwise take the pass. */
static int extra_terms(kh_db *db, char ***tv, size_t *ntv, size_t *ctv) {
  sqlite3 *s = db->sql;
  sqlite3_stmt *cand = NULL, *row = NULL;
  size_t n0 = *ntv;
  int rc = exec(db, "CREATE VIRTUAL TABLE IF NOT EXISTS temp.kh_bm_row USING fts5vocab(main, article_fts, row)");
  if (!rc && (sqlite3_prepare_v2(s, "SELECT doc FROM temp.kh_bm_row WHERE term = ?1", -1, &row, NULL) != SQLITE_OK ||
              sqlite3_prepare_v2(s, "SELECT term FROM search_term WHERE state <> 1 AND df >= ?1", -1, &cand, NULL) != SQLITE_OK))
    rc = sql_rc(s);
  if (!rc) sqlite3_bind_int64(cand, 1, kh__bm_xmin / 2); /* counted from the first lists on: fewer than FTS5's */
  for (size_t i = 0; !rc;) {
    const char *t;
    int tn;
    if (cand) { /* the counted terms first, then the stopwords */
      int src = sqlite3_step(cand);
      if (src != SQLITE_ROW) {
        if (src != SQLITE_DONE) rc = sql_rc(s);
        sqlite3_finalize(cand);
        cand = NULL;
        continue;
      }
      t = (const char *)sqlite3_column_text(cand, 0);
      tn = sqlite3_column_bytes(cand, 0);
    } else {
      if (!(t = kh__stopword(i++))) break;
      tn = (int)strlen(t);
    }
    if (!t || tn < 1 || (size_t)tn > KH_MAX_TOKEN || !kh__champ_is_key(t, (size_t)tn)) continue;
    sqlite3_bind_text(row, 1, t, tn, SQLITE_TRANSIENT);
    int src = sqlite3_step(row);
    int64_t df = src == SQLITE_ROW ? sqlite3_column_int64(row, 0) : 0;
    sqlite3_reset(row);
    if (src != SQLITE_ROW && src != SQLITE_DONE) rc = sql_rc(s);
    if (rc || df < kh__bm_xmin) continue;
    if (kh__grow((void **)tv, ctv, *ntv + 1, sizeof **tv, SIZE_MAX / sizeof **tv, &rc)) break;
    if (!((*tv)[*ntv] = kh__strndup(t, (size_t)tn))) rc = KH_ENOMEM;
    else ++*ntv;
  }
  sqlite3_finalize(cand);
  sqlite3_finalize(row);
  /* one list a term (a stopword counted once is both) */
  if (!rc && *ntv > n0) {
    qsort(*tv + n0, *ntv - n0, sizeof **tv, cmp_str);
    size_t w = n0;
    for (size_t r = n0; r < *ntv; r++) {
      if (w > n0 && !strcmp((*tv)[w - 1], (*tv)[r])) kh_free((*tv)[r]);
      else (*tv)[w++] = (*tv)[r];
    }
    *ntv = w;
  }
  return rc;
}

int kh__bm_build(kh_db *db, int (*progress)(void *ctx, const char *table, int steps, int segments), void *ctx) {
  sqlite3 *s = db->sql;
  int64_t have = 0, fwd_from = 0, M = 0, listed = 0, tok = 0;
  int rc = one_int(s, "SELECT count(*) FROM sqlite_master WHERE name IN ('search_bm', 'search_bm_len', 'search_meta')", 0, &have);
  if (rc || have < 3) return rc;
  double nrow = 0, ntok = 0;
  if ((rc = kh__db_exec(db, "BEGIN IMMEDIATE"))) return rc;
  rc = kh__champ_totals(db, &nrow, &ntok);
  if (rc == KH_ENOTFOUND) rc = 0, nrow = 0;
  if (!rc) rc = kh__champ_meta_get(db, "fwd_from", 0, &fwd_from);
  if (!rc) rc = kh__champ_meta_get(db, "tokenizer", -1, &tok);
  if (!rc) rc = one_int(s, "SELECT coalesce(max(id), 0) FROM article_fts_docsize", 0, &M);
  if (!rc) rc = one_int(s, "SELECT count(*) FROM search_term WHERE state = 1", 0, &listed);
  int64_t mark = 0, rows = 0, terms = 0, btok = 0, block = 0, xmin = 0, fmt = 0;
  if (!rc) rc = kh__champ_meta_get(db, "bm_mark", 0, &mark);
  if (!rc) rc = kh__champ_meta_get(db, "bm_xmin", 0, &xmin);
  if (!rc) rc = kh__champ_meta_get(db, "bm_fmt", 1, &fmt);
  if (!rc) rc = kh__champ_meta_get(db, "bm_rows", 0, &rows);
  if (!rc) rc = kh__champ_meta_get(db, "bm_terms", 0, &terms);
  if (!rc) rc = kh__champ_meta_get(db, "bm_tok", 0, &btok);
  if (!rc) rc = kh__champ_meta_get(db, "bm_block", 0, &block);
  /* lists are read only for files whose every article went through champ.c
  ** (fwd_from <= 1: the kept dfs exact); nothing to do when up to date */
  int skip = rc || nrow < 1 || fwd_from > 1 || !listed || M <= 0 || M >= (int64_t)INT32_MAX ||
             (kh__bm_fmt != 1 && kh__bm_fmt != 2) ||
             kh__bm_block < 2 || kh__bm_block > BM_MAX_BLOCK ||
             (mark == M && rows == (int64_t)nrow && terms == listed && btok == tok && block == kh__bm_block &&
              xmin == kh__bm_xmin && fmt == kh__bm_fmt);
  if (skip) {
    sqlite3_exec(s, rc ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
    return rc;
  }
  double aref = ntok / nrow;
  uint32_t *len = kh__calloc((size_t)M + 1, sizeof *len);
  unsigned char *chunk = kh__malloc(BM_LEN_CHUNK * 2);
  char **tv = NULL;
  size_t ntv = 0, ctv = 0;
  post *p = NULL;
  size_t np = 0, cp = 0, cap = 0;
  unsigned char *buf = NULL;
  sqlite3_stmt *st = NULL, *ins = NULL, *mt = NULL;
  if (!len || !chunk) rc = KH_ENOMEM;
  /* the old lists go first: until bm_mark is written again none is read */
  if (!rc) rc = kh__champ_meta_set(db, "bm_mark", 0);
  if (!rc) rc = exec(db, "DELETE FROM search_bm; DELETE FROM search_bm_len");
  /* every article's length, as FTS5's docsize holds it */
  if (!rc && sqlite3_prepare_v2(s, "SELECT id, sz FROM article_fts_docsize WHERE id <= ?1", -1, &st, NULL) != SQLITE_OK)
    rc = sql_rc(s);
  if (!rc) {
    sqlite3_bind_int64(st, 1, M);
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
      int64_t id = sqlite3_column_int64(st, 0);
      int l = 0;
      if (id < 1 || id > M || kh__topk_len_sum(sqlite3_column_blob(st, 1), sqlite3_column_bytes(st, 1), &l) != SQLITE_OK) {
        rc = KH_EDB;
        break;
      }
      len[id] = (uint32_t)l;
    }
    if (!rc && src != SQLITE_DONE) rc = sql_rc(s);
    sqlite3_finalize(st);
    st = NULL;
  }
  if (!rc && sqlite3_prepare_v2(s, "INSERT INTO search_bm_len(chunk, lens) VALUES (?1, ?2)", -1, &st, NULL) != SQLITE_OK)
    rc = sql_rc(s);
  for (int64_t c0 = 0; !rc && c0 <= M; c0 += BM_LEN_CHUNK) {
    int64_t c1 = c0 + BM_LEN_CHUNK - 1 < M ? c0 + BM_LEN_CHUNK - 1 : M;
    for (int64_t i = c0; i <= c1; i++) wr16(chunk + 2 * (i - c0), len[i] > 65535 ? 65535 : len[i]);
    sqlite3_bind_int64(st, 1, c0 / BM_LEN_CHUNK);
    sqlite3_bind_blob(st, 2, chunk, (int)(2 * (c1 - c0 + 1)), SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) rc = sql_rc(s);
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  st = NULL;
  /* the listed terms */
  if (!rc && sqlite3_prepare_v2(s, "SELECT term FROM search_term WHERE state = 1 ORDER BY term", -1, &st, NULL) != SQLITE_OK)
    rc = sql_rc(s);
  while (!rc && sqlite3_step(st) == SQLITE_ROW) {
    if (kh__grow((void **)&tv, &ctv, ntv + 1, sizeof *tv, SIZE_MAX / sizeof *tv, &rc)) break;
    const char *t = (const char *)sqlite3_column_text(st, 0);
    if (!(tv[ntv++] = kh__strndup(t ? t : "", (size_t)sqlite3_column_bytes(st, 0)))) rc = KH_ENOMEM;
  }
  sqlite3_finalize(st);
  st = NULL;
  if (!rc && kh__bm_xmin > 0) rc = extra_terms(db, &tv, &ntv, &ctv);
  if (!rc && progress) progress(ctx, "search_bm", 0, (int)ntv); /* the count (a stop is seen after a step) */
  if (!rc) rc = exec(db, "CREATE VIRTUAL TABLE IF NOT EXISTS temp.kh_bm_vocab USING fts5vocab(main, article_fts, instance)");
  if (!rc && (sqlite3_prepare_v2(s, "SELECT doc, col = 'title' FROM temp.kh_bm_vocab WHERE term = ?1", -1, &st, NULL) != SQLITE_OK ||
              sqlite3_prepare_v2(s, "INSERT OR REPLACE INTO search_bm(term, n, aref, dir, post) VALUES (?1, ?2, ?3, ?4, ?5)", -1,
                                 &ins, NULL) != SQLITE_OK))
    rc = sql_rc(s);
  /* a term FTS5's query tokenizer keeps as itself is read as the rows of
  ** MATCH '"term"' with khabar_dlo's d (FTS5's poslist walked in C, one
  ** row an article), the others from fts5vocab's instance rows (one row an
  ** occurrence): the same postings, the first way ~2x faster */
  const char *msql = "SELECT rowid, khabar_dlo(article_fts) FROM article_fts WHERE article_fts MATCH ?1 AND rowid <= ?2";
  if (!rc && sqlite3_prepare_v2(s, msql, -1, &mt, NULL) != SQLITE_OK) { /* registered on first use */
    mt = NULL;
    if (!kh__topk_register(s) && sqlite3_prepare_v2(s, msql, -1, &mt, NULL) != SQLITE_OK) mt = NULL;
  }
  int steps = 0;
  for (size_t t = 0; !rc && t < ntv; t++) {
    size_t tl = strlen(tv[t]);
    int fast = mt && tl <= KH_MAX_TOKEN && kh__champ_key_alone(tv[t], tl);
    sqlite3_stmt *q = fast ? mt : st;
    if (fast) {
      char e[2 * KH_MAX_TOKEN + 3];
      sqlite3_bind_text(mt, 1, e, (int)quote(e, tv[t], tl), SQLITE_TRANSIENT);
      sqlite3_bind_int64(mt, 2, M);
    } else {
      sqlite3_bind_text(st, 1, tv[t], -1, SQLITE_STATIC);
    }
    np = 0;
    int src;
    while ((src = sqlite3_step(q)) == SQLITE_ROW) {
      int64_t doc = sqlite3_column_int64(q, 0);
      uint32_t w = fast ? (uint32_t)(sqlite3_column_int64(q, 1) >> 32) : sqlite3_column_int(q, 1) ? 4 : 1;
      if (doc < 1 || doc > M) continue; /* stored since the mark */
      if (np && p[np - 1].doc == (uint32_t)doc) {
        p[np - 1].d += w;
        continue;
      }
      if (np && p[np - 1].doc > (uint32_t)doc) {
        rc = KH_EDB; /* FTS5 gives them in rowid order */
        break;
      }
      if (kh__grow((void **)&p, &cp, np + 1, sizeof *p, SIZE_MAX / sizeof *p, &rc)) break;
      p[np++] = (post){(uint32_t)doc, w};
    }
    if (!rc && src != SQLITE_DONE) rc = sql_rc(s);
    sqlite3_reset(q);
    if (!rc && np) rc = put_term(s, ins, tv[t], -1, p, np, len, aref, &buf, &cap);
    if (!rc && (t + 1) % BM_TERMS_STEP == 0) { /* one transaction a step: Ctrl-C loses little */
      if (!(rc = exec(db, "COMMIT"))) {
        steps++;
        if (progress && progress(ctx, "search_bm", steps, (int)(ntv - t - 1))) {
          rc = 1;
          break;
        }
        rc = exec(db, "BEGIN IMMEDIATE");
        if (rc) break;
      }
    }
  }
  sqlite3_finalize(st);
  sqlite3_finalize(mt);
  sqlite3_finalize(ins);
  if (!rc) rc = kh__champ_meta_set(db, "bm_rows", (int64_t)nrow);
  if (!rc) rc = kh__champ_meta_set(db, "bm_terms", listed);
  if (!rc) rc = kh__champ_meta_set(db, "bm_tok", tok);
  if (!rc) rc = kh__champ_meta_set(db, "bm_block", kh__bm_block);
  if (!rc) rc = kh__champ_meta_set(db, "bm_xmin", kh__bm_xmin);
  if (!rc) rc = kh__champ_meta_set(db, "bm_fmt", kh__bm_fmt);
  if (!rc) rc = kh__champ_meta_set(db, "bm_mark", M);
  if (!rc) rc = exec(db, "COMMIT");
  if (rc && rc != 1) sqlite3_exec(s, "ROLLBACK", NULL, NULL, NULL);
  if (!rc && progress && progress(ctx, "search_bm", steps + 1, 0)) rc = 1;
  for (size_t i = 0; i < ntv; i++) kh_free(tv[i]);
  kh_free(tv);
  kh_free(p);
  kh_free(buf);
  kh_free(len);
  kh_free(chunk);
  return rc;
}

/* ---- the query ---- */

struct kh__bm {
  int64_t stamp[2]; /* PRAGMA data_version, total_changes of the last check */
  int checked, valid;
  int64_t mark, rows, block, lmark, fmt;
  uint16_t *len;    /* lengths of articles 0..lmark */
  sqlite3_stmt *st[KH__TOPK_MAX_TERMS]; /* a word's row: its rowid, n, aref, sizes */
  unsigned char *buf[KH__TOPK_MAX_TERMS]; /* a word's dir and post, read into memory kept between queries */
  size_t cap[KH__TOPK_MAX_TERMS];
  sqlite3_stmt *st_dv, *st_sz, *st_n, *st_after;
  uint32_t *dec;    /* decoded blocks: 2 arrays of block per word */
  size_t cdec;
  uint32_t *rr, *rd; /* a rare word's rows up to the mark, and their d */
  size_t nr, cr;
};

void kh__bm_free(kh__bm *s) {
  if (!s) return;
  for (int i = 0; i < KH__TOPK_MAX_TERMS; i++) sqlite3_finalize(s->st[i]), kh_free(s->buf[i]);
  sqlite3_finalize(s->st_dv);
  sqlite3_finalize(s->st_sz);
  sqlite3_finalize(s->st_n);
  sqlite3_finalize(s->st_after);
  kh_free(s->len);
  kh_free(s->dec);
  kh_free(s->rr);
  kh_free(s->rd);
  kh_free(s);
}

static int load_len(sqlite3 *db, kh__bm *s) {
  kh_free(s->len);
  s->lmark = 0;
  if (!(s->len = kh__calloc((size_t)s->mark + 1, sizeof *s->len))) return KH_ENOMEM;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, "SELECT chunk, lens FROM search_bm_len", -1, &st, NULL) != SQLITE_OK) return sql_rc(db);
  int src;
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    int64_t c0 = sqlite3_column_int64(st, 0) * BM_LEN_CHUNK;
    const unsigned char *b = sqlite3_column_blob(st, 1);
    int64_t n = sqlite3_column_bytes(st, 1) / 2;
    for (int64_t i = 0; b && i < n && c0 + i <= s->mark; i++) s->len[c0 + i] = (uint16_t)rd16(b + 2 * i);
  }
  sqlite3_finalize(st);
  if (src != SQLITE_DONE) return sql_rc(db);
  s->lmark = s->mark;
  return 0;
}

/* Whether the lists hold for this file (checked again when it changed). */
static int check(kh_db *db, kh__bm *s, double nrow) {
  sqlite3 *q = db->sql;
  if (!s->st_dv && sqlite3_prepare_v3(q, "PRAGMA data_version", -1, SQLITE_PREPARE_PERSISTENT, &s->st_dv, NULL) != SQLITE_OK)
    return sql_rc(q);
  int64_t now[2] = {-1, sqlite3_total_changes64(q)};
  if (sqlite3_step(s->st_dv) == SQLITE_ROW) now[0] = sqlite3_column_int64(s->st_dv, 0);
  sqlite3_reset(s->st_dv);
  if (now[0] < 0) return sql_rc(q);
  if (s->checked && !memcmp(now, s->stamp, sizeof now)) return s->valid;
  s->checked = 0;
  s->valid = 0;
  int64_t tok = 0, btok = 0, after = 0;
  int rc = kh__champ_meta_get(db, "bm_mark", 0, &s->mark);
  if (!rc && s->mark > 0) {
    if (!rc) rc = kh__champ_meta_get(db, "bm_rows", 0, &s->rows);
    if (!rc) rc = kh__champ_meta_get(db, "bm_block", 0, &s->block);
    if (!rc) rc = kh__champ_meta_get(db, "bm_fmt", 1, &s->fmt);
    if (!rc) rc = kh__champ_meta_get(db, "bm_tok", 0, &btok);
    if (!rc) rc = kh__champ_meta_get(db, "tokenizer", -1, &tok);
    if (!rc) rc = one_int(q, "SELECT count(*) FROM article_fts_docsize WHERE id > ?1", s->mark, &after);
    s->valid = !rc && tok == btok && s->block >= 2 && s->block <= BM_MAX_BLOCK && (int64_t)nrow - s->rows == after &&
               s->mark < (int64_t)UINT32_MAX - 1 && (s->fmt == 1 || (s->fmt == 2 && s->mark < (int64_t)INT32_MAX));
    if (s->valid && s->lmark != s->mark && (rc = load_len(q, s))) s->valid = 0;
  }
  if (rc) return rc;
  memcpy(s->stamp, now, sizeof now);
  s->checked = 1;
  return s->valid;
}

typedef struct bm_list {
  const unsigned char *dir, *post;
  size_t nblk, npost;
  double idf, aref;
  size_t blk;        /* current block: the first whose last rowid >= the target */
  size_t dblk;       /* block decoded into rid/dv (SIZE_MAX none) */
  size_t cnt, pos;
  uint32_t *rid, *dv;
  size_t ubblk;      /* block of ub */
  double ub;
  int word;          /* its index in the query */
  int fmt;           /* the postings' format (kh__bm_fmt) */
} bm_list;

#define LAST(L, b) rd32((L)->dir + (size_t)(b) * BM_DIR)

/* Move L to the first block whose last rowid is >= target (galloping);
** 0: none left. */
static int shallow(bm_list *L, uint32_t target) {
  if (L->blk >= L->nblk) return 0;
  if (LAST(L, L->blk) >= target) return 1;
  size_t lo = L->blk + 1, hi = lo, step = 1;
  while (hi < L->nblk && LAST(L, hi) < target) {
    lo = hi + 1;
    hi += step;
    step <<= 1;
  }
  if (hi > L->nblk) hi = L->nblk;
  while (lo < hi) {
    size_t m = lo + (hi - lo) / 2;
    if (LAST(L, m) < target) lo = m + 1;
    else hi = m;
  }
  L->blk = lo;
  return lo < L->nblk;
}

/* idf times the most an article of length len (at least) in L's current
** block weighs: the block's best weight at aref, scaled, or the weight of
** its largest d at len when that is smaller.  A largest d of 65,535 is
** stored for any d from 65,535 on (an article repeating one word so
** often), so it bounds nothing then. */
static double at_len(bm_list *L, double len, double avgdl) {
  const unsigned char *e = L->dir + L->blk * BM_DIR;
  uint32_t fu = rd32(e + 8), maxd = rd16(e + 12);
  float f;
  memcpy(&f, &fu, sizeof f);
  double b = (double)f * (avgdl > L->aref ? avgdl / L->aref : 1.0);
  if (maxd < 65535) {
    double a = weight((double)maxd, len, avgdl);
    if (a < b) b = a;
  }
  return L->idf * b;
}

/* idf times the most any article of L's current block weighs at avgdl */
static double blk_ub(bm_list *L, double avgdl) {
  if (L->ubblk == L->blk) return L->ub;
  L->ub = at_len(L, (double)rd16(L->dir + L->blk * BM_DIR + 14), avgdl);
  L->ubblk = L->blk;
  return L->ub;
}

/* The first posting >= target of L's current block (decoded once): its
** rowid, or 0 when the block is not what its directory says. */
static uint32_t deep(bm_list *L, uint32_t target, size_t bs) {
  if (L->dblk != L->blk) {
    size_t b = L->blk;
    uint32_t beg = b ? rd32(L->dir + (b - 1) * BM_DIR + 4) : 0, end = rd32(L->dir + b * BM_DIR + 4);
    if (beg > end || end > L->npost) return 0;
    const unsigned char *p = L->post + beg, *e = L->post + end;
    uint32_t prev = b ? LAST(L, b - 1) : 0, v;
    size_t i = 0;
    while (p && p < e && i < bs) {
      uint32_t d = 1;
      if (!(p = kh__get_var(p, e, &v))) break;
      if (L->fmt != 1) { /* gap·2 + 1 (d = 1) or gap·2, d */
        if (!(v & 1) && !(p = kh__get_var(p, e, &d))) break;
        v >>= 1;
      } else if (!(p = kh__get_var(p, e, &d))) {
        break;
      }
      prev += v;
      L->rid[i] = prev;
      L->dv[i++] = d;
    }
    if (!p || p != e || !i || prev != LAST(L, b)) return 0;
    L->cnt = i;
    L->pos = 0;
    L->dblk = b;
    kh__bm_stat[KH__BM_DECODED]++;
  }
  while (L->pos < L->cnt && L->rid[L->pos] < target) L->pos++;
  return L->pos < L->cnt ? L->rid[L->pos] : 0;
}

static int cmp_hit(const void *a, const void *b) {
  const kh__champ_hit *x = a, *y = b;
  return kh__topk_worse(x, y) ? 1 : kh__topk_worse(y, x) ? -1 : 0;
}

static int cmp_len(const void *a, const void *b) {
  const bm_list *x = a, *y = b;
  return x->npost != y->npost ? (x->npost < y->npost ? -1 : 1) : x->word - y->word;
}

int kh__bm_df(kh_db *db, kh__bm **state, const char *key, size_t kl, double nrow, double *df) {
  *df = 0;
  if (!kh__bm_use || kl < 1 || kl > KH_MAX_TOKEN) return 0;
  kh__bm *s = *state;
  if (!s && !(s = *state = kh__calloc(1, sizeof *s))) return KH_ENOMEM;
  int rc = check(db, s, nrow);
  if (rc <= 0) return rc;
  sqlite3 *q = db->sql;
  if (!s->st_n && sqlite3_prepare_v3(q, "SELECT n FROM search_bm WHERE term = ?1", -1, SQLITE_PREPARE_PERSISTENT, &s->st_n,
                                     NULL) != SQLITE_OK)
    return sql_rc(q);
  sqlite3_bind_text(s->st_n, 1, key, (int)kl, SQLITE_STATIC);
  int src = sqlite3_step(s->st_n);
  int64_t n = src == SQLITE_ROW ? sqlite3_column_int64(s->st_n, 0) : 0;
  sqlite3_reset(s->st_n);
  if (src != SQLITE_ROW) return src == SQLITE_DONE ? 0 : sql_rc(q);
  if (n <= 0) return 0;
  int64_t after = 0;
  if ((int64_t)nrow > s->rows) { /* its articles after the mark, from FTS5 */
    char e[2 * KH_MAX_TOKEN + 3];
    size_t m = quote(e, key, kl);
    if (!s->st_after && sqlite3_prepare_v3(q, "SELECT count(*) FROM article_fts WHERE article_fts MATCH ?1 AND rowid > ?2", -1,
                                           SQLITE_PREPARE_PERSISTENT, &s->st_after, NULL) != SQLITE_OK)
      return sql_rc(q);
    sqlite3_bind_text(s->st_after, 1, e, (int)m, SQLITE_STATIC);
    sqlite3_bind_int64(s->st_after, 2, s->mark);
    src = sqlite3_step(s->st_after);
    after = src == SQLITE_ROW ? sqlite3_column_int64(s->st_after, 0) : 0;
    sqlite3_reset(s->st_after);
    if (src != SQLITE_ROW) return sql_rc(q);
  }
  *df = (double)(n + after);
  return 1;
}

/* The rare word's rows from FTS5 (its expression, as the pass searches it):
** those up to the mark into s->rr / s->rd with their d, all of them counted
** into *df; 0 when more than kh__bm_drive_max. */
static int rare_rows(kh_db *db, kh__bm *s, const char *expr, int64_t *df) {
  const char *sql = "SELECT rowid, khabar_dlo(article_fts) FROM article_fts WHERE article_fts MATCH ?1";
  sqlite3_stmt *st;
  *df = 0;
  s->nr = 0;
  if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK) { /* registered on first use */
    int rc = kh__topk_register(db->sql);
    if (rc) return rc;
    if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK) return sql_rc(db->sql);
  }
  sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
  int src, rc = 0;
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    if (++*df > kh__bm_drive_max) break;
    int64_t doc = sqlite3_column_int64(st, 0), v = sqlite3_column_int64(st, 1);
    if (doc < 1 || doc > s->mark) continue; /* after the mark: the pass */
    if (s->nr == s->cr) {
      size_t nc = s->cr ? 2 * s->cr : 1024;
      uint32_t *a = kh__realloc(s->rr, nc * sizeof *a), *b = a ? kh__realloc(s->rd, nc * sizeof *b) : NULL;
      if (a) s->rr = a;
      if (b) s->rd = b, s->cr = nc;
      if (!b) {
        rc = KH_ENOMEM;
        break;
      }
    }
    if (s->nr && s->rr[s->nr - 1] >= (uint32_t)doc) {
      rc = KH_EDB; /* FTS5 gives them in rowid order */
      break;
    }
    s->rr[s->nr] = (uint32_t)doc;
    s->rd[s->nr++] = (uint32_t)(v >> 32);
  }
  if (!rc && src != SQLITE_ROW && src != SQLITE_DONE) rc = sql_rc(db->sql);
  sqlite3_finalize(st);
  return rc ? rc : src == SQLITE_ROW ? 0 : 1;
}

int kh__bm_topk(kh_db *db, kh__bm **state, const char *const *keys, const size_t *kl, double *idf_io, size_t nw,
                int rare, const char *rare_expr, double nrow, double avgdl, size_t k, kh__champ_hit *out, size_t *nout,
                int64_t *mark, int *more) {
  *nout = 0;
  if (!kh__bm_use || nw < 1 || nw > KH__TOPK_MAX_TERMS || k < 1 || !(avgdl > 0) || rare >= (int)nw ||
      (rare >= 0 && (!rare_expr || kh__bm_drive_max < 1)))
    return 0;
  kh__bm *s = *state;
  if (!s && !(s = *state = kh__calloc(1, sizeof *s))) return KH_ENOMEM;
  int rc = check(db, s, nrow);
  if (rc <= 0) return rc;
  size_t bs = (size_t)s->block;
  double idf[KH__TOPK_MAX_TERMS];
  memcpy(idf, idf_io, nw * sizeof *idf);
  unsigned char rdir[BM_DIR];
  if (rare >= 0) { /* its rows, and its idf as bm25() counts it */
    int64_t df = 0;
    if ((rc = rare_rows(db, s, rare_expr, &df)) <= 0) return rc;
    double x = log((nrow - (double)df + 0.5) / ((double)df + 0.5));
    idf[rare] = x <= 0.0 ? 1e-6 : x;
    uint32_t maxd = 0;
    for (size_t j = 0; j < s->nr; j++)
      if (s->rd[j] > maxd) maxd = s->rd[j];
    float f = (float)(K1 + 1.0); /* one block of them, decoded: no weight above k1 + 1 */
    if ((double)f < K1 + 1.0) f = nextafterf(f, INFINITY);
    uint32_t fu;
    memcpy(&fu, &f, sizeof fu);
    wr32(rdir, s->nr ? s->rr[s->nr - 1] : 0);
    wr32(rdir + 4, 0);
    wr32(rdir + 8, fu);
    wr16(rdir + 12, maxd > 65535 ? 65535 : maxd);
    wr16(rdir + 14, 0);
  }
  if (s->cdec < 2 * bs * nw) {
    uint32_t *x = kh__realloc(s->dec, 2 * bs * KH__TOPK_MAX_TERMS * sizeof *x);
    if (!x) return KH_ENOMEM;
    s->dec = x;
    s->cdec = 2 * bs * KH__TOPK_MAX_TERMS;
  }
  bm_list L[KH__TOPK_MAX_TERMS];
  sqlite3_blob *hb[2] = {NULL, NULL}; /* dir, post */
  size_t nl = 0;
  int answered = 0;
  rc = 0;
  for (size_t i = 0; i < nw; i++) {
    if ((int)i == rare) { /* its rows as one decoded block (sorted by about their bytes in a list) */
      L[i] = (bm_list){.dir = rdir, .nblk = s->nr ? 1 : 0, .npost = 2 * s->nr, .idf = idf[i], .aref = avgdl, .dblk = 0,
                       .cnt = s->nr, .rid = s->rr, .dv = s->rd, .ubblk = SIZE_MAX, .word = (int)i};
      continue;
    }
    sqlite3_stmt **st = &s->st[i];
    if (!*st && sqlite3_prepare_v3(db->sql, "SELECT n, aref, length(dir), length(post), rowid FROM search_bm WHERE term = ?1",
                                   -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK) {
      rc = sql_rc(db->sql);
      goto done;
    }
    sqlite3_bind_text(*st, 1, keys[i], (int)kl[i], SQLITE_STATIC);
    nl = i + 1;
    int src = sqlite3_step(*st);
    if (src == SQLITE_DONE) goto done; /* a word without a list */
    if (src != SQLITE_ROW) {
      rc = sql_rc(db->sql);
      goto done;
    }
    bm_list *l = &L[i];
    /* dir and post through blob handles into this word's buffer: a copy
    ** of the pages as sqlite3_column_blob makes, but into memory kept
    ** between queries, not a fresh allocation of up to 2 MB a query whose
    ** every page faults in (a third of a 3-word query's CPU at 1M) */
    int64_t nd64 = sqlite3_column_int64(*st, 2), np64 = sqlite3_column_int64(*st, 3), rowid = sqlite3_column_int64(*st, 4);
    if (nd64 <= 0 || np64 <= 0 || nd64 > INT32_MAX || np64 > INT32_MAX - nd64) goto done; /* not a list this code wrote */
    size_t nd = (size_t)nd64, need = nd + (size_t)np64;
    if (need > s->cap[i]) {
      unsigned char *x = kh__realloc(s->buf[i], need);
      if (!x) {
        rc = KH_ENOMEM;
        goto done;
      }
      s->buf[i] = x;
      s->cap[i] = need;
    }
    for (int col = 0; col < 2; col++) {
      sqlite3_blob **h = &hb[col];
      int brc = *h ? sqlite3_blob_reopen(*h, rowid)
                   : sqlite3_blob_open(db->sql, "main", "search_bm", col ? "post" : "dir", rowid, 0, h);
      if (brc == SQLITE_OK) brc = sqlite3_blob_read(*h, s->buf[i] + (col ? nd : 0), col ? (int)np64 : (int)nd, 0);
      if (brc != SQLITE_OK) {
        rc = brc == SQLITE_NOMEM ? KH_ENOMEM : KH_EDB;
        goto done;
      }
    }
    l->dir = s->buf[i];
    l->post = s->buf[i] + nd;
    l->npost = (size_t)np64;
    l->nblk = nd / BM_DIR;
    l->aref = sqlite3_column_double(*st, 1);
    l->idf = idf[i];
    l->blk = 0;
    l->dblk = l->ubblk = SIZE_MAX;
    l->cnt = l->pos = 0;
    l->word = (int)i;
    l->fmt = (int)s->fmt;
    if (nd % BM_DIR || !l->nblk || !(l->aref > 0) || rd32(l->dir + nd - BM_DIR + 4) != l->npost ||
        sqlite3_column_int64(*st, 0) <= 0)
      goto done; /* not a list this code wrote: the usual way */
  }
  qsort(L, nw, sizeof *L, cmp_len); /* the shortest drives */
  for (size_t i = 0; i < nw; i++)
    if (L[i].word != rare) L[i].rid = s->dec + 2 * bs * i, L[i].dv = L[i].rid + bs;
  size_t n = 0;
  uint32_t target = 1;
  const double slack = 1 + 1e-9;
  for (;;) {
    size_t i;
    for (i = 0; i < nw && shallow(&L[i], target); i++) {
    }
    if (i < nw) break; /* a list ended: no more matches */
    if (n == k) {
      double ub = 0;
      for (i = 0; i < nw; i++) ub += blk_ub(&L[i], avgdl);
      if (ub * slack < out[0].score) { /* nothing up to the first block end can enter */
        uint32_t m = UINT32_MAX;
        for (i = 0; i < nw; i++)
          if (LAST(&L[i], L[i].blk) < m) m = LAST(&L[i], L[i].blk);
        target = m + 1;
        kh__bm_stat[KH__BM_SKIPPED]++;
        continue;
      }
    }
    uint32_t c = deep(&L[0], target, bs);
    if (!c) goto done; /* damaged: the usual way */
    target = c + 1;
    int len = c <= s->lmark ? s->len[c] : 0;
    if (len == 0 || len == 65535) { /* not kept: FTS5's docsize */
      if (!s->st_sz && sqlite3_prepare_v3(db->sql, "SELECT sz FROM article_fts_docsize WHERE id = ?1", -1,
                                          SQLITE_PREPARE_PERSISTENT, &s->st_sz, NULL) != SQLITE_OK) {
        rc = sql_rc(db->sql);
        goto done;
      }
      if ((rc = kh__topk_doc_len(s->st_sz, c, &len))) goto done;
    }
    /* the driving word's weight exactly, each other word at most what its
    ** block allows at this length; then word by word from their postings */
    double d[KH__TOPK_MAX_TERMS], ub[KH__TOPK_MAX_TERMS + 1], D = (double)len;
    double part = L[0].idf * weight((double)L[0].dv[L[0].pos], D, avgdl);
    d[L[0].word] = (double)L[0].dv[L[0].pos];
    for (i = 1; i < nw; i++)
      if (!shallow(&L[i], c)) break;
    if (i < nw) break; /* a list ended */
    if (n == k) { /* ub[i]: what the words from the i-th on can add at most */
      ub[nw] = 0;
      for (i = nw - 1; i >= 1; i--) ub[i] = ub[i + 1] + at_len(&L[i], D, avgdl);
      if ((part + ub[1]) * slack < out[0].score) continue;
    }
    int all = 1;
    for (i = 1; i < nw; i++) {
      uint32_t r = deep(&L[i], c, bs);
      if (!r) goto done;
      if (r != c) {
        target = r;
        all = 0;
        break;
      }
      d[L[i].word] = (double)L[i].dv[L[i].pos];
      if (n == k) {
        part += L[i].idf * weight(d[L[i].word], D, avgdl);
        if ((part + ub[i + 1]) * slack < out[0].score) break;
      }
    }
    if (!all || i < nw) continue;
    kh__bm_stat[KH__BM_SCORED]++;
    kh__champ_hit x = {c, kh__topk_bm25(idf, d, nw, (double)len, avgdl)};
    kh__topk_heap_add(out, &n, k, x);
  }
  qsort(out, n, sizeof *out, cmp_hit);
  if (rare >= 0) idf_io[rare] = idf[rare];
  *nout = n;
  *mark = s->mark;
  *more = (int64_t)nrow > s->rows;
  answered = 1;
  kh__bm_stat[KH__BM_ANSWERED]++;
  if (rare >= 0) kh__bm_stat[KH__BM_RARE]++;
done:
  for (size_t i = 0; i < nl; i++) sqlite3_reset(s->st[i]);
  sqlite3_blob_close(hb[0]); /* a handle holds a read transaction: none is kept */
  sqlite3_blob_close(hb[1]);
  if (!answered) *nout = 0;
  return rc ? rc : answered;
}
