/*
** champ.c — champion lists: top-k search for queries whose words are all
** frequent, without scoring every matching row.
**
** FTS5 ranks by computing BM25 for every row that matches before it keeps
** the best ten; a word found in half of a million articles costs about a
** second.  For such words khabar keeps, in the same file, the r = CH_R
** articles with the highest BM25 term weight ("champion list", Manning,
** Raghavan & Schütze, Introduction to IR, §7.1.3; ordered by impact, §7.1.5):
**
**   search_term(term, df, state, n, floor, aref)   terms being followed:
**       state 4 = counted (df exact, below CH_T), 2 = a list is wanted
**       (df reached CH_T, or the average length drifted; built after a
**       commit), 1 = the term has a list, 3 = cannot be built
**   search_champ(term, imp, doc, d, dl)            the list, by impact
**   search_fwd(rowid, dl, terms)                   per article: its length
**       and (hash32 of term, weighted tf) for every term, sorted by hash —
**       a forward index, so AND is checked without touching FTS5
**   search_meta(k, v)                              docs, tokens, fwd_from,
**       scanned, min_dl
**
** The weight of a term in an article is exactly FTS5's bm25 term weight
** without the idf: d = 4·tf(title) + tf(body) (the rank's column weights)
** and imp = d·(k1+1) / (d + k1·(1 − b + b·dl/aref)), aref the average
** article length when the list was built (kept per term so that every
** entry of one list is comparable).
**
** Ingest (kh__champ_put, per article, bounded): count the article's terms
** from the token caches the FTS5 insert already used (same forms, stems,
** positions), write its forward row, remember (term, doc, d, dl) in the
** open batch.  Commit (kh__champ_flush, per batch): add the batch to the df
** of followed terms; for each term with a list insert the batch's entries
** that beat its floor and trim back to r; a counted term reaching CH_T is
** wanted.  Terms not followed are counted in memory per window of
** CH_WINDOW articles; one in 0.5% of a window is followed from then on
** (its df read from FTS5 when it is first built).  After the commit
** (kh__champ_build) wanted lists are built from fts5vocab and the forward
** rows, a bounded number of posting rows per commit; each time the
** articles double, FTS5's vocabulary is scanned for terms of df >= CH_T
** that no window caught.  A list is rebuilt when the average length moved
** more than CH_DRIFT since aref.
**
** Query (kh__champ_topk): only for an AND of plain words, each one index
** term with a list, no open write batch.  Candidates = the union of the
** lists; every candidate's missing terms are read from its forward row
** (absent: AND fails, dropped); score = FTS5's bm25 exactly (its N and
** average length from the FTS5 averages record, df from search_term).
** Several words go to the lists only when FTS5 would rank many rows and the
** lists can be expected to hold a page of articles with every word
** (independence estimates from the dfs).  Filters are applied to the ranked
** candidates; each delivered hit is confirmed by FTS5 (MATCH ... AND rowid
** = ?), so AND holds whatever the forward hashes say.  Guarantee: an
** article outside every list has each term weight <= floor·max(1,
** avgdl/aref) (BM25 grows at most linearly with the average length), so if
** the k-th score found is >= the sum of those bounds times the idfs, the
** top k is EXACTLY FTS5's (certified).  One-word queries that are not
** certified go to FTS5; longer ones are answered from the candidates
** (approximate; bench/store_latency.c reports overlap@10 and NDCG@10
** against exact FTS5).  Anything else returns 0 and kh_search runs FTS5.
**
** A file from before this step has no forward rows for its old articles
** (fwd_from > 1): its searches keep the FTS5 path; new articles are
** still indexed here.
*/
#include "store.h"

#include <math.h>
#include <limits.h>
#include <stdlib.h>

#define CH_T 5000          /* df from which a term gets a list (FTS5 ranks fewer rows fast) */
#define CH_WINDOW 2000     /* articles in one window of the frequent-term detector */
#define CH_WINDOW_MIN 10   /* ... in which a term must occur (0.5%) to be counted */
#define CH_R 256           /* champion list length */
#define CH_DRIFT 0.05      /* rebuild a list when avgdl moved this much */
#define CH_BUILD_ROWS_PER_DOC 200 /* posting rows builds may read per article committed */
#define CH_MAX_TERMS 8     /* words in a query answered here */
#define CH_MAX_LIMIT 100   /* results asked for */
#define CH_SEED_WORK 10    /* several words: the lists are tried first when FTS5 would walk this many postings (x CH_T) */
#define CH_MAX_DOC_TERMS 65536 /* distinct terms kept per article */
#define CH_MAX_BATCH_ENTS (1u << 24) /* (term, doc) pairs kept per batch */

static const double K1 = 1.2, B = 0.75, W_TITLE = 4.0, W_BODY = 1.0;

long kh__champ_stat[KH__CHAMP_NSTAT];


/* ---- hash tables over terms (keys in an arena) ---- */

typedef struct tslot {
  uint64_t h;
  uint32_t off, len; /* term in arena */
  uint32_t a, b;     /* per article: weighted tf; per batch: df, - */
} tslot;

typedef struct tmap {
  tslot *v;
  size_t n, vcap;
  uint32_t *idx; /* open addressing: index + 1, 0 empty */
  size_t icap;
  kh__buf arena;
} tmap;

static uint64_t fnv(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
  return h;
}

static uint32_t h32(uint64_t h) { return (uint32_t)(h ^ (h >> 32)); }

static void tmap_clear(tmap *m) {
  m->n = 0;
  m->arena.len = 0;
  if (m->idx) memset(m->idx, 0, m->icap * sizeof *m->idx);
}

static void tmap_free(tmap *m) {
  kh_free(m->v);
  kh_free(m->idx);
  kh__buf_free(&m->arena);
  memset(m, 0, sizeof *m);
}

static int tmap_grow(tmap *m) {
  size_t cap = m->icap ? m->icap * 2 : 1024;
  uint32_t *idx = kh__calloc(cap, sizeof *idx);
  if (!idx) return KH_ENOMEM;
  for (size_t i = 0; i < m->n; i++) {
    size_t j = m->v[i].h & (cap - 1);
    while (idx[j]) j = (j + 1) & (cap - 1);
    idx[j] = (uint32_t)i + 1;
  }
  kh_free(m->idx);
  m->idx = idx;
  m->icap = cap;
  return 0;
}

/* The slot of term s, or NULL. */
static tslot *tmap_find(const tmap *m, const char *s, size_t n) {
  if (!m->icap) return NULL;
  uint64_t h = fnv(s, n);
  for (size_t j = h & (m->icap - 1); m->idx[j]; j = (j + 1) & (m->icap - 1)) {
    tslot *t = &m->v[m->idx[j] - 1];
    if (t->h == h && t->len == n && !memcmp(m->arena.data + t->off, s, n)) return t;
  }
  return NULL;
}

/* The slot of term s (added with a = b = 0 if new), or NULL (*rc set). */
static tslot *tmap_get(tmap *m, const char *s, size_t n, int *rc) {
  if (*rc) return NULL;
  if ((m->n + 1) * 2 > m->icap && (*rc = tmap_grow(m))) return NULL;
  uint64_t h = fnv(s, n);
  size_t j = h & (m->icap - 1);
  for (; m->idx[j]; j = (j + 1) & (m->icap - 1)) {
    tslot *t = &m->v[m->idx[j] - 1];
    if (t->h == h && t->len == n && !memcmp(m->arena.data + t->off, s, n)) return t;
  }
  if (m->n == m->vcap) {
    size_t cap = m->vcap ? m->vcap * 2 : 512;
    tslot *v = kh__realloc(m->v, cap * sizeof *v);
    if (!v) {
      *rc = KH_ENOMEM;
      return NULL;
    }
    m->v = v;
    m->vcap = cap;
  }
  size_t off = m->arena.len;
  kh__buf_append(&m->arena, s, n, rc);
  if (*rc) return NULL;
  m->idx[j] = (uint32_t)m->n + 1;
  tslot *t = &m->v[m->n++];
  *t = (tslot){h, (uint32_t)off, (uint32_t)n, 0, 0};
  return t;
}

/* ---- state kept on the connection ---- */

typedef struct bent {
  uint32_t slot; /* batch term */
  uint32_t d, dl;
  int64_t doc;
} bent;

enum {
  S_FWD_INS, S_DF_ADD, S_WANT, S_TRACKED, S_NTERMS, S_DF_SET, S_SCAN, S_STATE, S_CH_INS, S_CH_TRIM, S_FLOOR, S_TERM_UPD, S_META_GET, S_META_ADD, S_META_MIN,
  S_PENDING, S_VOCAB, S_FWD_DL, S_CH_DEL, S_TERM_GET, S_CH_GET, S_FWD_GET, S_AVG, S_ART,
  S_VERIFY, NSTMT
};

static const char *const SQL[NSTMT] = {
    [S_FWD_INS] = "INSERT OR REPLACE INTO search_fwd(rowid, dl, terms) VALUES (?1, ?2, ?3)",
    [S_DF_ADD] = "UPDATE search_term SET df = df + ?2 WHERE term = ?1 RETURNING df, state, n, floor, aref",
    [S_WANT] = "INSERT OR IGNORE INTO search_term(term, df, state) VALUES (?1, 0, 2)",
    [S_TRACKED] = "SELECT term FROM search_term",
    [S_NTERMS] = "SELECT count(*) FROM search_term",
    [S_DF_SET] = "UPDATE search_term SET df = ?2 WHERE term = ?1",
    [S_SCAN] = "SELECT term FROM temp.kh_search_vocab_row WHERE doc >= ?1",
    [S_STATE] = "UPDATE search_term SET state = ?2 WHERE term = ?1",
    [S_CH_INS] = "INSERT OR REPLACE INTO search_champ(term, imp, doc, d, dl) VALUES (?1, ?2, ?3, ?4, ?5)",
    [S_CH_TRIM] = "DELETE FROM search_champ WHERE term = ?1 AND (imp, doc) IN"
                  " (SELECT imp, doc FROM search_champ WHERE term = ?1 ORDER BY imp, doc LIMIT ?2)",
    [S_FLOOR] = "SELECT imp FROM search_champ WHERE term = ?1 ORDER BY imp LIMIT 1",
    [S_TERM_UPD] = "UPDATE search_term SET state = 1, n = ?2, floor = ?3, aref = ?4 WHERE term = ?1",
    [S_META_GET] = "SELECT (SELECT v FROM search_meta WHERE k = 'docs'),"
                   " (SELECT v FROM search_meta WHERE k = 'tokens'),"
                   " (SELECT v FROM search_meta WHERE k = 'fwd_from'),"
                   " (SELECT v FROM search_meta WHERE k = 'scanned'),"
                   " (SELECT v FROM search_meta WHERE k = 'min_dl')",
    [S_META_ADD] = "UPDATE search_meta SET v = v + ?2 WHERE k = ?1",
    [S_META_MIN] = "INSERT INTO search_meta VALUES ('min_dl', ?1) ON CONFLICT(k) DO UPDATE SET v = min(v, excluded.v)",
    [S_PENDING] = "SELECT term FROM search_term WHERE state = 2 LIMIT 64",
    [S_VOCAB] = "SELECT doc, col = 'title' FROM temp.kh_search_vocab WHERE term = ?1",
    [S_FWD_DL] = "SELECT dl FROM search_fwd WHERE rowid = ?1",
    [S_CH_DEL] = "DELETE FROM search_champ WHERE term = ?1",
    [S_TERM_GET] = "SELECT df, n, floor, aref, state FROM search_term WHERE term = ?1",
    [S_CH_GET] = "SELECT doc, d, dl FROM search_champ WHERE term = ?1",
    [S_FWD_GET] = "SELECT terms FROM search_fwd WHERE rowid = ?1",
    [S_AVG] = "SELECT block FROM article_fts_data WHERE id = 1",
    [S_ART] = "SELECT source, published FROM article WHERE rowid = ?1",
    [S_VERIFY] = "SELECT 1 FROM article_fts WHERE article_fts MATCH ?1 AND rowid = ?2",
};

struct kh__champ {
  tmap doc;     /* terms of the article being stored */
  tmap batch;   /* terms of the open batch: a = df */
  tmap tracked; /* terms with a search_term row (a list, or one wanted) */
  int64_t ntracked_db; /* rows of search_term when tracked was loaded, -1 unknown */
  tmap window;  /* other terms: articles in the current window (a) */
  int64_t wdocs;
  int64_t scanned;   /* articles at the last vocabulary scan */
  int64_t last_docs; /* articles in the last batch flushed (build budget) */
  int64_t t;         /* CH_T, or a test's value */
  bent *ent;  /* (term, doc) pairs of the open batch */
  size_t nent, cent;
  int64_t bdocs, btokens, bmin_dl;
  kh__buf fwd; /* forward row being built */
  int pending; /* builds may be wanted */
  int vocab;   /* temp.kh_search_vocab exists */
  sqlite3_stmt *st[NSTMT];
};

int kh__champ_open(kh_db *db) {
  db->champ = kh__calloc(1, sizeof *db->champ);
  if (!db->champ) return KH_ENOMEM;
  db->champ->pending = 1; /* a file may hold wanted lists from before */
  db->champ->ntracked_db = -1;
  db->champ->t = CH_T;
  return 0;
}

void kh__champ_set_threshold(kh_db *db, int64_t t) {
  if (db && db->champ && t > 0) db->champ->t = t;
}

void kh__champ_close(kh_db *db) {
  kh__champ *c = db->champ;
  if (!c) return;
  for (int i = 0; i < NSTMT; i++) sqlite3_finalize(c->st[i]);
  tmap_free(&c->doc);
  tmap_free(&c->batch);
  tmap_free(&c->tracked);
  tmap_free(&c->window);
  kh_free(c->ent);
  kh__buf_free(&c->fwd);
  kh_free(c);
  db->champ = NULL;
}

void kh__champ_reset(kh_db *db) {
  kh__champ *c = db->champ;
  if (!c) return;
  tmap_clear(&c->batch);
  c->nent = 0;
  c->bdocs = c->btokens = 0;
}

/* The prepared statement i, reset, or NULL. */
static sqlite3_stmt *stmt(kh_db *db, int i) {
  kh__champ *c = db->champ;
  if (!c->st[i] &&
      sqlite3_prepare_v3(db->sql, SQL[i], -1, SQLITE_PREPARE_PERSISTENT, &c->st[i], NULL) != SQLITE_OK)
    return NULL;
  sqlite3_reset(c->st[i]);
  sqlite3_clear_bindings(c->st[i]);
  return c->st[i];
}

static int sql_rc(sqlite3 *db) { return sqlite3_errcode(db) == SQLITE_NOMEM ? KH_ENOMEM : KH_EDB; }

/* Step a statement that returns no row. */
static int run(kh_db *db, sqlite3_stmt *st) {
  if (!st) return sql_rc(db->sql);
  int src = sqlite3_step(st);
  sqlite3_reset(st);
  return src == SQLITE_DONE || src == SQLITE_ROW ? 0 : sql_rc(db->sql);
}

/* BM25 term weight without idf, written as FTS5's bm25() computes it. */
static double weight(double d, double dl, double avgdl) {
  return (d * (K1 + 1.0)) / (d + K1 * (1 - B + B * dl / avgdl));
}

/* ---- ingest ---- */

static void count_term(tmap *m, const char *s, size_t n, int title, int *rc) {
  if (kh_is_stopword(s, n)) return;
  if (m->n >= CH_MAX_DOC_TERMS) return;
  tslot *t = tmap_get(m, s, n, rc);
  if (t) t->a += title ? (uint32_t)W_TITLE : (uint32_t)W_BODY;
}

/* The terms FTS5 indexes for one column (fts5.c emit(), default options):
** every cached token, and each word's light stem when it differs; the
** column's length counts the tokens that are not colocated. */
static uint32_t count_column(tmap *m, const kh__tokcache *tc, int title, int *rc) {
  uint32_t dl = 0;
  for (size_t k = 0; k < tc->n && !*rc; k++) {
    const kh__tokrec *r = &tc->v[k];
    const char *norm = tc->norms.data + r->off;
    if (!(r->flags & KH_TOKF_COLOC) || k == 0) dl++;
    count_term(m, norm, r->len, title, rc);
    if (r->kind == KH_TOK_WORD) {
      char s[KH_MAX_TOKEN + 1];
      int n = kh_stem(norm, r->len, s, sizeof s);
      if (n > 0 && ((uint32_t)n != r->len || memcmp(s, norm, (size_t)n))) count_term(m, s, (size_t)n, title, rc);
    }
  }
  return dl;
}

static int cmp_fwd(const void *a, const void *b) {
  uint32_t x, y;
  memcpy(&x, a, 4);
  memcpy(&y, b, 4);
  return x < y ? -1 : x > y;
}

int kh__champ_put(kh_db *db, int64_t rowid) {
  kh__champ *c = db->champ;
  if (!c) return 0;
  int rc = 0;
  tmap_clear(&c->doc);
  uint32_t dl = count_column(&c->doc, &db->cache[0], 1, &rc);
  dl += count_column(&c->doc, &db->cache[1], 0, &rc);
  if (rc) return rc;
  /* forward row: (hash32, d) little-endian pairs sorted by hash */
  c->fwd.len = 0;
  kh__buf_reserve(&c->fwd, c->doc.n * 8, &rc);
  if (rc) return rc;
  for (size_t i = 0; i < c->doc.n; i++) {
    uint32_t p[2] = {h32(c->doc.v[i].h), c->doc.v[i].a};
    unsigned char *o = (unsigned char *)c->fwd.data + i * 8;
    for (int j = 0; j < 4; j++) o[j] = (unsigned char)(p[0] >> (8 * j)), o[4 + j] = (unsigned char)(p[1] >> (8 * j));
  }
  c->fwd.len = c->doc.n * 8;
  qsort(c->fwd.data, c->doc.n, 8, cmp_fwd);
  sqlite3_stmt *st = stmt(db, S_FWD_INS);
  if (!st) return sql_rc(db->sql);
  sqlite3_bind_int64(st, 1, rowid);
  sqlite3_bind_int64(st, 2, dl);
  sqlite3_bind_blob(st, 3, c->fwd.data ? c->fwd.data : "", (int)c->fwd.len, SQLITE_STATIC);
  if ((rc = run(db, st))) return rc;
  /* the batch: df and candidate entries (a very large batch is added early) */
  if (c->nent + c->doc.n > CH_MAX_BATCH_ENTS && (rc = kh__champ_flush(db))) return rc;
  if (c->nent + c->doc.n > c->cent) {
    size_t cap = c->cent ? c->cent : 4096;
    while (cap < c->nent + c->doc.n) cap *= 2;
    bent *e = kh__realloc(c->ent, cap * sizeof *e);
    if (!e) return KH_ENOMEM;
    c->ent = e;
    c->cent = cap;
  }
  for (size_t i = 0; i < c->doc.n; i++) {
    tslot *d = &c->doc.v[i];
    tslot *t = tmap_get(&c->batch, c->doc.arena.data + d->off, d->len, &rc);
    if (!t) return rc;
    t->a++;
    c->ent[c->nent++] = (bent){(uint32_t)(t - c->batch.v), d->a, dl, rowid};
  }
  if (!c->bdocs || dl < c->bmin_dl) c->bmin_dl = dl;
  c->bdocs++;
  c->btokens += dl;
  return 0;
}

static int cmp_ent(const void *a, const void *b) {
  const bent *x = a, *y = b;
  if (x->slot != y->slot) return x->slot < y->slot ? -1 : 1;
  return x->doc < y->doc ? -1 : x->doc > y->doc;
}

/* byte order of batch terms (qsort has no context argument) */
static _Thread_local const tmap *g_sort_map;

static int cmp_term(const void *a, const void *b) {
  const tslot *x = &g_sort_map->v[*(const uint32_t *)a], *y = &g_sort_map->v[*(const uint32_t *)b];
  size_t n = x->len < y->len ? x->len : y->len;
  int c = memcmp(g_sort_map->arena.data + x->off, g_sort_map->arena.data + y->off, n);
  return c ? c : (x->len > y->len) - (x->len < y->len);
}

typedef struct scored {
  double imp;
  int64_t doc;
  uint32_t d, dl;
} scored;

/* descending impact, then ascending doc */
static int cmp_scored(const void *a, const void *b) {
  const scored *x = a, *y = b;
  if (x->imp != y->imp) return x->imp > y->imp ? -1 : 1;
  return x->doc < y->doc ? -1 : x->doc > y->doc;
}

static _Thread_local int64_t c_min_dl; /* shortest article (meta min_dl), read by meta() */

static int meta(kh_db *db, int64_t *docs, int64_t *tokens, int64_t *fwd_from, int64_t *scanned) {
  sqlite3_stmt *st = stmt(db, S_META_GET);
  if (!st) return sql_rc(db->sql);
  int src = sqlite3_step(st);
  if (src != SQLITE_ROW) {
    sqlite3_reset(st);
    return sql_rc(db->sql);
  }
  if (docs) *docs = sqlite3_column_int64(st, 0);
  if (tokens) *tokens = sqlite3_column_int64(st, 1);
  if (fwd_from) *fwd_from = sqlite3_column_int64(st, 2);
  if (scanned) *scanned = sqlite3_column_int64(st, 3);
  c_min_dl = sqlite3_column_int64(st, 4); /* 0: not kept yet (then 1 is the bound) */
  sqlite3_reset(st);
  return 0;
}

static int meta_add(kh_db *db, const char *k, int64_t v) {
  sqlite3_stmt *st = stmt(db, S_META_ADD);
  if (!st) return sql_rc(db->sql);
  sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, v);
  return run(db, st);
}

static int set_state(kh_db *db, const char *term, size_t n, int state) {
  sqlite3_stmt *st = stmt(db, S_STATE);
  if (!st) return sql_rc(db->sql);
  sqlite3_bind_text(st, 1, term, (int)n, SQLITE_STATIC);
  sqlite3_bind_int(st, 2, state);
  return run(db, st);
}

/* Write entries e[0..k) into the list of term (its aref), trim to CH_R and
** store n and floor. */
static int list_add(kh_db *db, const char *term, size_t tn, const scored *e, size_t k, int64_t n,
                    double aref) {
  int rc = 0;
  for (size_t i = 0; i < k && !rc; i++) {
    sqlite3_stmt *st = stmt(db, S_CH_INS);
    if (!st) return sql_rc(db->sql);
    sqlite3_bind_text(st, 1, term, (int)tn, SQLITE_STATIC);
    sqlite3_bind_double(st, 2, e[i].imp);
    sqlite3_bind_int64(st, 3, e[i].doc);
    sqlite3_bind_int64(st, 4, e[i].d);
    sqlite3_bind_int64(st, 5, e[i].dl);
    rc = run(db, st);
  }
  if (rc) return rc;
  n += (int64_t)k;
  double floor = 0;
  if (n > CH_R) {
    sqlite3_stmt *st = stmt(db, S_CH_TRIM);
    if (!st) return sql_rc(db->sql);
    sqlite3_bind_text(st, 1, term, (int)tn, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, n - CH_R);
    if ((rc = run(db, st))) return rc;
    n = CH_R;
  }
  if (n >= CH_R) { /* full: the weight below which articles were left out */
    sqlite3_stmt *st = stmt(db, S_FLOOR);
    if (!st) return sql_rc(db->sql);
    sqlite3_bind_text(st, 1, term, (int)tn, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) floor = sqlite3_column_double(st, 0);
    sqlite3_reset(st);
  }
  sqlite3_stmt *st = stmt(db, S_TERM_UPD);
  if (!st) return sql_rc(db->sql);
  sqlite3_bind_text(st, 1, term, (int)tn, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, n);
  sqlite3_bind_double(st, 3, floor);
  sqlite3_bind_double(st, 4, aref);
  return run(db, st);
}

/* Load the set of tracked terms when search_term changed under us (another
** connection) or was never read. */
static int load_tracked(kh_db *db) {
  kh__champ *c = db->champ;
  sqlite3_stmt *st = stmt(db, S_NTERMS);
  if (!st) return sql_rc(db->sql);
  int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -2;
  sqlite3_reset(st);
  if (n == -2) return sql_rc(db->sql);
  if (n == c->ntracked_db) return 0;
  tmap_clear(&c->tracked);
  if (!(st = stmt(db, S_TRACKED))) return sql_rc(db->sql);
  int rc = 0, src;
  while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW)
    tmap_get(&c->tracked, (const char *)sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0), &rc);
  sqlite3_reset(st);
  if (rc) return rc;
  c->ntracked_db = n;
  return 0;
}

/* Ask for a list of term (built after the commit). */
static int want(kh_db *db, const char *term, size_t n) {
  kh__champ *c = db->champ;
  sqlite3_stmt *st = stmt(db, S_WANT);
  if (!st) return sql_rc(db->sql);
  sqlite3_bind_text(st, 1, term, (int)n, SQLITE_STATIC);
  int rc = run(db, st);
  if (!rc && sqlite3_changes(db->sql) > 0) {
    tmap_get(&c->tracked, term, n, &rc);
    c->ntracked_db++;
    c->pending = 1;
  }
  return rc;
}

/* One batch term with a search_term row: df, and its entries into its list. */
static int flush_term(kh_db *db, tslot *t, bent *e, size_t ne, double avgdl, scored *buf) {
  kh__champ *c = db->champ;
  const char *term = c->batch.arena.data + t->off;
  sqlite3_stmt *st = stmt(db, S_DF_ADD);
  if (!st) return sql_rc(db->sql);
  sqlite3_bind_text(st, 1, term, (int)t->len, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, t->a);
  int src = sqlite3_step(st);
  if (src != SQLITE_ROW) {
    sqlite3_reset(st);
    return src == SQLITE_DONE ? 0 : sql_rc(db->sql);
  }
  int64_t df = sqlite3_column_int64(st, 0), n = sqlite3_column_int64(st, 2);
  int state = sqlite3_column_int(st, 1);
  double floor = sqlite3_column_double(st, 3), aref = sqlite3_column_double(st, 4);
  sqlite3_step(st); /* RETURNING: run to completion */
  sqlite3_reset(st);
  if (state == 4 && df >= c->t) { /* counted up to the threshold: a list now */
    c->pending = 1;
    return set_state(db, term, t->len, 2);
  }
  if (state != 1) return 0; /* wanted: the build reads every article; counted */
  if (aref <= 0 || fabs(avgdl / aref - 1) > CH_DRIFT) {
    c->pending = 1;
    return set_state(db, term, t->len, 2);
  }
  size_t k = 0;
  for (size_t i = 0; i < ne; i++) {
    double imp = weight(e[i].d, e[i].dl, aref);
    if (n + (int64_t)k < CH_R || imp > floor) buf[k++] = (scored){imp, e[i].doc, e[i].d, e[i].dl};
  }
  if (!k) return 0;
  qsort(buf, k, sizeof *buf, cmp_scored);
  if (k > CH_R) k = CH_R;
  return list_add(db, term, t->len, buf, k, n, aref);
}

/* Terms without a row are counted per window of CH_WINDOW articles; one
** found in CH_WINDOW_MIN of them gets a list (frequent-term detection in
** bounded memory: the window is forgotten after each check). */
static int window_add(kh_db *db, tslot *t) {
  kh__champ *c = db->champ;
  int rc = 0;
  tslot *w = tmap_get(&c->window, c->batch.arena.data + t->off, t->len, &rc);
  if (w) w->a += t->a;
  return rc;
}

static int window_check(kh_db *db) {
  kh__champ *c = db->champ;
  if (c->wdocs < CH_WINDOW) return 0;
  int rc = 0;
  for (size_t i = 0; i < c->window.n && !rc; i++)
    if (c->window.v[i].a >= CH_WINDOW_MIN)
      rc = want(db, c->window.arena.data + c->window.v[i].off, c->window.v[i].len);
  tmap_clear(&c->window);
  c->wdocs = 0;
  return rc;
}

int kh__champ_flush(kh_db *db) {
  kh__champ *c = db->champ;
  if (!c || !c->batch.n) return 0;
  int rc;
  int64_t docs, tokens;
  if ((rc = meta(db, NULL, NULL, NULL, NULL))) return rc;
  if (!c_min_dl && /* not kept yet: the shortest article stored so far */
      (rc = kh__db_exec(db, "INSERT OR IGNORE INTO search_meta SELECT 'min_dl', min(dl) FROM search_fwd"
                            " WHERE EXISTS (SELECT 1 FROM search_fwd)")))
    return rc;
  sqlite3_stmt *mm = stmt(db, S_META_MIN);
  if (!mm) return sql_rc(db->sql);
  sqlite3_bind_int64(mm, 1, c->bmin_dl);
  if ((rc = run(db, mm)) || (rc = meta_add(db, "docs", c->bdocs)) || (rc = meta_add(db, "tokens", c->btokens)) ||
      (rc = meta(db, &docs, &tokens, NULL, NULL)) || (rc = load_tracked(db)))
    return rc;
  double avgdl = docs > 0 ? (double)tokens / (double)docs : 1.0;
  /* terms in byte order (the B-tree's), entries grouped by term */
  uint32_t *order = kh__malloc((c->batch.n ? c->batch.n : 1) * sizeof *order);
  size_t *first = kh__malloc((c->batch.n + 1) * sizeof *first);
  scored *buf = kh__malloc((c->bdocs ? (size_t)c->bdocs : 1) * sizeof *buf);
  if (!order || !first || !buf) rc = KH_ENOMEM;
  if (!rc) {
    for (size_t s = 0; s < c->batch.n; s++) order[s] = (uint32_t)s;
    g_sort_map = &c->batch;
    qsort(order, c->batch.n, sizeof *order, cmp_term);
    qsort(c->ent, c->nent, sizeof *c->ent, cmp_ent);
    for (size_t s = 0, i = 0; s <= c->batch.n; s++) {
      first[s] = i;
      while (i < c->nent && c->ent[i].slot == s) i++;
    }
  }
  for (size_t k = 0; k < c->batch.n && !rc; k++) {
    tslot *t = &c->batch.v[order[k]];
    if (tmap_find(&c->tracked, c->batch.arena.data + t->off, t->len))
      rc = flush_term(db, t, c->ent + first[order[k]], first[order[k] + 1] - first[order[k]], avgdl, buf);
    else
      rc = window_add(db, t);
  }
  kh_free(buf);
  kh_free(order);
  kh_free(first);
  if (!rc) {
    c->wdocs += c->bdocs;
    c->last_docs = c->bdocs;
    rc = window_check(db);
  }
  if (!rc) kh__champ_reset(db);
  return rc;
}

/* ---- building lists (after a commit) ---- */

/* Keep the CH_R best in a min-heap on (imp, -doc). */
static int worse(const scored *a, const scored *b) {
  return a->imp < b->imp || (a->imp == b->imp && a->doc > b->doc);
}

static void heap_push(scored *h, size_t *n, scored x) {
  if (*n < CH_R) { /* sift up */
    size_t i = (*n)++;
    while (i && worse(&x, &h[(i - 1) / 2])) {
      h[i] = h[(i - 1) / 2];
      i = (i - 1) / 2;
    }
    h[i] = x;
    return;
  }
  if (!worse(&h[0], &x)) return; /* no better than the worst kept */
  size_t i = 0;                  /* x replaces the root: sift down */
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    const scored *least = &x;
    if (l < *n && worse(&h[l], least)) m = l, least = &h[l];
    if (r < *n && worse(&h[r], least)) m = r;
    if (m == i) break;
    h[i] = h[m];
    i = m;
  }
  h[i] = x;
}

static int doc_dl(kh_db *db, int64_t doc, uint32_t *dl) {
  sqlite3_stmt *st = stmt(db, S_FWD_DL);
  if (!st) return sql_rc(db->sql);
  sqlite3_bind_int64(st, 1, doc);
  int src = sqlite3_step(st);
  *dl = src == SQLITE_ROW ? (uint32_t)sqlite3_column_int64(st, 0) : 0;
  sqlite3_reset(st);
  return src == SQLITE_ROW ? 0 : src == SQLITE_DONE ? KH_ENOTFOUND : sql_rc(db->sql);
}

typedef struct dd {
  int64_t doc;
  uint32_t d;
} dd;

static int cmp_dd(const void *a, const void *b) {
  const dd *x = a, *y = b;
  if (x->d != y->d) return x->d > y->d ? -1 : 1;
  return x->doc < y->doc ? -1 : x->doc > y->doc;
}

/* Build the list of one term from the FTS5 index, and set its df; a term
** below CH_T is only counted from now on (state 4).  *rows += posting rows
** read.  Articles are weighed by d first: the weight of an article is at
** most weight(d, shortest length), so once that bound is below the 256th
** best no article of smaller d is looked at (most have d = 1). */
static int build_term(kh_db *db, const char *term, size_t tn, double avgdl, double min_dl, scored *heap,
                      long *rows) {
  sqlite3_stmt *st = stmt(db, S_VOCAB);
  if (!st) return sql_rc(db->sql);
  sqlite3_bind_text(st, 1, term, (int)tn, SQLITE_TRANSIENT);
  dd *v = NULL;
  size_t nv = 0, cv = 0;
  int rc = 0, src;
  /* one row per occurrence, ordered by doc: (doc, is title) */
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    int64_t doc = sqlite3_column_int64(st, 0);
    uint32_t w = sqlite3_column_int(st, 1) ? (uint32_t)W_TITLE : (uint32_t)W_BODY;
    (*rows)++;
    if (nv && v[nv - 1].doc == doc) {
      v[nv - 1].d += w;
      continue;
    }
    if (nv == cv) {
      size_t cap = cv ? cv * 2 : 1024;
      dd *x = kh__realloc(v, cap * sizeof *x);
      if (!x) {
        rc = KH_ENOMEM;
        break;
      }
      v = x;
      cv = cap;
    }
    v[nv++] = (dd){doc, w};
  }
  sqlite3_reset(st);
  if (!rc && src != SQLITE_DONE && src != SQLITE_ROW) rc = sql_rc(db->sql);
  sqlite3_stmt *up = rc ? NULL : stmt(db, S_DF_SET);
  if (!rc && !up) rc = sql_rc(db->sql);
  if (!rc) {
    sqlite3_bind_text(up, 1, term, (int)tn, SQLITE_STATIC);
    sqlite3_bind_int64(up, 2, (int64_t)nv);
    rc = run(db, up);
  }
  if (!rc && nv < (size_t)db->champ->t) rc = set_state(db, term, tn, 4);
  if (rc || nv < (size_t)db->champ->t) {
    kh_free(v);
    return rc;
  }
  qsort(v, nv, sizeof *v, cmp_dd);
  size_t n = 0;
  for (size_t i = 0; i < nv && !rc; i++) {
    if (n == CH_R && weight(v[i].d, min_dl, avgdl) < heap[0].imp) break;
    uint32_t dl;
    if (!(rc = doc_dl(db, v[i].doc, &dl))) heap_push(heap, &n, (scored){weight(v[i].d, dl, avgdl), v[i].doc, v[i].d, dl});
  }
  kh_free(v);
  if (rc) return rc;
  sqlite3_stmt *del = stmt(db, S_CH_DEL);
  if (!del) return sql_rc(db->sql);
  sqlite3_bind_text(del, 1, term, (int)tn, SQLITE_STATIC);
  if ((rc = run(db, del))) return rc;
  return list_add(db, term, tn, heap, n, 0, avgdl);
}

/* Every time the articles double: terms of df >= CH_T from FTS5's own
** vocabulary that have no row yet (found by no window, e.g. when each run
** stores fewer than CH_WINDOW articles) are wanted too. */
static int scan_vocab(kh_db *db, int64_t docs) {
  int rc = kh__db_exec(db, "CREATE VIRTUAL TABLE IF NOT EXISTS temp.kh_search_vocab_row"
                           " USING fts5vocab(main, article_fts, row)");
  if (rc || (rc = load_tracked(db))) return rc;
  sqlite3_stmt *st = stmt(db, S_SCAN);
  if (!st) return sql_rc(db->sql);
  sqlite3_bind_int64(st, 1, db->champ->t);
  char *terms = NULL; /* NUL-separated: no writes while the scan runs */
  kh__buf b = {0};
  int src;
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    const char *t = (const char *)sqlite3_column_text(st, 0);
    size_t n = (size_t)sqlite3_column_bytes(st, 0);
    if (n && !kh_is_stopword(t, n) && !tmap_find(&db->champ->tracked, t, n)) {
      kh__buf_append(&b, t, n, &rc);
      kh__buf_appendc(&b, '\0', &rc);
    }
  }
  sqlite3_reset(st);
  if (!rc && src != SQLITE_DONE) rc = sql_rc(db->sql);
  terms = b.data;
  for (size_t i = 0; !rc && i < b.len; i += strlen(terms + i) + 1) rc = want(db, terms + i, strlen(terms + i));
  kh__buf_free(&b);
  if (!rc) {
    sqlite3_stmt *m = stmt(db, S_META_ADD);
    if (!m) return sql_rc(db->sql);
    sqlite3_bind_text(m, 1, "scanned", -1, SQLITE_STATIC);
    sqlite3_bind_int64(m, 2, docs - db->champ->scanned);
    rc = run(db, m);
  }
  return rc;
}

static int build(kh_db *db, long budget) {
  kh__champ *c = db->champ;
  if (!c || !c->pending || db->in_txn) return 0;
  int rc;
  int64_t docs, tokens, fwd_from;
  if ((rc = meta(db, &docs, &tokens, &fwd_from, &c->scanned))) return rc;
  int64_t min_dl = c_min_dl;
  c->pending = 0;
  if (fwd_from > 1 || docs <= 0) return 0; /* old articles lack forward rows: no lists */
  double avgdl = (double)tokens / (double)docs;
  scored *heap = kh__malloc(CH_R * sizeof *heap);
  char(*terms)[KH_MAX_TOKEN + 1] = kh__malloc(64 * sizeof *terms);
  size_t tlen[64], nt = 0;
  if (!heap || !terms) rc = KH_ENOMEM;
  if (!rc && !c->vocab) {
    rc = kh__db_exec(db, "CREATE VIRTUAL TABLE IF NOT EXISTS temp.kh_search_vocab"
                         " USING fts5vocab(main, article_fts, instance)");
    c->vocab = !rc;
  }
  if (!rc) rc = kh__db_exec(db, "BEGIN IMMEDIATE");
  if (!rc && docs >= 2 * c->scanned && docs >= CH_WINDOW) rc = scan_vocab(db, docs);
  sqlite3_stmt *st = rc ? NULL : stmt(db, S_PENDING);
  if (!rc && !st) rc = sql_rc(db->sql);
  int src;
  while (!rc && nt < 64 && (src = sqlite3_step(st)) == SQLITE_ROW) {
    int n = sqlite3_column_bytes(st, 0);
    if (n > (int)KH_MAX_TOKEN) continue;
    memcpy(terms[nt], sqlite3_column_text(st, 0), (size_t)n);
    tlen[nt++] = (size_t)n;
  }
  if (st) sqlite3_reset(st);
  long rows = 0;
  for (size_t i = 0; !rc && i < nt; i++) {
    if (rows >= budget) {
      c->pending = 1; /* the rest after a later commit */
      break;
    }
    rc = build_term(db, terms[i], tlen[i], avgdl, (double)(min_dl > 0 ? min_dl : 1), heap, &rows);
    /* an article without a forward row (stored around kh_db_put_article):
    ** this term keeps the FTS5 path (state 3) */
    if (rc == KH_ENOTFOUND) rc = set_state(db, terms[i], tlen[i], 3);
  }
  if (!rc && nt == 64) c->pending = 1;
  if (!rc) rc = kh__db_exec(db, "COMMIT");
  else if (sqlite3_get_autocommit(db->sql) == 0) kh__db_exec(db, "ROLLBACK");
  if (rc) {
    c->pending = 1;
    c->ntracked_db = -1; /* rows added by want() were rolled back */
  }
  kh_free(heap);
  kh_free(terms);
  return rc;
}

int kh__champ_build(kh_db *db) {
  kh__champ *c = db->champ;
  return build(db, c ? CH_BUILD_ROWS_PER_DOC * (long)(c->last_docs > 0 ? c->last_docs : 1) : 0);
}

int kh__champ_build_all(kh_db *db) {
  int rc = 0;
  while (!rc && db->champ && db->champ->pending) rc = build(db, LONG_MAX);
  return rc;
}

/* ---- query ---- */

/* The words of an FTS5 expression made of quoted single tokens joined by
** AND (what query.c writes for plain words), unescaped into w[], or 0. */
static int and_words(const char *f, char (*w)[KH_MAX_TOKEN + 1], size_t *wl, size_t *nw) {
  *nw = 0;
  while (*f) {
    if (*f == '(' || *f == ')' || *f == ' ') {
      f++;
    } else if (!strncmp(f, "AND ", 4)) {
      f += 4;
    } else if (*f == '"') {
      if (*nw == CH_MAX_TERMS) return 0;
      size_t n = 0;
      for (f++;; f++) {
        if (!*f) return 0;
        if (*f == '"') {
          if (f[1] != '"') break;
          f++;
        }
        if (*f == ' ' || n == KH_MAX_TOKEN) return 0; /* a phrase */
        w[*nw][n++] = *f;
      }
      f++;
      if (*f == ' ' && f[1] == '*') return 0; /* prefix */
      if (!n) return 0;
      w[*nw][n] = '\0';
      wl[(*nw)++] = n;
    } else {
      return 0; /* OR, NOT, * */
    }
  }
  return *nw > 0;
}

typedef struct one_tok {
  kh_token t;
  char norm[KH_MAX_TOKEN + 1];
  int n;
} one_tok;

static int take_tok(void *ctx, const kh_token *t) {
  one_tok *o = ctx;
  if (o->n++ || (t->flags & KH_TOKF_COLOC) || t->norm_len > KH_MAX_TOKEN) return 1;
  o->t = *t;
  memcpy(o->norm, t->norm, t->norm_len);
  o->norm[t->norm_len] = '\0';
  return 0;
}

/* The index term a query word matches: FTS5 gets the word and, colocated,
** its stem; every article position holding the word also holds the stem,
** so the word's rows and counts are exactly the stem's. */
static int key_of(const char *w, size_t wl, char *key, size_t *kl) {
  one_tok o = {.n = 0};
  if (kh_tokenize(w, wl, 0, take_tok, &o) != 0 || o.n != 1) return 0;
  *kl = o.t.norm_len;
  memcpy(key, o.norm, *kl + 1);
  if (o.t.kind == KH_TOK_WORD) {
    int n = kh_stem(o.norm, o.t.norm_len, key, KH_MAX_TOKEN + 1);
    if (n > 0) *kl = (size_t)n;
    else memcpy(key, o.norm, *kl + 1);
  }
  return !kh_is_stopword(key, *kl);
}

static int get_varint(const unsigned char *p, const unsigned char *end, uint64_t *v) {
  uint64_t x = 0;
  for (int i = 0; i < 9 && p + i < end; i++) {
    if (i == 8) {
      *v = (x << 8) | p[i];
      return 9;
    }
    x = (x << 7) | (p[i] & 0x7f);
    if (!(p[i] & 0x80)) {
      *v = x;
      return i + 1;
    }
  }
  return 0;
}

/* FTS5's row count and total tokens (its averages record): 0, KH_ENOTFOUND
** (no row indexed yet), or a code. */
static int fts_totals(kh_db *db, double *nrow, double *ntok) {
  sqlite3_stmt *st = stmt(db, S_AVG);
  if (!st) return sql_rc(db->sql);
  int src = sqlite3_step(st);
  int rc = src == SQLITE_DONE || src == SQLITE_ROW ? KH_ENOTFOUND : sql_rc(db->sql);
  if (src == SQLITE_ROW) {
    const unsigned char *p = sqlite3_column_blob(st, 0), *end = p + sqlite3_column_bytes(st, 0);
    uint64_t v, sum = 0;
    int k = p ? get_varint(p, end, &v) : 0;
    if (k) {
      *nrow = (double)v;
      for (p += k; p < end && (k = get_varint(p, end, &v)); p += k) sum += v;
      *ntok = (double)sum;
      rc = *nrow > 0 ? 0 : KH_ENOTFOUND;
    }
  }
  sqlite3_reset(st);
  return rc;
}

typedef struct cand {
  int64_t doc; /* 0: empty slot */
  uint32_t dl;
  int32_t d[CH_MAX_TERMS]; /* weighted tf per query term, -1 unknown */
  double score;
} cand;

static int cmp_cand(const void *a, const void *b) {
  const cand *x = a, *y = b;
  if (x->score != y->score) return x->score > y->score ? -1 : 1;
  return x->doc < y->doc ? -1 : x->doc > y->doc;
}

/* d of term hash k in a forward row, or -1. */
static int32_t fwd_find(const unsigned char *p, size_t n, uint32_t k) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t m = (lo + hi) / 2;
    uint32_t h = (uint32_t)p[m * 8] | (uint32_t)p[m * 8 + 1] << 8 | (uint32_t)p[m * 8 + 2] << 16 |
                 (uint32_t)p[m * 8 + 3] << 24;
    if (h == k) {
      const unsigned char *d = p + m * 8 + 4;
      return (int32_t)((uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 | (uint32_t)d[3] << 24);
    }
    if (h < k) lo = m + 1;
    else hi = m;
  }
  return -1;
}

/* 1 if article doc passes the filters (o NULL: none) and, with fts, FTS5
** matches it (the forward rows hold 32-bit hashes); 0 if not; or a code. */
static int keep_hit(kh_db *db, const char *fts, const kh_search_opts *o, const char *since,
                    const char *until, int64_t doc) {
  if (o && (o->source || since || until)) {
    sqlite3_stmt *st = stmt(db, S_ART);
    if (!st) return sql_rc(db->sql);
    sqlite3_bind_int64(st, 1, doc);
    int ok = sqlite3_step(st) == SQLITE_ROW;
    if (ok && o->source) {
      const char *s = (const char *)sqlite3_column_text(st, 0);
      ok = s && !strcmp(s, o->source);
    }
    const char *p = (const char *)sqlite3_column_text(st, 1);
    if (ok && since) ok = p && strcmp(p, since) >= 0;
    if (ok && until) ok = p && strcmp(p, until) <= 0;
    sqlite3_reset(st);
    if (!ok) return 0;
  }
  if (!fts) return 1;
  sqlite3_stmt *st = stmt(db, S_VERIFY);
  if (!st) return sql_rc(db->sql);
  sqlite3_bind_text(st, 1, fts, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, doc);
  int src = sqlite3_step(st);
  sqlite3_reset(st);
  return src == SQLITE_ROW ? 1 : src == SQLITE_DONE ? 0 : sql_rc(db->sql);
}

typedef struct qterm {
  char key[KH_MAX_TOKEN + 1];
  size_t kl;
  double idf, bound, df, n;
  int listed; /* has a list (state 1) */
} qterm;

/* 1 if FTS5's query tokenizer turns "key" into the index term key alone
** (one token, itself, its own stem): then MATCH '"key"' has exactly the
** rows and positions of the word's phrase ({word, stem colocated}). */
static int key_alone(const char *key, size_t kl) {
  one_tok o = {.n = 0};
  if (kh_tokenize(key, kl, 0, take_tok, &o) != 0 || o.n != 1 || o.t.norm_len != kl || memcmp(o.norm, key, kl))
    return 0;
  if (o.t.kind != KH_TOK_WORD) return 1;
  char s[KH_MAX_TOKEN + 1];
  int n = kh_stem(key, kl, s, sizeof s);
  return n <= 0 || ((size_t)n == kl && !memcmp(s, key, kl));
}

static void quote(kh__buf *b, const char *s, size_t n, int *rc) {
  kh__buf_appendc(b, '"', rc);
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '"') kh__buf_appendc(b, '"', rc);
    kh__buf_appendc(b, s[i], rc);
  }
  kh__buf_appendc(b, '"', rc);
}

/* The lists' candidates that hold every word, scored exactly, best first,
** into *cv (m of them). */
static int list_cands(kh_db *db, const qterm *t, size_t nw, double avgdl, cand **cvp, size_t *m) {
  size_t cap = 1, nl = 0;
  for (size_t i = 0; i < nw; i++) nl += t[i].listed;
  while (cap < 2 * CH_R * nl) cap *= 2;
  cand *cv = kh__calloc(cap, sizeof *cv);
  *cvp = cv;
  *m = 0;
  if (!cv) return KH_ENOMEM;
  for (size_t i = 0; i < nw; i++) {
    if (!t[i].listed) continue;
    sqlite3_stmt *st = stmt(db, S_CH_GET);
    if (!st) return sql_rc(db->sql);
    sqlite3_bind_text(st, 1, t[i].key, (int)t[i].kl, SQLITE_STATIC);
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
      int64_t doc = sqlite3_column_int64(st, 0);
      size_t j = (size_t)((uint64_t)doc * 0x9E3779B97F4A7C15ULL >> 20) & (cap - 1);
      while (cv[j].doc && cv[j].doc != doc) j = (j + 1) & (cap - 1);
      if (!cv[j].doc) {
        cv[j].doc = doc;
        cv[j].dl = (uint32_t)sqlite3_column_int64(st, 2);
        for (size_t k = 0; k < CH_MAX_TERMS; k++) cv[j].d[k] = -1;
      }
      cv[j].d[i] = (int32_t)sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    if (src != SQLITE_DONE) return sql_rc(db->sql);
  }
  /* complete each candidate from its forward row; drop it if a term is missing */
  size_t n = 0;
  for (size_t j = 0; j < cap; j++) {
    if (!cv[j].doc) continue;
    cand x = cv[j];
    int need = 0, ok = 1;
    for (size_t i = 0; i < nw; i++) need |= x.d[i] < 0;
    if (need) {
      sqlite3_stmt *st = stmt(db, S_FWD_GET);
      if (!st) return sql_rc(db->sql);
      sqlite3_bind_int64(st, 1, x.doc);
      if (sqlite3_step(st) == SQLITE_ROW) {
        const unsigned char *p = sqlite3_column_blob(st, 0);
        size_t nb = (size_t)sqlite3_column_bytes(st, 0) / 8;
        for (size_t i = 0; i < nw && ok; i++)
          if (x.d[i] < 0) ok = (x.d[i] = p ? fwd_find(p, nb, h32(fnv(t[i].key, t[i].kl))) : -1) > 0;
      } else {
        ok = 0;
      }
      sqlite3_reset(st);
    }
    if (!ok) continue;
    /* bm25() of fts5_aux.c, term by term in query order (topk.c computes the same) */
    double s = 0.0;
    for (size_t i = 0; i < nw; i++) {
      double d = (double)x.d[i];
      s += t[i].idf * ((d * (K1 + 1.0)) / (d + K1 * (1 - B + B * (double)x.dl / avgdl)));
    }
    x.score = s;
    cv[n++] = x;
  }
  qsort(cv, n, sizeof *cv, cmp_cand);
  *m = n;
  return 0;
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

/* FTS5 confirms the hits h[0..n) that came from the lists (all of them, or
** those whose rowid is in the sorted seeds[0..ns)): 0 all match, 1 one does
** not, or a code. */
static int verify(kh_db *db, const char *fts, const kh__champ_hit *h, size_t n, const int64_t *seeds, size_t ns) {
  for (size_t i = 0; i < n; i++) {
    if (seeds && !bsearch(&h[i].rowid, seeds, ns, sizeof *seeds, cmp_i64)) continue;
    int ok = keep_hit(db, fts, NULL, NULL, NULL, h[i].rowid);
    if (ok == 0) kh__champ_stat[KH__CHAMP_BADSEED]++;
    if (ok <= 0) return ok < 0 ? ok : 1;
  }
  return 0;
}

int kh__champ_topk(kh_db *db, const kh__query *q, const kh_search_opts *o, const char *since,
                   const char *until, size_t k, kh__champ_hit *out, size_t *nout) {
  *nout = 0;
  kh__champ *c = db->champ;
  if (!c || db->in_txn || k == 0 || k > CH_MAX_LIMIT || getenv("KHABAR_NO_CHAMP")) return 0;
  char(*w)[KH_MAX_TOKEN + 1] = kh__malloc(CH_MAX_TERMS * sizeof *w);
  qterm *t = kh__malloc(CH_MAX_TERMS * sizeof *t);
  cand *cv = NULL;
  kh__buf expr = {0};
  int64_t skip[CH_MAX_LIMIT];
  size_t wl[CH_MAX_TERMS], nw = 0, m = 0, got = 0;
  int rc = !w || !t ? KH_ENOMEM : 0, answered = 0, words = 0, nlisted = 0;
  int64_t fwd_from = 0;
  double nrow = 0, ntok = 0, bound = 0;
  if (rc) goto done;
  if ((rc = meta(db, NULL, NULL, &fwd_from, NULL))) goto done;
  int64_t min_dl = fwd_from <= 1 && c_min_dl > 0 ? c_min_dl : 0;
  if ((rc = fts_totals(db, &nrow, &ntok))) {
    if (rc == KH_ENOTFOUND) rc = 0; /* an empty index: FTS5 says so */
    goto done;
  }
  double avgdl = ntok / nrow;
  /* plain words ANDed, each one index term: their dfs and lists are known */
  words = and_words(q->fts, w, wl, &nw);
  for (size_t i = 0; words && i < nw; i++) words = key_of(w[i], wl[i], t[i].key, &t[i].kl);
  for (size_t i = 0; words && i < nw; i++) {
    sqlite3_stmt *st = stmt(db, S_TERM_GET);
    if (!st) {
      rc = sql_rc(db->sql);
      goto done;
    }
    sqlite3_bind_text(st, 1, t[i].key, (int)t[i].kl, SQLITE_STATIC);
    int src = sqlite3_step(st), state = 0;
    double df = 0, n = 0, floor = 0, aref = 0;
    if (src == SQLITE_ROW) {
      df = (double)sqlite3_column_int64(st, 0);
      n = (double)sqlite3_column_int64(st, 1);
      floor = sqlite3_column_double(st, 2);
      aref = sqlite3_column_double(st, 3);
      state = sqlite3_column_int(st, 4);
    }
    sqlite3_reset(st);
    if (src != SQLITE_ROW && src != SQLITE_DONE) {
      rc = sql_rc(db->sql);
      goto done;
    }
    /* df is exact at every commit for terms with a list (state 1), when
    ** every article went through champ.c (fwd_from <= 1) */
    double idf = log((nrow - df + 0.5) / (df + 0.5));
    t[i].listed = fwd_from <= 1 && state == 1;
    t[i].idf = !t[i].listed ? NAN : idf <= 0.0 ? 1e-6 : idf;
    t[i].df = df;
    t[i].n = n;
    nlisted += t[i].listed;
    /* an article outside the list: weight <= floor at aref, and BM25 grows
    ** at most linearly with avgdl; a list shorter than CH_R is complete */
    t[i].bound = !t[i].listed ? INFINITY : n < CH_R ? -INFINITY : t[i].idf * floor * (avgdl > aref ? avgdl / aref : 1.0);
    bound += t[i].bound;
  }
  /* the lists, when every word has one and they can be expected to hold
  ** 2k articles with every word (independence; one word: always): their
  ** best k that pass the filters (and FTS5's own AND, the forward rows
  ** holding 32-bit hashes) are exact; certified when nothing outside the
  ** lists can score as high */
  if (words && nlisted == (int)nw) {
    double expect = 0, work = 0;
    for (size_t i = 0; i < nw; i++) {
      work += t[i].df;
      double e = t[i].n;
      for (size_t j = 0; j < nw; j++) e *= j == i ? 1.0 : t[j].df / nrow;
      expect += e;
    }
    if (nw == 1 || (expect >= 2.0 * (double)k && work >= CH_SEED_WORK * (double)c->t)) {
      if ((rc = list_cands(db, t, nw, avgdl, &cv, &m))) goto done;
      for (size_t j = 0; j < m && got < k; j++) {
        int keep = keep_hit(db, NULL, o, since, until, cv[j].doc);
        if (keep < 0) {
          rc = keep;
          goto done;
        }
        if (keep) out[got++] = (kh__champ_hit){cv[j].doc, cv[j].score};
      }
      if (got == k && out[k - 1].score >= bound) {
        if ((rc = verify(db, q->fts, out, got, NULL, 0)) < 0) goto done;
        if (rc == 0) {
          kh__champ_stat[KH__CHAMP_EXACT]++;
          *nout = got;
          answered = 1;
          goto done;
        }
        rc = 0;
        got = 0; /* a forward hash lied: no seeds */
      }
    }
  }
  /* otherwise one pass over FTS5's matches (topk.c), pruned from the seeds'
  ** k-th score; plain words are searched as their index terms */
  kh__topk_req r = {.min_dl = (double)min_dl, .source = o->source, .since = since, .until = until, .k = k,
                    .skip = skip, .nskip = got};
  if (words) {
    r.nterms = nw;
    for (size_t i = 0; i < nw; i++) {
      if (i) kh__buf_appends(&expr, " AND ", &rc);
      if (key_alone(t[i].key, t[i].kl)) quote(&expr, t[i].key, t[i].kl, &rc);
      else quote(&expr, w[i], wl[i], &rc);
      r.idf[i] = t[i].idf;
    }
    kh__buf_appendc(&expr, '\0', &rc);
    if (rc) goto done;
    r.expr = expr.data;
  } else {
    r.expr = q->fts;
  }
  for (size_t j = 0; j < got; j++) skip[j] = out[j].rowid;
  qsort(skip, got, sizeof *skip, cmp_i64);
  size_t n = got;
  rc = kh__topk_scan(db, &r, out, &n, NULL);
  if (!rc && got && (rc = verify(db, q->fts, out, n, skip, got)) > 0) { /* a seed was no match */
    r.nskip = n = 0;
    rc = kh__topk_scan(db, &r, out, &n, NULL);
  }
  if (rc == KH_ETOOBIG) { /* too many phrases: FTS5 ranks it */
    rc = 0;
    goto done;
  }
  if (rc) goto done;
  kh__champ_stat[KH__CHAMP_EXACT]++;
  kh__champ_stat[KH__CHAMP_SCAN]++;
  *nout = n;
  answered = 1;
done:
  if (!answered) {
    *nout = 0;
    if (!rc) kh__champ_stat[KH__CHAMP_SHORT]++;
  }
  kh_free(w);
  kh_free(t);
  kh_free(cv);
  kh__buf_free(&expr);
  return rc ? rc : answered;
}
