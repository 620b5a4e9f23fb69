/*
** tiers.c — impact tiers: the exact top k of several frequent words
** without walking their whole doclists.
**
** FTS5 answers `A AND B` by walking both doclists in rowid order; for two
** words each in a third of a million articles that walk alone is most of
** the 20 ms a search may take.  So, for every term with a champion list
** (champ.c, state 1), khabar keeps a second, sparse index of the articles
** where the term weighs most, in its own contentless FTS5 table:
**
**   search_tier(term, since, aref, cut)   one row per tiered term: from
**       article `since` on, every article whose weight of the term
**       w = d·(k1+1) / (d + k1·(1 − b + b·dl/aref)) is >= cut is in the
**       term's tier (d = 4·tf(title) + tf(body), dl its length, as bm25()
**       and champ.c count them)
**   search_tier_fts(t)                    contentless FTS5 (tokenize
**       'ascii'): row = article rowid, text = for every term whose tier
**       holds the article, the term's bytes in hex, written d times
**
** Nothing of it is in article_fts: user queries, snippets, highlight(),
** FTS5's 'integrity-check' and the khabar tokenizer in a plain sqlite3
** shell are exactly as before.  The tier table is written by a put hook
** (kh__tier_open registers it): at the first put of each batch, terms that
** got a list and have no tier yet get one (since = this article; cut = the
** weight above which TIER_FRAC (kh__tier_frac) of the term's last TIER_SAMPLE articles lie,
** aref = the average length then); then every article's tiered terms are
** counted from the token caches (the same tokens and stems the FTS5
** tokenizer replays, so the same d and dl as FTS5's) and its row written.
**
** Query (kh__tier_topk, from champ.c's kh__champ_topk, for an AND of 2+
** words that all have lists and tiers): s = the latest `since`.
**   1. rows < s: one pruned pass over article_fts (topk.c), rowid < s;
**   2. rows >= s: one pruned pass over search_tier_fts for the AND of the
**      words' hex tokens (instances = d; lengths from article_fts's docsize);
**      this walks the tiers only, about TIER_FRAC of each doclist;
**   3. certificate: an article >= s found in 2 has every word in its tier;
**      any other has some word i outside: w_i < cut_i·max(1, avgdl/aref_i)
**      (BM25's weight grows at most linearly with the average length), and
**      every other word j at most its list's best weight (scaled the same
**      way), so its score is below
**        max_i [ idf_i·cut_i·drift_i + Σ_{j≠i} idf_j·maxw_j ].
**      If the k-th score found is above that, the top k is exactly FTS5's;
**   4. else, per set S of the words: an article in the tiers of S only
**      scores below the sum of S's bounds in their tiers and the others'
**      cutoffs; with the champion lists' articles scored first (when that
**      leaves fewer sets), S's words are bounded by their lists' floors
**      instead.  No set whose bound reaches the k-th score: final;
**   5. else each minimal such S is read from the tiers alone (`A NOT B`),
**      and the rows that can still enter are checked from their forward
**      rows in order of their bound;
**   6. else the rows >= s get the full pruned pass over article_fts too,
**      seeded with what was found (same answer, the walk not saved).
** Deletes and rewrites of articles do not exist in khabar (an article is
** stored once); if FTS5's 'rebuild' were run, the tier rows would still
** hold, since they are computed from the same tokens.
*/
#include "store.h"

#include <math.h>
#include <stdlib.h>

#define TIER_FRAC 0.10     /* share of a term's articles its tier aims at */
#define TIER_SAMPLE 2000   /* latest articles of the term read to choose the cutoff */
#define TIER_MIN_SAMPLE 50 /* fewer: no cutoff (cut = TIER_NONE, never used) */
#define TIER_NONE 1e300
#define TIER_MIN_WORK 100000 /* sum of the words' dfs from which queries use the tiers */
#define TIER_PEND 4096     /* articles in some word's tier that may be checked one by one, at most */
#define TIER_EXPECT 2.0    /* the tiers' AND must be expected to hold this many x k articles */

static const double K1 = 1.2, B = 0.75, W_TITLE = 4.0, W_BODY = 1.0;

long kh__tier_stat[KH__TIER_NSTAT];
double kh__tier_min_work = TIER_MIN_WORK;
double kh__tier_frac = TIER_FRAC;
long kh__tier_pend = TIER_PEND;
int kh__tier_lists = 1;
double kh__tier_min_expect = TIER_EXPECT;

typedef struct tier {
  uint64_t h;        /* kh__term_hash of the term */
  uint32_t off, len; /* its bytes in the arena */
  double cut, aref;
  uint32_t mark, d;  /* article counted last, its d */
} tier;

typedef struct tiers {
  tier *v;
  size_t n, cap;
  uint32_t *idx;     /* open addressing on h: index + 1, 0 empty */
  size_t icap;
  kh__buf arena;
  uint32_t mark;     /* articles counted */
  uint32_t *hit;     /* tiers met in the current article */
  size_t nhit, hcap;
  kh__buf text;      /* the current article's tier row */
  int64_t rows;      /* search_tier rows in memory; -1: read again */
  int nocreate;      /* make no new tiers */
  int nonkey;        /* some tiered term is no query key (champ.c does not count it) */
  /* champ.c's dictionary id -> index + 1 of its tier, UINT32_MAX none, 0
  ** not looked up; valid for the dictionary's epoch and this map's gen */
  uint32_t *tix;
  size_t ntix;
  uint32_t tix_epoch, gen, tix_gen;
  sqlite3_stmt *st_ins;
} tiers;

/* ---- the map of tiered terms ---- */

static tier *map_find(tiers *t, uint64_t h, const char *s, size_t n) {
  if (!t->icap) return NULL;
  for (size_t j = h & (t->icap - 1); t->idx[j]; j = (j + 1) & (t->icap - 1)) {
    tier *x = &t->v[t->idx[j] - 1];
    if (x->h == h && x->len == n && !memcmp(t->arena.data + x->off, s, n)) return x;
  }
  return NULL;
}

static void map_clear(tiers *t) {
  t->gen++;
  t->nonkey = 0;
  t->n = 0;
  t->arena.len = 0;
  if (t->idx) memset(t->idx, 0, t->icap * sizeof *t->idx);
}

static int map_add(tiers *t, const char *s, size_t n, double cut, double aref) {
  uint64_t h = kh__term_hash(s, n);
  if (map_find(t, h, s, n)) return 0;
  if ((t->n + 1) * 2 > t->icap) {
    size_t cap = t->icap ? t->icap * 2 : 1024;
    uint32_t *idx = kh__calloc(cap, sizeof *idx);
    if (!idx) return KH_ENOMEM;
    for (size_t i = 0; i < t->n; i++) {
      size_t j = t->v[i].h & (cap - 1);
      while (idx[j]) j = (j + 1) & (cap - 1);
      idx[j] = (uint32_t)i + 1;
    }
    kh_free(t->idx);
    t->idx = idx;
    t->icap = cap;
  }
  int rc = 0;
  if (kh__grow((void **)&t->v, &t->cap, t->n + 1, sizeof *t->v, UINT32_MAX, &rc)) return rc;
  size_t off = t->arena.len;
  kh__buf_append(&t->arena, s, n, &rc);
  if (rc) return rc;
  t->v[t->n] = (tier){h, (uint32_t)off, (uint32_t)n, cut, aref, 0, 0};
  t->gen++;
  /* champ.c counts only query keys (terms that are their own light stem)
  ** and no stopword: a tier of another term is counted from the tokens */
  char st[KH_MAX_TOKEN + 1];
  int m = n <= KH_MAX_TOKEN ? kh_stem(s, n, st, sizeof st) : 1;
  if (n > KH_MAX_TOKEN || (m > 0 && !((size_t)m == n && !memcmp(st, s, n))) || kh_is_stopword(s, n)) t->nonkey = 1;
  size_t j = h & (t->icap - 1);
  while (t->idx[j]) j = (j + 1) & (t->icap - 1);
  t->idx[j] = (uint32_t)++t->n;
  return 0;
}

static int sql_rc(sqlite3 *db) { return sqlite3_errcode(db) == SQLITE_NOMEM ? KH_ENOMEM : KH_EDB; }

/* Read search_tier into the map. */
static int load(kh_db *db, tiers *t) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db->sql, "SELECT term, cut, aref FROM search_tier", -1, &st, NULL)) return sql_rc(db->sql);
  map_clear(t);
  int rc = 0, src;
  int64_t rows = 0;
  while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW) {
    rows++;
    rc = map_add(t, (const char *)sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0),
                 sqlite3_column_double(st, 1), sqlite3_column_double(st, 2));
  }
  if (!rc && src != SQLITE_DONE) rc = sql_rc(db->sql);
  sqlite3_finalize(st);
  t->rows = rc ? -1 : rows;
  return rc;
}

/* The value w would hold at k (k < m) once sorted in descending order
** (quickselect: w is reordered, not sorted). */
static double kth_desc(double *w, size_t m, size_t k) {
  size_t lo = 0, hi = m - 1;
  while (lo < hi) {
    double a = w[lo], b = w[lo + (hi - lo) / 2], c = w[hi]; /* median of three */
    double p = a > b ? (b > c ? b : a > c ? c : a) : (a > c ? a : b > c ? c : b);
    size_t i = lo, j = hi;
    while (i <= j) {
      while (w[i] > p) i++;
      while (w[j] < p) j--;
      if (i <= j) {
        double x = w[i];
        w[i] = w[j], w[j] = x;
        i++;
        if (j == 0) break;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return w[k];
  }
  return w[k];
}

/* The cutoff of term s: the weight above which TIER_FRAC of its latest
** TIER_SAMPLE articles lie (at the average length avgdl), or TIER_NONE. */
static int choose_cut(kh_db *db, const char *s, size_t n, double avgdl, double *cut) {
  *cut = TIER_NONE;
  int rc = 0;
  kh__buf q = {0};
  kh__buf_appendc(&q, '"', &rc);
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '"') kh__buf_appendc(&q, '"', &rc);
    kh__buf_appendc(&q, s[i], &rc);
  }
  kh__buf_appendc(&q, '"', &rc);
  double *w = kh__malloc(TIER_SAMPLE * sizeof *w);
  if (!w) rc = KH_ENOMEM;
  sqlite3_stmt *st = NULL;
  /* d from the positions (khabar_dlo), the length from champ.c's memory
  ** where it has it (a docsize seek each otherwise): khabar_w's weight */
  if (!rc && sqlite3_prepare_v2(db->sql,
                                "SELECT rowid, khabar_dlo(article_fts) FROM article_fts WHERE article_fts MATCH ?1"
                                " ORDER BY rowid DESC LIMIT ?2",
                                -1, &st, NULL))
    rc = sql_rc(db->sql);
  size_t m = 0;
  if (!rc && avgdl > 0) { /* (khabar_w failed without it: no tier) */
    sqlite3_bind_text(st, 1, q.data, (int)q.len, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, TIER_SAMPLE);
    int src = SQLITE_DONE;
    while (m < TIER_SAMPLE && (src = sqlite3_step(st)) == SQLITE_ROW) {
      uint32_t len;
      double d = (double)(sqlite3_column_int64(st, 1) >> 32);
      if (kh__champ_doc_len(db, sqlite3_column_int64(st, 0), &len)) {
        src = SQLITE_ERROR; /* as khabar_w failed on a row without a length */
        break;
      }
      w[m++] = (d * (K1 + 1.0)) / (d + K1 * (1 - B + B * (double)len / avgdl));
    }
    /* a term FTS5's query tokenizer cannot spell alone: no tier */
    if (src != SQLITE_DONE && src != SQLITE_ROW) m = 0;
  }
  sqlite3_finalize(st);
  if (!rc && m >= TIER_MIN_SAMPLE) {
    *cut = kth_desc(w, m, (size_t)(kh__tier_frac * (double)m));
  }
  kh_free(w);
  kh__buf_free(&q);
  return rc;
}

/* At the first put of a batch: read the tiers again if another connection
** added some, and give every term with a list and no tier one, from
** article `first` on. */
static int sync(kh_db *db, tiers *t, int64_t first) {
  sqlite3_stmt *st;
  int rc = 0, src;
  if (sqlite3_prepare_v2(db->sql, "SELECT count(*) FROM search_tier", -1, &st, NULL)) return sql_rc(db->sql);
  int64_t rows = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
  sqlite3_finalize(st);
  st = NULL;
  if (rows < 0) return sql_rc(db->sql);
  if (rows != t->rows && (rc = load(db, t))) return rc;
  if (t->nocreate) return 0;
  if (sqlite3_prepare_v2(db->sql,
                         "SELECT term FROM search_term WHERE state IN (1, 2) AND NOT EXISTS"
                         " (SELECT 1 FROM search_tier WHERE search_tier.term = search_term.term)",
                         -1, &st, NULL))
    return sql_rc(db->sql);
  kh__buf terms = {0}; /* NUL-separated: no writes while the query runs */
  while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW) {
    kh__buf_append(&terms, (const char *)sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0), &rc);
    kh__buf_appendc(&terms, '\0', &rc);
  }
  if (!rc && src != SQLITE_DONE) rc = sql_rc(db->sql);
  sqlite3_finalize(st);
  st = NULL;
  double nrow = 0, ntok = 0;
  if (!rc && terms.len) rc = kh__champ_totals(db, &nrow, &ntok);
  if (!rc && terms.len && sqlite3_prepare_v2(db->sql, "INSERT INTO search_tier(term, since, aref, cut) VALUES (?1, ?2, ?3, ?4)",
                                             -1, &st, NULL))
    rc = sql_rc(db->sql);
  double avgdl = nrow > 0 ? ntok / nrow : 0;
  for (size_t i = 0; !rc && i < terms.len; i += strlen(terms.data + i) + 1) {
    const char *s = terms.data + i;
    size_t n = strlen(s);
    double cut;
    if ((rc = choose_cut(db, s, n, avgdl, &cut))) break;
    sqlite3_bind_text(st, 1, s, (int)n, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, first);
    sqlite3_bind_double(st, 3, avgdl);
    sqlite3_bind_double(st, 4, cut);
    if (sqlite3_step(st) != SQLITE_DONE) rc = sql_rc(db->sql);
    sqlite3_reset(st);
    if (!rc && (rc = map_add(t, s, n, cut, avgdl)) == 0) t->rows++;
  }
  sqlite3_finalize(st);
  kh__buf_free(&terms);
  if (rc) t->rows = -1;
  return rc;
}

/* ---- ingest: the put hook ---- */

static int count(tiers *t, uint64_t h, const char *s, size_t n, uint32_t w) {
  tier *x = map_find(t, h, s, n);
  if (!x || x->cut >= TIER_NONE) return 0;
  if (x->mark != t->mark) {
    int rc = 0;
    if (kh__grow((void **)&t->hit, &t->hcap, t->nhit + 1, sizeof *t->hit, UINT32_MAX, &rc)) return rc;
    t->hit[t->nhit++] = (uint32_t)(x - t->v);
    x->mark = t->mark;
    x->d = 0;
  }
  x->d += w;
  return 0;
}

static const char HEX[] = "0123456789abcdef";

static int tier_put(void *ctx, kh_db *db, int64_t rowid, const kh_article *a) {
  (void)a;
  tiers *t = ctx;
  int rc = 0;
  if ((db->batch == 0 || t->rows < 0) && (rc = sync(db, t, rowid))) return rc;
  if (!t->n) return 0;
  t->mark++;
  t->nhit = 0;
  uint64_t dl = 0;
  const uint32_t *ids;
  size_t nid;
  uint32_t dl32;
  const kh__terms *cd;
  int counted = !t->nonkey && kh__champ_doc_terms(db, rowid, &ids, &nid, &dl32, &cd);
  if (counted) {
    /* champ.c has counted the article's query keys (every tiered term is
    ** one), in the order of their first token: the same d, length and
    ** order as the walk below, without a hashed lookup per token */
    if (t->tix_epoch != cd->epoch || t->tix_gen != t->gen) {
      if (t->tix) memset(t->tix, 0, t->ntix * sizeof *t->tix);
      t->tix_epoch = cd->epoch;
      t->tix_gen = t->gen;
    }
    if (cd->n > t->ntix) {
      size_t cap = t->ntix ? t->ntix : 4096;
      while (cap < cd->n) cap *= 2;
      uint32_t *x = kh__realloc(t->tix, cap * sizeof *x);
      if (!x) return KH_ENOMEM;
      memset(x + t->ntix, 0, (cap - t->ntix) * sizeof *x);
      t->tix = x;
      t->ntix = cap;
    }
    for (size_t i = 0; i < nid; i++) {
      uint32_t id = ids[i], ix = t->tix[id - 1];
      const kh__term *e = &cd->v[id - 1];
      if (!ix) {
        tier *f = map_find(t, e->h, cd->arena.data + e->off, e->len);
        t->tix[id - 1] = ix = f ? (uint32_t)(f - t->v) + 1 : UINT32_MAX;
      }
      if (ix == UINT32_MAX || t->v[ix - 1].cut >= TIER_NONE) continue;
      if (kh__grow((void **)&t->hit, &t->hcap, t->nhit + 1, sizeof *t->hit, UINT32_MAX, &rc)) return rc;
      t->hit[t->nhit++] = ix - 1;
      t->v[ix - 1].mark = t->mark;
      t->v[ix - 1].d = e->d;
    }
    dl = dl32;
  }
  /* else the tokens exactly as fts5.c's replay emits them: each token, and
  ** for a word its light stem when it differs; a token is a new position
  ** unless it is colocated (and not the first) */
  for (int c = 0; c < 2 && !rc && !counted; c++) {
    const kh__tokcache *tc = &db->cache[c];
    kh__terms *dict = tc->dict;
    uint32_t wt = c == 0 ? (uint32_t)W_TITLE : (uint32_t)W_BODY;
    for (size_t k = 0; k < tc->n && !rc; k++) {
      const kh__tokrec *r = &tc->v[k];
      const char *norm = tc->norms.data + r->off;
      dl += !(r->flags & KH_TOKF_COLOC) || k == 0;
      const kh__term *e = dict && r->term ? &dict->v[r->term - 1] : NULL;
      rc = count(t, e ? e->h : kh__term_hash(norm, r->len), norm, r->len, wt);
      if (rc || r->kind != KH_TOK_WORD) continue;
      if (e && e->stemmed) {
        if (e->stem) {
          const kh__term *st = &dict->v[e->stem - 1];
          rc = count(t, st->h, dict->arena.data + st->off, st->len, wt);
        }
      } else {
        char s[KH_MAX_TOKEN + 1];
        int n = kh_stem(norm, r->len, s, sizeof s);
        if (n > 0 && !((uint32_t)n == r->len && !memcmp(s, norm, (size_t)n)))
          rc = count(t, kh__term_hash(s, (size_t)n), s, (size_t)n, wt);
      }
    }
  }
  if (rc || !t->nhit) return rc;
  t->text.len = 0;
  for (size_t i = 0; i < t->nhit && !rc; i++) {
    const tier *x = &t->v[t->hit[i]];
    double d = (double)x->d;
    double w = (d * (K1 + 1.0)) / (d + K1 * (1 - B + B * (double)dl / x->aref));
    if (!(w >= x->cut)) continue;
    const unsigned char *s = (const unsigned char *)t->arena.data + x->off;
    size_t one = 2 * (size_t)x->len + 1; /* the term in hex and a space, d times */
    if ((uint64_t)one * x->d > SIZE_MAX / 2) rc = KH_ETOOBIG;
    kh__buf_reserve(&t->text, one * x->d, &rc);
    if (rc) break;
    char *o = t->text.data + t->text.len;
    for (uint32_t j = 0; j < x->len; j++) {
      o[2 * j] = HEX[s[j] >> 4];
      o[2 * j + 1] = HEX[s[j] & 15];
    }
    o[one - 1] = ' ';
    for (uint32_t rep = 1; rep < x->d; rep++) memcpy(o + rep * one, o, one);
    t->text.len += one * x->d;
    t->text.data[t->text.len] = '\0';
  }
  if (rc || !t->text.len) return rc;
  if (!t->st_ins && sqlite3_prepare_v3(db->sql, "INSERT INTO search_tier_fts(rowid, t) VALUES (?1, ?2)", -1,
                                       SQLITE_PREPARE_PERSISTENT, &t->st_ins, NULL))
    return sql_rc(db->sql);
  sqlite3_bind_int64(t->st_ins, 1, rowid);
  sqlite3_bind_text(t->st_ins, 2, t->text.data, (int)t->text.len, SQLITE_STATIC);
  rc = sqlite3_step(t->st_ins) == SQLITE_DONE ? 0 : sql_rc(db->sql);
  sqlite3_reset(t->st_ins);
  sqlite3_clear_bindings(t->st_ins);
  return rc;
}

static void tier_discard(void *ctx) { ((tiers *)ctx)->rows = -1; /* tiers made in the batch are gone */ }

static void tier_release(void *ctx) {
  tiers *t = ctx;
  sqlite3_finalize(t->st_ins);
  kh_free(t->v);
  kh_free(t->idx);
  kh_free(t->hit);
  kh_free(t->tix);
  kh__buf_free(&t->arena);
  kh__buf_free(&t->text);
  kh_free(t);
}

static const kh__hook_ops tier_ops = {.discard = tier_discard, .release = tier_release};

int kh__tier_open(kh_db *db) {
  if (db->version < 7) return 0; /* cannot happen after migration */
  tiers *t = kh__calloc(1, sizeof *t);
  if (!t) return KH_ENOMEM;
  t->rows = -1;
  /* KHABAR_NO_TIERS: no new tiers (benchmarks measure their cost); the
  ** tiers a file has are still kept up */
  t->nocreate = getenv("KHABAR_NO_TIERS") != NULL;
  int rc = kh__topk_register(db->sql);
  if (!rc) rc = kh__db_on_put_ops(db, tier_put, &tier_ops, t);
  if (rc) tier_release(t);
  return rc;
}

/* ---- query ---- */

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

static int cmp_hit(const void *a, const void *b) {
  const kh__champ_hit *x = a, *y = b;
  if (x->score != y->score) return x->score > y->score ? -1 : 1;
  return x->rowid < y->rowid ? -1 : x->rowid > y->rowid;
}


/* rowid asc, then the lower (tighter) bound first */
static int cmp_bound_rowid(const void *a, const void *b) {
  const kh__bound_row *x = a, *y = b;
  if (x->rowid != y->rowid) return x->rowid < y->rowid ? -1 : 1;
  return x->ub < y->ub ? -1 : x->ub > y->ub;
}

/* The articles p[0..m) of the tiers' OR that may still enter heap[0..n)
** (n = k, best first), in order of their bound (p[j].ub, at their own
** length p[j].n): each is scored from one read of its forward row
** (every word's d: an article holding the word finds its own d there; one
** lacking it reads -1 or, on a hash collision, another word's d) and the
** length FTS5's docsize gave, the score as bm25() computes it; the first
** whose bound is below the k-th score ends it (every later one is lower).
** The ones that enter are confirmed by FTS5 (MATCH ... AND rowid = ?).
** *done = 1: heap is the answer; 0: an article had no forward row or was
** not confirmed (the caller restores heap and takes the full pass).
** *checked = forward rows read. */
static int check_pending(kh_db *db, const kh__topk_req *r, const char *const *keys, const size_t *kl, size_t nw,
                         double avgdl, kh__bound_row *p, size_t m, kh__champ_hit *heap, size_t n, int *done,
                         long *checked) {
  *done = 0;
  *checked = 0;
  int64_t *entered = kh__malloc((m ? m : 1) * sizeof *entered);
  if (!entered) return KH_ENOMEM;
  size_t ne = 0;
  int rc = 0;
  qsort(p, m, sizeof *p, kh__bound_row_cmp);
  for (size_t j = 0; j < m && !rc; j++) {
    if (p[j].ub * (1 + 1e-12) < heap[n - 1].score) break; /* no later one can enter */
    int ok = 1;
    for (size_t h = 0; h < n && ok; h++) ok = heap[h].rowid != p[j].rowid; /* scored already */
    if (!ok) continue;
    int32_t v[KH__TOPK_MAX_TERMS];
    rc = kh__champ_fwd_ds(db, p[j].rowid, keys, kl, nw, v);
    (*checked)++;
    if (rc == KH_ENOTFOUND) goto out; /* no forward row: the full pass */
    if (rc) break;
    double d[KH__TOPK_MAX_TERMS];
    for (size_t i = 0; i < nw && ok; i++) ok = v[i] > 0, d[i] = (double)v[i];
    if (!ok) continue;
    double score = 0.0; /* bm25() of fts5_aux.c, term by term in phrase order (as topk.c) */
    for (size_t i = 0; i < nw; i++)
      score += r->idf[i] * ((d[i] * (K1 + 1.0)) / (d[i] + K1 * (1 - B + B * (double)p[j].n / avgdl)));
    kh__champ_hit x = {p[j].rowid, score};
    if (cmp_hit(&x, &heap[n - 1]) >= 0) continue;
    size_t at = n - 1; /* insertion, best first */
    while (at > 0 && cmp_hit(&x, &heap[at - 1]) < 0) heap[at] = heap[at - 1], at--;
    heap[at] = x;
    entered[ne++] = x.rowid;
  }
  if (rc) goto out;
  /* confirm the entered articles still in the answer */
  sqlite3_stmt *vst = NULL;
  for (size_t e = 0; e < ne && !rc; e++) {
    size_t i = 0;
    while (i < n && heap[i].rowid != entered[e]) i++;
    if (i == n) continue;
    if (kh__champ_confirm_text) { /* from its stored text: no seeks in FTS5's doclists */
      int has = kh__champ_text_has(db, entered[e], keys, kl, nw);
      if (has < 0) rc = has;
      if (has == 0) { /* a hash of another word answered: the full pass */
        kh_free(entered);
        return 0;
      }
      continue;
    }
    if (!vst && sqlite3_prepare_v2(db->sql, "SELECT 1 FROM article_fts WHERE article_fts MATCH ?1 AND rowid = ?2", -1, &vst, NULL)) {
      rc = sqlite3_errcode(db->sql) == SQLITE_NOMEM ? KH_ENOMEM : KH_EDB;
      break;
    }
    sqlite3_bind_text(vst, 1, r->expr, -1, SQLITE_STATIC);
    sqlite3_bind_int64(vst, 2, entered[e]);
    int src = sqlite3_step(vst);
    sqlite3_reset(vst);
    if (src == SQLITE_DONE) { /* a hash of another word answered: the full pass */
      sqlite3_finalize(vst);
      kh_free(entered);
      return 0;
    }
    if (src != SQLITE_ROW) rc = sqlite3_errcode(db->sql) == SQLITE_NOMEM ? KH_ENOMEM : KH_EDB;
  }
  sqlite3_finalize(vst);
  if (!rc) *done = 1;
out:
  kh_free(entered);
  return rc == KH_ENOTFOUND ? 0 : rc;
}

/* One pruned pass of r over [lo, hi) with heap[0..*n) as seeds. */
/* The tiers' FTS5 expression over the words' hex tokens, joined by op
** (" AND " or " OR "), NUL-terminated; *rc is sticky as in kh__buf. */
static void hex_expr(kh__buf *e, const char *const *keys, const size_t *kl, size_t nw, const char *op, int *rc) {
  for (size_t i = 0; i < nw; i++) {
    if (i) kh__buf_appends(e, op, rc);
    kh__buf_appendc(e, '"', rc);
    for (size_t j = 0; j < kl[i]; j++) {
      kh__buf_appendc(e, HEX[(unsigned char)keys[i][j] >> 4], rc);
      kh__buf_appendc(e, HEX[(unsigned char)keys[i][j] & 15], rc);
    }
    kh__buf_appendc(e, '"', rc);
  }
  kh__buf_appendc(e, '\0', rc);
}

static int pass(kh_db *db, kh__topk_req *r, int64_t lo, int64_t hi, kh__champ_hit *heap, size_t *n) {
  int64_t skip[KH__TOPK_MAX_K];
  for (size_t i = 0; i < *n; i++) skip[i] = heap[i].rowid;
  qsort(skip, *n, sizeof *skip, cmp_i64);
  r->skip = skip;
  r->nskip = *n;
  r->rowid_lo = lo;
  r->rowid_hi = hi;
  int rc = kh__topk_scan(db, r, heap, n, NULL);
  r->skip = NULL;
  r->nskip = 0;
  return rc;
}

/* The sets of words to read from the tiers (tiers.c's query, step 4), at
** the k-th score kth: for each set S of the nw words (bit i: word i),
** an article in the tiers of S and not of the others scores below
** Σ_{i∈S} in[i] + Σ_{i∉S} out[i]; S is live when that reaches kth.  The
** minimal live S (none is a subset of another, ascending) into walk;
** returns 1 when the empty set is live (an article in no tier can enter,
** or the heap is not full: kth -INFINITY), else 0. */
static int plan(size_t nw, const double *in, const double *out, double kth, unsigned *walk, size_t *nwalk) {
  *nwalk = 0;
  unsigned full = (1u << nw) - 1;
  for (unsigned S = 0; S < full; S++) {
    double b = 0;
    for (size_t i = 0; i < nw; i++) b += S >> i & 1 ? in[i] : out[i];
    if (kth > b * (1 + 1e-9) + 1e-12) continue; /* not live */
    if (!S) return 1;
    int minimal = 1; /* no live set found before is a subset of S */
    for (size_t w = 0; w < *nwalk && minimal; w++) minimal = (walk[w] & S) != walk[w];
    if (minimal) walk[(*nwalk)++] = S;
  }
  return 0;
}

int kh__tier_topk(kh_db *db, const kh__topk_req *req, const char *const *keys, const size_t *kl, const double *df,
                  size_t nw, double avgdl, kh__champ_hit *heap, size_t *n) {
  if (nw < 2 || nw != req->nterms || nw > KH__TOPK_MAX_TERMS || req->k > KH__TOPK_MAX_K || *n > req->k) return 0;
  double work = 0;
  for (size_t i = 0; i < nw; i++) work += df[i];
  if (work < kh__tier_min_work || getenv("KHABAR_NO_TIERS")) return 0;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db->sql,
                         "SELECT t.since, t.aref, t.cut, s.aref, (SELECT max(imp) FROM search_champ WHERE term = ?1),"
                         " s.floor, s.n"
                         " FROM search_tier t JOIN search_term s ON s.term = t.term WHERE t.term = ?1 AND s.state = 1",
                         -1, &st, NULL))
    return sqlite3_errcode(db->sql) == SQLITE_ERROR ? 0 : sql_rc(db->sql); /* no such table: an old file */
  int64_t since = 1;
  double cut[KH__TOPK_MAX_TERMS], maxw[KH__TOPK_MAX_TERMS], lfloor[KH__TOPK_MAX_TERMS];
  double tcut[KH__TOPK_MAX_TERMS], taref[KH__TOPK_MAX_TERMS]; /* as stored: the tier's own cut and aref */
  int ok = 1, rc = 0;
  for (size_t i = 0; ok && i < nw; i++) {
    sqlite3_bind_text(st, 1, keys[i], (int)kl[i], SQLITE_STATIC);
    int src = sqlite3_step(st);
    ok = src == SQLITE_ROW && sqlite3_column_double(st, 2) < TIER_NONE && sqlite3_column_type(st, 4) != SQLITE_NULL;
    if (ok) {
      int64_t s = sqlite3_column_int64(st, 0);
      double aref = sqlite3_column_double(st, 1), laref = sqlite3_column_double(st, 3);
      if (s > since) since = s;
      tcut[i] = sqlite3_column_double(st, 2), taref[i] = aref;
      cut[i] = tcut[i] * (avgdl > aref ? avgdl / aref : 1.0);
      maxw[i] = sqlite3_column_double(st, 4) * (avgdl > laref ? avgdl / laref : 1.0);
      if (maxw[i] > K1 + 1.0) maxw[i] = K1 + 1.0;
      /* an article outside the list weighs at most its floor (a complete list: lacks the word) */
      lfloor[i] = sqlite3_column_int64(st, 6) < 256 ? -INFINITY
                                                    : sqlite3_column_double(st, 5) * (avgdl > laref ? avgdl / laref : 1.0);
    } else if (src != SQLITE_ROW && src != SQLITE_DONE) {
      rc = sql_rc(db->sql);
    }
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  if (rc || !ok) return rc;
  /* the tiers' AND can be expected (independence) to hold 2k articles;
  ** else they cannot settle it (kh__tier_min_work = 0: always tried) */
  double nrow = 0, ntok = 0, expect = 0;
  if ((rc = kh__champ_totals(db, &nrow, &ntok))) return rc == KH_ENOTFOUND ? 0 : rc;
  if (nrow > (double)since) {
    expect = nrow - (double)since;
    for (size_t i = 0; i < nw; i++) expect *= kh__tier_frac * df[i] / nrow;
  }
  if (kh__tier_min_work > 0 && expect < kh__tier_min_expect * (double)req->k) return 0;
  /* the certificate's bound on articles >= since outside the tiers' AND */
  double bound = 0;
  for (size_t i = 0; i < nw; i++) {
    double b = req->idf[i] * cut[i];
    for (size_t j = 0; j < nw; j++)
      if (j != i) b += req->idf[j] * maxw[j];
    if (b > bound) bound = b;
  }
  kh__tier_stat[KH__TIER_TRIED]++;
  kh__topk_req r = *req;
  if (since > 1 && (rc = pass(db, &r, 1, since, heap, n))) return rc;
  /* the tiers' AND: every word's hex token */
  kh__buf expr = {0};
  hex_expr(&expr, keys, kl, nw, " AND ", &rc);
  if (rc) {
    kh__buf_free(&expr);
    return rc;
  }
  kh__topk_req tr = r;
  tr.expr = expr.data;
  tr.table = "search_tier_fts";
  tr.unit = 1;
  tr.avgdl = avgdl;
  rc = pass(db, &tr, since, 0, heap, n);
  if (rc) {
    kh__buf_free(&expr);
    return rc;
  }
  if (*n == r.k && heap[*n - 1].score > bound * (1 + 1e-9)) {
    kh__buf_free(&expr);
    kh__tier_stat[KH__TIER_CERT]++;
    return 1;
  }
  /* Outside the tiers' AND (articles >= since): each word i is either in
  ** its tier (weight at most mx_i = idf_i·maxw_i, or fl_i = idf_i·floor_i·
  ** drift_i outside its champion list) or not (below ct_i = idf_i·cut_i·
  ** drift_i, and below fl_i outside its list).  First the lists' articles
  ** from since on are scored (kh__champ_list_fill: bounded, read from their
  ** forward rows while the bound reaches the k-th score, confirmed from
  ** their text); after that every other article has each word at most fl_i
  ** in its tier and min(ct_i, fl_i) outside.  A set S of words whose tiers
  ** hold an article (the others' not) is "live" when
  **   Σ_{i∈S} fl_i + Σ_{i∉S} min(ct_i, fl_i)
  ** reaches the k-th score.  No live S: the answer is final (session 12's
  ** "tiers and lists").  Else each minimal live S is read from the tiers
  ** alone, the AND of S's tokens (an S of one word: its tier, not the
  ** words' OR as before), each row bounded with its own d for S and the
  ** other words at their bounds (all but one at fl, the cheapest at its
  ** lower bound: a row in every tier was scored above), and the rows that
  ** can still enter are checked in order of their bound from their forward
  ** rows (check_pending).  The empty S (an article in no tier) must not be
  ** live, else the full pass.  Without the lists (kh__tier_lists = 0, or a
  ** forward hash the text did not confirm): fl = mx. */
  double fb[KH__TOPK_MAX_TERMS], cb[KH__TOPK_MAX_TERMS]; /* in, out: mx_i, min(ct_i, mx_i) */
  for (size_t i = 0; i < nw; i++) {
    fb[i] = req->idf[i] * maxw[i];
    cb[i] = req->idf[i] * cut[i] < fb[i] ? req->idf[i] * cut[i] : fb[i];
  }
  double fl[KH__TOPK_MAX_TERMS], fcb[KH__TOPK_MAX_TERMS];
  for (size_t i = 0; i < nw; i++) {
    fl[i] = lfloor[i] == -INFINITY ? -INFINITY : req->idf[i] * lfloor[i];
    if (fl[i] > fb[i]) fl[i] = fb[i];
    fcb[i] = fl[i] < cb[i] ? fl[i] : cb[i];
  }
  unsigned walk[1u << KH__TOPK_MAX_TERMS];
  size_t nwalk = 0;
  double kth = *n == r.k ? heap[*n - 1].score : -INFINITY;
  int live_none = plan(nw, fb, cb, kth, walk, &nwalk), filled = 0;
  /* the lists' articles are read when that leaves fewer tiers to read at
  ** the k-th score known now, or (two words) when an article in no tier
  ** could still enter (reading them can only raise the k-th score);
  ** kh__tier_lists 2: always, 0: never */
  if (kh__tier_lists) {
    unsigned w1[1u << KH__TOPK_MAX_TERMS];
    size_t n1 = 0;
    int none1 = plan(nw, fl, fcb, kth, w1, &n1);
    /* none1 (two words): else the full pass, unless the k-th score rises;
    ** for three words it seldom rises enough (their tiers' AND is small) */
    int fewer = none1 ? nw == 2 : live_none || n1 != nwalk;
    for (size_t j = 0; j < n1 && !fewer; j++) fewer = w1[j] != walk[j];
    if (fewer || kh__tier_lists > 1) {
      rc = kh__champ_list_fill(db, keys, kl, nw, req->idf, avgdl, since, req->source, req->since, req->until, heap,
                               *n, r.k, &filled);
      if (rc) {
        kh__buf_free(&expr);
        return rc;
      }
    }
    if (filled) {
      *n = r.k;
      kth = heap[*n - 1].score;
      memcpy(fb, fl, nw * sizeof *fb);
      memcpy(cb, fcb, nw * sizeof *cb);
      live_none = plan(nw, fb, cb, kth, walk, &nwalk);
    }
  }
  double none = 0;
  for (size_t i = 0; i < nw; i++) none += cb[i];
  if (!live_none && !nwalk) { /* filled, and nothing else can enter */
    kh__buf_free(&expr);
    kh__tier_stat[KH__TIER_CERT]++;
    kh__tier_stat[KH__TIER_LISTS]++;
    return 1;
  }
  if (!live_none) {
    size_t cap = kh__tier_pend > 0 ? (size_t)kh__tier_pend : 1;
    int64_t *prow = kh__malloc(cap * sizeof *prow);
    double *pub = kh__malloc(cap * sizeof *pub);
    int *plen = kh__malloc(cap * sizeof *plen);
    kh__bound_row *pr = kh__malloc(cap * sizeof *pr);
    kh__topk_pend pend = {prow, 0, cap, 0, pub, plen};
    if (!prow || !pub || !plen || !pr) rc = KH_ENOMEM;
    for (size_t w = 0; w < nwalk && !rc && !pend.over; w++) {
      const char *wk[KH__TOPK_MAX_TERMS];
      size_t wkl[KH__TOPK_MAX_TERMS], m = 0, o = 0;
      double rest = 0, slack = INFINITY;
      kh__topk_req sr = tr;
      for (size_t i = 0; i < nw; i++) /* the live words first, then the others */
        if (walk[w] >> i & 1) wk[m] = keys[i], wkl[m] = kl[i], sr.idf[m++] = req->idf[i];
      sr.out_cut = sr.out_aref = 0;
      for (size_t i = 0; i < nw; i++) {
        if (walk[w] >> i & 1) continue;
        sr.out_cut = tcut[i], sr.out_aref = taref[i]; /* used when it is the only one */
        wk[m + o] = keys[i], wkl[m + o] = kl[i], sr.idf[m + o++] = req->idf[i];
        rest += fb[i];
        if (fb[i] - cb[i] < slack) slack = fb[i] - cb[i];
      }
      /* the rows in every tier were scored above: A AND B NOT (C AND D) */
      expr.len = 0;
      hex_expr(&expr, wk, wkl, m, " AND ", &rc);
      if (!rc) {
        expr.len--;
        kh__buf_appends(&expr, " NOT (", &rc);
        hex_expr(&expr, wk + m, wkl + m, o, " AND ", &rc);
        expr.len--;
        kh__buf_appends(&expr, ")", &rc);
        kh__buf_appendc(&expr, '\0', &rc);
      }
      if (rc) break;
      sr.expr = expr.data;
      sr.nterms = nw;
      sr.nlive = m;
      sr.partial = 2; /* every row has the m words, not all the others; absent[m]: their bound */
      sr.absent[m] = rest - slack;
      sr.pend = &pend;
      kh__tier_stat[KH__TIER_WALKS]++;
      rc = pass(db, &sr, since, 0, heap, n);
    }
    kh__buf_free(&expr);
    int done = 0;
    if (!rc && !pend.over) {
      long checked = 0;
      kh__champ_hit keep[KH__TOPK_MAX_K];
      memcpy(keep, heap, *n * sizeof *heap);
      size_t m = 0;
      for (size_t j = 0; j < pend.n; j++) pr[j] = (kh__bound_row){prow[j], pub[j], (int32_t)plen[j]};
      qsort(pr, pend.n, sizeof *pr, cmp_bound_rowid); /* one row per article (several walks) */
      for (size_t j = 0; j < pend.n; j++)
        if (!m || pr[m - 1].rowid != pr[j].rowid) pr[m++] = pr[j];
      rc = check_pending(db, &r, keys, kl, nw, avgdl, pr, m, heap, *n, &done, &checked);
      if (!rc && !done) memcpy(heap, keep, *n * sizeof *heap); /* what the check added goes */
      if (!rc && done) kh__tier_stat[KH__TIER_CHECKED] += checked;
      if (!rc && !done) kh__tier_stat[KH__TIER_MISS]++;
    } else if (!rc) {
      kh__tier_stat[KH__TIER_OVER]++;
    }
    kh_free(prow);
    kh_free(pub);
    kh_free(plen);
    kh_free(pr);
    if (rc) return rc;
    if (done) {
      kh__tier_stat[KH__TIER_PART]++;
      return 1;
    }
  } else {
    kh__buf_free(&expr);
    kh__tier_stat[KH__TIER_LOW]++;
  }
  /* not settled: the rest of FTS5's matches, seeded with what was found */
  if ((rc = pass(db, &r, since, 0, heap, n))) return rc;
  return 1;
}
