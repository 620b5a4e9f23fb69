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
**       state 4 = counted (df below CH_T; exact in the file but for the
**       last few batches, kept in memory), 2 = a list is wanted
**       (df reached CH_T, or the average length drifted; built after a
**       commit), 1 = the term has a list, 3 = cannot be built
**   search_champ(term, imp, doc, d, dl)            the list, by impact
**   search_fwd(rowid, dl, terms)                   per article: its length
**       and (hash32 of term, weighted tf) for every term, sorted by hash —
**       a forward index, so AND is checked without touching FTS5; every
**       article of a list has one (articles stored before counting began
**       only once a list takes them)
**   search_meta(k, v)                              docs, tokens, fwd_from,
**       scanned, min_dl, gen, fwd_all (from this rowid on every article
**       has a forward row), unseen (articles no completed window counted)
**
** The weight of a term in an article is exactly FTS5's bm25 term weight
** without the idf: d = 4·tf(title) + tf(body) (the rank's column weights)
** and imp = d·(k1+1) / (d + k1·(1 − b + b·dl/aref)), aref the average
** article length when the list was built (kept per term so that every
** entry of one list is comparable).
**
** Ingest.  Terms are counted only once the file holds t/2 articles (no
** term reaches df t before; a file whose older articles predate the lists
** never gets any): until then a put only adds the article's length.
** Counting is array work: the token caches intern every token in the
** connection's term dictionary as they are filled (terms.c; its bytes are
** hashed once, its stem and stopword flag computed once per term), and
** kh__champ_put walks the cached ids, adding d per term in the dictionary
** entry.  Per article (kh__champ_put): its (term, d) pairs go to the batch
** in memory; for a term with a list it becomes a candidate only if its
** weight beats the list's floor (kept in memory).  Per batch
** (kh__champ_flush): the df of terms with a list is added in the file and
** their candidates that still beat the floor (re-read there) go in, trimmed
** back to r; once the file holds t articles, the forward row of every
** article of the batch is written from memory (a build picking one of the
** first t articles makes its row from the stored text); counted terms (state 4) keep their df in
** memory, written every CH_PEND_BATCHES batches and at close, and move to
** "wanted" at CH_T; other terms are counted per window of CH_WINDOW
** articles, and one in 0.5% of a window is followed from then on with its
** df from FTS5 (fts5vocab row: one doclist).  After the commit
** (kh__champ_build) wanted lists are built from fts5vocab instance rows
** and FTS5's article lengths (docsize), a bounded number of posting rows
** per commit; each time the articles double, FTS5's vocabulary is scanned
** for terms of df >= CH_T that no window caught (not needed, and skipped,
** while every article was counted by a completed window: an unfollowed
** term then has df <= unseen + 0.45% of the rest).  A list is rebuilt when
** the average length moved more than CH_DRIFT since aref.  search_meta
** 'gen' changes with every write of these tables, so a connection reads
** the states again when another one wrote.
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
#define CH_DRIVE_MAX 4096  /* a rare word's articles walked to answer its AND with frequent words from forward rows */
#define CH_DRIVE_RATIO 100 /* ... and at most this many times fewer than every other word's */
#define CH_DF_MEMO 64      /* counted dfs kept on the connection (phrases, stopword keys) */

static const double K1 = 1.2, B = 0.75, W_TITLE = 4.0, W_BODY = 1.0;

long kh__champ_stat[KH__CHAMP_NSTAT];
long kh__champ_fwd_read;
long kh__champ_fwd_budget = -1;
long kh__champ_drive_max = CH_DRIVE_MAX;
double kh__champ_drive_ratio = CH_DRIVE_RATIO;
long kh__champ_drive_read;
int kh__champ_df_memo = 1;
long kh__champ_df_stat[2];


/* ---- hashes of terms ---- */

static uint64_t fnv(const char *s, size_t n) { return kh__term_hash(s, n); }

static uint32_t h32(uint64_t h) { return (uint32_t)(h ^ (h >> 32)); }

/* 1 if term is its own light stem: only such terms are counted at ingest
** (count_column), so only their lists and forward-row entries are complete. */
static int is_key(const char *term, size_t n) {
  char s[KH_MAX_TOKEN + 1];
  int m = kh_stem(term, n, s, sizeof s);
  return m <= 0 || ((size_t)m == n && !memcmp(s, term, n));
}

/* ---- state kept on the connection ---- */

/* A candidate list entry of the open batch: an article whose weight for a
** term with a list beat the list's floor when it was counted. */
typedef struct bent {
  uint32_t term; /* dictionary id */
  uint32_t d, dl;
  uint32_t bdoc; /* index in the batch's articles */
  int64_t doc;
} bent;

/* An article of the open batch: its (term, d) pairs in pool[start..start+n). */
typedef struct bdoc {
  int64_t doc;
  uint32_t dl, start, n;
  int fwd; /* its forward row is written */
} bdoc;

typedef struct tpair {
  uint32_t term, d;
} tpair;

enum {
  S_FWD_INS, S_DF_ADD, S_WANT, S_TRACKED, S_PEND, S_DF_SET, S_SCAN, S_STATE, S_CH_INS, S_CH_TRIM, S_FLOOR, S_TERM_UPD,
  S_META_GET, S_META_ADD, S_META_MIN, S_META_KEY, S_META_SET, S_FOLLOW, S_DF_ROW, S_GEN, S_GEN_BUMP, S_PENDING, S_VOCAB, S_DOCSIZE, S_FWD_HAS, S_TEXT, S_CH_DEL,
  S_TERM_GET, S_CH_GET, S_FWD_GET, S_AVG, S_ART, S_VERIFY, S_FWD_DL, S_CH_MAX, S_DATAVER, NSTMT
};

static const char *const SQL[NSTMT] = {
    [S_FWD_INS] = "INSERT OR REPLACE INTO search_fwd(rowid, dl, terms) VALUES (?1, ?2, ?3)",
    [S_DF_ADD] = "UPDATE search_term SET df = df + ?2 WHERE term = ?1 RETURNING df, state, n, floor, aref",
    [S_WANT] = "INSERT OR IGNORE INTO search_term(term, df, state) VALUES (?1, 0, 2)",
    [S_TRACKED] = "SELECT term, df, state, n, floor, aref FROM search_term",
    [S_PEND] = "UPDATE search_term SET df = df + ?2 WHERE term = ?1 AND state = 4",
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
    [S_META_KEY] = "SELECT v FROM search_meta WHERE k = ?1",
    [S_META_SET] = "INSERT INTO search_meta VALUES (?1, ?2) ON CONFLICT(k) DO UPDATE SET v = excluded.v",
    [S_FOLLOW] = "INSERT OR IGNORE INTO search_term(term, df, state) VALUES (?1, ?2, 4)",
    [S_DF_ROW] = "SELECT doc FROM temp.kh_search_vocab_row WHERE term = ?1",
    [S_GEN] = "SELECT coalesce((SELECT v FROM search_meta WHERE k = 'gen'), 0)",
    [S_GEN_BUMP] = "INSERT INTO search_meta VALUES ('gen', 1) ON CONFLICT(k) DO UPDATE SET v = v + 1 RETURNING v",
    [S_PENDING] = "SELECT term FROM search_term WHERE state = 2 LIMIT 64",
    [S_VOCAB] = "SELECT doc, col = 'title' FROM temp.kh_search_vocab WHERE term = ?1",
    [S_DOCSIZE] = "SELECT sz FROM article_fts_docsize WHERE id = ?1",
    [S_FWD_HAS] = "SELECT 1 FROM search_fwd WHERE rowid = ?1",
    [S_TEXT] = "SELECT title, body FROM article WHERE rowid = ?1",
    [S_CH_DEL] = "DELETE FROM search_champ WHERE term = ?1",
    [S_TERM_GET] = "SELECT df, n, floor, aref, state FROM search_term WHERE term = ?1",
    [S_CH_GET] = "SELECT doc, d, dl FROM search_champ WHERE term = ?1",
    [S_FWD_GET] = "SELECT terms FROM search_fwd WHERE rowid = ?1",
    [S_AVG] = "SELECT block FROM article_fts_data WHERE id = 1",
    [S_ART] = "SELECT source, published FROM article WHERE rowid = ?1",
    [S_VERIFY] = "SELECT 1 FROM article_fts WHERE article_fts MATCH ?1 AND rowid = ?2",
    [S_FWD_DL] = "SELECT dl, terms FROM search_fwd WHERE rowid = ?1",
    [S_CH_MAX] = "SELECT max(imp) FROM search_champ WHERE term = ?1",
    [S_DATAVER] = "PRAGMA data_version",
};

struct kh__champ {
  kh__terms dict;     /* every term seen; per-term counts and row state (store.h) */
  uint32_t docseq;    /* article being counted (kh__term.doc_mark) */
  uint32_t batchseq;  /* open batch (kh__term.batch_mark) */
  uint32_t *dterms;   /* terms of the article being counted */
  size_t ndterms, cdterms;
  int64_t dterms_doc; /* the article they are (kh__champ_put's), 0 none */
  uint32_t dterms_dl; /* its length */
  int dterms_cut;     /* some of its terms were left out (CH_MAX_DOC_TERMS) */
  uint32_t *bterms;   /* terms of the open batch */
  size_t nbterms, cbterms;
  tpair *pool;        /* (term, d) of every article of the open batch */
  size_t npool, cpool;
  bdoc *docs;         /* articles of the open batch */
  size_t ndocs, cdocs;
  bent *ent;          /* candidate list entries of the open batch */
  size_t nent, cent;
  uint32_t *wterms;   /* terms counted in the current window (wdf > 0) */
  size_t nwterms, cwterms;
  uint32_t *pend;     /* counted terms whose df grew in memory */
  size_t npend, cpend;
  int flushes;        /* batches since the counted dfs were written */
  int64_t gen;        /* search_meta 'gen' the states in dict reflect, -1 unknown */
  int active;         /* terms are counted (the file may hold lists) */
  int64_t wdocs;      /* articles in the current window */
  int64_t scanned;    /* articles at the last vocabulary scan */
  int64_t last_docs;  /* articles in the last batch flushed (build budget) */
  int64_t t;          /* CH_T, or a test's value */
  int64_t bdocs, btokens, bmin_dl, bmax_doc;
  int64_t fwd_all;    /* meta 'fwd_all': from this rowid on every article has a forward row (0 none, -1 unread) */
  int64_t unseen;     /* meta 'unseen': articles no completed window counted (-1 unread) */
  int vocab_row;      /* temp.kh_search_vocab_row exists */
  kh__buf fwd;        /* forward row being built */
  kh__tokcache text[2]; /* an older article's title and body (forward rows from text) */
  int pending;        /* builds may be wanted */
  int vocab;          /* temp.kh_search_vocab exists */
  sqlite3_stmt *st[NSTMT];
  /* document frequencies FTS5 counted for a query's phrases that have no
  ** kept df (a word split into a phrase, a word whose key is a stopword),
  ** by the phrase's text; valid while the file is unchanged (stamp) */
  struct {
    char text[KH_MAX_TOKEN + 1];
    size_t n;
    int64_t df;
  } dfm[CH_DF_MEMO];
  int64_t dfm_stamp[4];
  size_t dfm_next;
  /* forward rows during a search (fwd_get): one blob handle on
  ** search_fwd.terms moved from row to row, closed when the search ends */
  int searching;
  sqlite3_blob *fblob;
  kh__buf frow;
  /* the lengths of the articles this connection stored, by rowid from
  ** dl_base on (0: not known here), so that builds weigh them without a
  ** docsize seek each; dl_kept: the part committed (a rollback keeps it) */
  uint32_t *dl;
  size_t ndl, cdl, dl_kept;
  int64_t dl_base;
  kh__bm *bm;         /* blockmax.c's state on this connection */
};

int kh__champ_open(kh_db *db) {
  db->champ = kh__calloc(1, sizeof *db->champ);
  if (!db->champ) return KH_ENOMEM;
  kh__champ *c = db->champ;
  c->pending = 1; /* a file may hold wanted lists from before */
  c->gen = -1;
  c->fwd_all = c->unseen = -1;
  c->t = CH_T;
  c->batchseq = 1;
  /* the store's token caches intern their tokens here (terms.c) */
  db->cache[0].dict = db->cache[1].dict = &c->dict;
  c->text[0].dict = c->text[1].dict = &c->dict;
  return 0;
}

void kh__champ_set_threshold(kh_db *db, int64_t t) {
  if (db && db->champ && t > 0) db->champ->t = t;
}

static void batch_clear(kh__champ *c) {
  c->nbterms = c->npool = c->ndocs = c->nent = 0;
  c->bdocs = c->btokens = 0;
  if (++c->batchseq == 0) { /* wrapped: no mark may equal a future batch */
    for (size_t i = 0; i < c->dict.n; i++) c->dict.v[i].batch_mark = 0;
    c->batchseq = 1;
  }
}

void kh__champ_reset(kh_db *db) {
  kh__champ *c = db->champ;
  if (!c) return;
  batch_clear(c);
  /* what the rolled-back batch wrote is gone: read the states again, and
  ** forget the counts not written (they may hold the batch's) */
  for (size_t i = 0; i < c->npend; i++) c->dict.v[c->pend[i] - 1].pend = 0;
  c->npend = 0;
  c->gen = -1;
  c->fwd_all = c->unseen = -1;
  c->ndl = c->dl_kept; /* the batch's rowids will be used again */
  for (size_t i = 0; i < c->dict.n; i++) c->dict.v[i].wdf = 0; /* the window may hold the batch's */
  c->nwterms = 0;
  c->wdocs = 0;
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

static const char *term_text(const kh__champ *c, uint32_t id) { return c->dict.arena.data + c->dict.v[id - 1].off; }

/* Grow a vector to hold n more items; 0 or KH_ENOMEM. */
static int vgrow(void **v, size_t *cap, size_t len, size_t more, size_t size) {
  if (len + more <= *cap && *cap) return 0; /* (allocated even for none: p + 0 needs a pointer) */
  size_t c = *cap ? *cap : 1024;
  while (c < len + more) c *= 2;
  void *x = kh__realloc(*v, c * size);
  if (!x) return KH_ENOMEM;
  *v = x;
  *cap = c;
  return 0;
}

/* ---- the state of every followed term, in memory ---- */

/* Write the df counted in memory for counted terms (state 4); inside a
** write transaction. */
static int write_pending(kh_db *db) {
  kh__champ *c = db->champ;
  int rc = 0;
  for (size_t i = 0; i < c->npend && !rc; i++) {
    kh__term *t = &c->dict.v[c->pend[i] - 1];
    if (!t->pend) continue;
    sqlite3_stmt *st = stmt(db, S_PEND);
    if (!st) return sql_rc(db->sql);
    sqlite3_bind_text(st, 1, term_text(c, c->pend[i]), (int)t->len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, t->pend);
    if (!(rc = run(db, st))) t->pend = 0;
  }
  if (!rc) c->npend = 0;
  c->flushes = 0;
  return rc;
}

/* Read every search_term row into the dictionary (state, df, list). */
static int load_states(kh_db *db) {
  kh__champ *c = db->champ;
  for (size_t i = 0; i < c->dict.n; i++) {
    kh__term *t = &c->dict.v[i];
    t->state = 0;
    t->cached = 0;
    t->pend = 0;
  }
  c->npend = 0;
  sqlite3_stmt *st = stmt(db, S_TRACKED);
  if (!st) return sql_rc(db->sql);
  int rc = 0, src;
  while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW) {
    uint32_t id = kh__terms_intern(&c->dict, (const char *)sqlite3_column_text(st, 0),
                                   (size_t)sqlite3_column_bytes(st, 0), &rc);
    if (rc) break;
    kh__term *t = &c->dict.v[id - 1];
    t->df = (uint32_t)sqlite3_column_int64(st, 1);
    t->state = (uint8_t)sqlite3_column_int(st, 2);
    t->n = (uint32_t)sqlite3_column_int64(st, 3);
    c->dict.lst[id - 1] = (kh__term_list){sqlite3_column_double(st, 4), sqlite3_column_double(st, 5)};
    t->cached = t->state == 1;
  }
  sqlite3_reset(st);
  if (!rc && src != SQLITE_DONE) rc = sql_rc(db->sql);
  return rc;
}

/* Inside a write transaction: make the states in memory those of the file
** (another connection may have written since this one last did). */
static int meta(kh_db *db, int64_t *docs, int64_t *tokens, int64_t *fwd_from, int64_t *scanned);

static int sync_states(kh_db *db) {
  kh__champ *c = db->champ;
  /* No term reaches df t in a file of fewer than t articles, and a file
  ** whose older articles were stored before the lists never gets any: terms
  ** are counted (and the token caches intern their tokens) from t/2
  ** articles on, so that frequent terms are followed before they reach t. */
  int64_t docs, fwd_from;
  int rc = meta(db, &docs, NULL, &fwd_from, NULL);
  if (rc) return rc;
  c->active = fwd_from <= 1 && docs + db->batch_max >= c->t / 2;
  db->cache[0].dict = db->cache[1].dict = c->active ? &c->dict : NULL;
  if (!c->active) return 0;
  sqlite3_stmt *st = stmt(db, S_GEN);
  if (!st) return sql_rc(db->sql);
  int src = sqlite3_step(st);
  int64_t gen = src == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
  sqlite3_reset(st);
  if (src != SQLITE_ROW) return sql_rc(db->sql);
  if (gen == c->gen) return 0;
  rc = c->gen >= 0 ? write_pending(db) : 0; /* ours, before reading theirs */
  if (!rc) rc = load_states(db);
  if (!rc) c->gen = gen;
  return rc;
}

/* Mark the states as changed by this connection (other connections read
** them again). */
static int bump_gen(kh_db *db) {
  kh__champ *c = db->champ;
  sqlite3_stmt *st = stmt(db, S_GEN_BUMP);
  if (!st) return sql_rc(db->sql);
  int src = sqlite3_step(st);
  int64_t gen = src == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
  if (src == SQLITE_ROW) src = sqlite3_step(st);
  sqlite3_reset(st);
  if (src != SQLITE_DONE) return sql_rc(db->sql);
  c->gen = gen;
  return 0;
}

static int set_state(kh_db *db, const char *term, size_t n, int state) {
  sqlite3_stmt *st = stmt(db, S_STATE);
  if (!st) return sql_rc(db->sql);
  sqlite3_bind_text(st, 1, term, (int)n, SQLITE_STATIC);
  sqlite3_bind_int(st, 2, state);
  int rc = run(db, st);
  if (!rc) {
    kh__champ *c = db->champ;
    uint32_t id = kh__terms_intern(&c->dict, term, n, &rc);
    if (id) {
      c->dict.v[id - 1].state = (uint8_t)state;
      c->dict.v[id - 1].cached = 0;
    }
  }
  return rc;
}

/* ---- ingest: one article ---- */

static int add_term(kh__champ *c, uint32_t id, uint32_t w) {
  kh__term *t = &c->dict.v[id - 1];
  if (t->stop) return 0;
  if (t->doc_mark != c->docseq) {
    if (c->ndterms >= CH_MAX_DOC_TERMS) {
      c->dterms_cut = 1;
      return 0;
    }
    if (c->ndterms == c->cdterms && vgrow((void **)&c->dterms, &c->cdterms, c->ndterms, 1, sizeof *c->dterms))
      return KH_ENOMEM;
    t->doc_mark = c->docseq;
    t->d = 0;
    c->dterms[c->ndterms++] = id;
  }
  t->d += w;
  return 0;
}

/* Count the terms FTS5 indexes for one column (fts5.c emit(), default
** options) that a query can ask for: every cached token that is its own
** light stem, and each word's light stem when it differs and is its own;
** *dl += the tokens that are not colocated (FTS5's column size). */
static int count_column(kh__champ *c, const kh__tokcache *tc, uint32_t w, uint32_t *dl) {
  int rc = 0;
  for (size_t k = 0; k < tc->n && !rc; k++) {
    const kh__tokrec *r = &tc->v[k];
    if (!(r->flags & KH_TOKF_COLOC) || k == 0) (*dl)++;
    uint32_t id = r->term;
    if (!id || tc->dict != &c->dict) { /* filled without the dictionary */
      id = kh__terms_intern(&c->dict, tc->norms.data + r->off, r->len, &rc);
      if (rc) break;
    }
    /* only query keys (terms that are their own stem) are counted: a word
    ** whose stem differs counts for its stem; the form itself is never a
    ** key (key_of) */
    uint32_t s = kh__terms_stem(&c->dict, id, &rc);
    if (rc) break;
    if (!s) rc = add_term(c, id, w);
    else if (r->kind == KH_TOK_WORD && !kh__terms_stem(&c->dict, s, &rc) && !rc)
      rc = add_term(c, s, w);
  }
  return rc;
}

/* The terms of one article (title and body caches) into c->dterms, each
** term's d in its dictionary entry; its length in *dl. */
static int count_article(kh__champ *c, const kh__tokcache *title, const kh__tokcache *body, uint32_t *dl) {
  c->ndterms = 0;
  c->dterms_doc = 0;
  c->dterms_cut = 0;
  if (++c->docseq == 0) { /* wrapped */
    for (size_t i = 0; i < c->dict.n; i++) c->dict.v[i].doc_mark = 0;
    c->docseq = 1;
  }
  *dl = 0;
  int rc = count_column(c, title, (uint32_t)W_TITLE, dl);
  if (!rc) rc = count_column(c, body, (uint32_t)W_BODY, dl);
  return rc;
}

/* Write the forward row of doc from its (term, d) pairs, sorted by hash
** (LSD radix sort, 8 bits a pass), packed (fwdrow.c) when no two terms of
** the row share the low 24 bits of hash32, else wide (byte 2, then per pair
** hash32 and d, 4 bytes each, little endian, sorted by hash32). */
static int write_fwd(kh_db *db, int64_t doc, uint32_t dl, const tpair *p, size_t n) {
  kh__champ *c = db->champ;
  int rc = 0;
  c->fwd.len = 0;
  kh__buf_reserve(&c->fwd, n * 16 + 16 + kh__fwd_pack_max(n), &rc);
  if (rc) return rc;
  /* two arrays of n (hash, d) pairs in the buffer, 8-byte aligned; the row after them */
  uint32_t *a = (uint32_t *)(void *)(c->fwd.data + ((8 - ((uintptr_t)c->fwd.data & 7)) & 7)), *b = a + 2 * n;
  unsigned char *row = (unsigned char *)(b + 2 * n);
  int wide = 0;
  for (size_t i = 0; i < n; i++) a[2 * i] = h32(c->dict.v[p[i].term - 1].h), a[2 * i + 1] = p[i].d;
  for (int sh = 0; sh < 32; sh += 8) {
    if (sh == 24) { /* sorted by the low 24 bits: packed unless two share them */
      for (size_t i = 1; i < n && !wide; i++) wide = ((a[2 * i] ^ a[2 * i - 2]) & 0xFFFFFF) == 0;
      if (!wide) break;
    }
    size_t cnt[257] = {0};
    for (size_t i = 0; i < n; i++) cnt[((a[2 * i] >> sh) & 255) + 1]++;
    for (int k = 0; k < 256; k++) cnt[k + 1] += cnt[k];
    for (size_t i = 0; i < n; i++) {
      size_t j = cnt[(a[2 * i] >> sh) & 255]++;
      b[2 * j] = a[2 * i], b[2 * j + 1] = a[2 * i + 1];
    }
    uint32_t *x = a;
    a = b, b = x;
  }
  size_t len = 1;
  if (!wide) len = kh__fwd_pack(row, a, n);
  else {
    row[0] = 2;
    for (size_t i = 0; i < n; i++)
      for (int j = 0; j < 8; j++) row[len++] = (unsigned char)(a[2 * i + j / 4] >> (8 * (j % 4)));
  }
  sqlite3_stmt *st = stmt(db, S_FWD_INS);
  if (!st) return sql_rc(db->sql);
  sqlite3_bind_int64(st, 1, doc);
  sqlite3_bind_int64(st, 2, dl);
  sqlite3_bind_blob(st, 3, row, (int)len, SQLITE_STATIC);
  return run(db, st);
}

int kh__champ_flush(kh_db *db);

#define CH_DL_MAX (1u << 24) /* article lengths kept in memory (64 MB at most) */
#define CH_DL_GAP 65536      /* rowids skipped (another writer's) before the lengths start afresh */

/* Remember the length of the article rowid stored by this connection. */
static void dl_note(kh__champ *c, int64_t rowid, uint32_t dl) {
  if (c->ndl && (rowid < c->dl_base || rowid - c->dl_base > (int64_t)c->ndl + CH_DL_GAP))
    c->ndl = c->dl_kept = 0; /* far from the kept ones: start afresh */
  if (!c->ndl) c->dl_base = rowid;
  size_t i = (size_t)(rowid - c->dl_base);
  if (i >= CH_DL_MAX) return;
  if (i >= c->cdl) {
    size_t cap = c->cdl ? c->cdl : 4096;
    while (cap <= i) cap *= 2;
    uint32_t *x = kh__realloc(c->dl, cap * sizeof *x);
    if (!x) return; /* only a cache: builds then read FTS5's lengths */
    c->dl = x;
    c->cdl = cap;
  }
  while (c->ndl < i) c->dl[c->ndl++] = 0; /* rowids this connection did not store */
  c->dl[i] = dl;
  if (i >= c->ndl) c->ndl = i + 1;
}

static int doc_dl(kh_db *db, int64_t doc, uint32_t *dl);

/* The length of article doc as FTS5 counts it: from memory when this
** connection stored it, else from its docsize row. */
static int doc_dl_mem(kh_db *db, int64_t doc, uint32_t *dl) {
  kh__champ *c = db->champ;
  if (doc >= c->dl_base && doc - c->dl_base < (int64_t)c->ndl && c->dl[doc - c->dl_base]) {
    *dl = c->dl[doc - c->dl_base];
    return 0;
  }
  return doc_dl(db, doc, dl);
}

int kh__champ_put(kh_db *db, int64_t rowid) {
  kh__champ *c = db->champ;
  if (!c) return 0;
  int rc;
  if (!c->bdocs && (rc = sync_states(db))) return rc; /* first article of a batch */
  uint32_t dl = 0;
  if (!c->active) { /* only the batch's length figures */
    for (int f = 0; f < 2; f++)
      for (size_t k = 0; k < db->cache[f].n; k++) dl += !(db->cache[f].v[k].flags & KH_TOKF_COLOC) || k == 0;
    if (!c->bdocs || dl < c->bmin_dl) c->bmin_dl = dl;
    c->bdocs++;
    c->btokens += dl;
    c->bmax_doc = rowid;
    dl_note(c, rowid, dl);
    return 0;
  }
  if ((rc = count_article(c, &db->cache[0], &db->cache[1], &dl))) return rc;
  c->dterms_doc = rowid;
  c->dterms_dl = dl;
  dl_note(c, rowid, dl);
  /* a very large batch is added early */
  if (c->npool + c->ndterms > CH_MAX_BATCH_ENTS && (rc = kh__champ_flush(db))) return rc;
  if ((rc = vgrow((void **)&c->pool, &c->cpool, c->npool, c->ndterms, sizeof *c->pool)) ||
      (rc = vgrow((void **)&c->docs, &c->cdocs, c->ndocs, 1, sizeof *c->docs)) ||
      (rc = vgrow((void **)&c->bterms, &c->cbterms, c->nbterms, c->ndterms, sizeof *c->bterms)))
    return rc;
  uint32_t bd = (uint32_t)c->ndocs;
  c->docs[c->ndocs++] = (bdoc){rowid, dl, (uint32_t)c->npool, (uint32_t)c->ndterms, 0};
  for (size_t i = 0; i < c->ndterms; i++) {
    uint32_t id = c->dterms[i];
    kh__term *t = &c->dict.v[id - 1];
    c->pool[c->npool++] = (tpair){id, t->d};
    if (t->batch_mark != c->batchseq) {
      t->batch_mark = c->batchseq;
      t->bdf = 0;
      c->bterms[c->nbterms++] = id;
    }
    t->bdf++;
    /* a term with a list: the article is a candidate if it beats the floor
    ** (checked again against the file's values at the flush) */
    if (t->state == 1 &&
        (!t->cached || t->n < CH_R || weight(t->d, dl, c->dict.lst[id - 1].aref) > c->dict.lst[id - 1].floor)) {
      if (c->nent == c->cent && vgrow((void **)&c->ent, &c->cent, c->nent, 1, sizeof *c->ent)) return KH_ENOMEM;
      c->ent[c->nent++] = (bent){id, t->d, dl, bd, rowid};
    }
  }
  if (!c->bdocs || dl < c->bmin_dl) c->bmin_dl = dl;
  c->bdocs++;
  c->btokens += dl;
  c->bmax_doc = rowid;
  return 0;
}

int kh__champ_doc_terms(kh_db *db, int64_t rowid, const uint32_t **ids, size_t *n, uint32_t *dl,
                        const kh__terms **dict) {
  kh__champ *c = db->champ;
  if (!c || !c->active || c->dterms_doc != rowid || !rowid || c->dterms_cut) return 0;
  *ids = c->dterms;
  *n = c->ndterms;
  *dl = c->dterms_dl;
  *dict = &c->dict;
  return 1;
}

int kh__champ_doc_len(kh_db *db, int64_t doc, uint32_t *dl) { return doc_dl_mem(db, doc, dl); }

/* ---- ingest: one batch, at its commit ---- */

static int cmp_ent(const void *a, const void *b) {
  const bent *x = a, *y = b;
  if (x->term != y->term) return x->term < y->term ? -1 : 1;
  return x->doc < y->doc ? -1 : x->doc > y->doc;
}

/* byte order of terms (qsort has no context argument) */
static _Thread_local const kh__terms *g_sort_dict;

static int cmp_term(const void *a, const void *b) {
  const kh__term *x = &g_sort_dict->v[*(const uint32_t *)a - 1], *y = &g_sort_dict->v[*(const uint32_t *)b - 1];
  size_t n = x->len < y->len ? x->len : y->len;
  int c = memcmp(g_sort_dict->arena.data + x->off, g_sort_dict->arena.data + y->off, n);
  return c ? c : (x->len > y->len) - (x->len < y->len);
}

typedef struct scored {
  double imp;
  int64_t doc;
  uint32_t d, dl;
  uint32_t bdoc; /* index + 1 in the open batch's articles, 0: an older article */
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

/* search_meta value of k, or dflt when absent. */
int kh__champ_meta_get(kh_db *db, const char *k, int64_t dflt, int64_t *v) {
  sqlite3_stmt *st = stmt(db, S_META_KEY);
  if (!st) return sql_rc(db->sql);
  sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
  int src = sqlite3_step(st);
  *v = src == SQLITE_ROW ? sqlite3_column_int64(st, 0) : dflt;
  sqlite3_reset(st);
  return src == SQLITE_ROW || src == SQLITE_DONE ? 0 : sql_rc(db->sql);
}

int kh__champ_meta_set(kh_db *db, const char *k, int64_t v) {
  sqlite3_stmt *st = stmt(db, S_META_SET);
  if (!st) return sql_rc(db->sql);
  sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, v);
  return run(db, st);
}

static int meta_add(kh_db *db, const char *k, int64_t v) {
  sqlite3_stmt *st = stmt(db, S_META_ADD);
  if (!st) return sql_rc(db->sql);
  sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, v);
  return run(db, st);
}

/* An article's length in tokens as FTS5 counts it (its docsize row). */
static int doc_dl(kh_db *db, int64_t doc, uint32_t *dl) {
  sqlite3_stmt *st = stmt(db, S_DOCSIZE);
  if (!st) return sql_rc(db->sql);
  sqlite3_bind_int64(st, 1, doc);
  int src = sqlite3_step(st), len = 0;
  if (src == SQLITE_ROW && kh__topk_len_sum(sqlite3_column_blob(st, 0), sqlite3_column_bytes(st, 0), &len) != SQLITE_OK)
    src = SQLITE_CORRUPT; /* not FTS5's record */
  *dl = (uint32_t)len;
  sqlite3_reset(st);
  return src == SQLITE_ROW ? 0 : src == SQLITE_DONE ? KH_ENOTFOUND : src == SQLITE_CORRUPT ? KH_EDB : sql_rc(db->sql);
}

/* The shortest article of the file from FTS5's lengths (once per file that
** does not keep min_dl yet). */
static int init_min_dl(kh_db *db) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db->sql, "SELECT sz FROM article_fts_docsize", -1, &st, NULL) != SQLITE_OK)
    return sql_rc(db->sql);
  int64_t m = 0;
  int src;
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    int dl = 0;
    if (kh__topk_len_sum(sqlite3_column_blob(st, 0), sqlite3_column_bytes(st, 0), &dl) != SQLITE_OK) {
      sqlite3_finalize(st);
      return KH_EDB; /* not FTS5's record */
    }
    if (!m || dl < m) m = dl;
  }
  sqlite3_finalize(st);
  if (src != SQLITE_DONE) return sql_rc(db->sql);
  if (!m) return 0;
  sqlite3_stmt *mm = stmt(db, S_META_MIN);
  if (!mm) return sql_rc(db->sql);
  sqlite3_bind_int64(mm, 1, m);
  return run(db, mm);
}

/* The forward row of an article stored before this batch, from its stored
** text (same tokens as FTS5 indexed), unless it has one.  *cost += its
** length (the build budget). */
static int fwd_from_text(kh_db *db, int64_t doc, long *cost) {
  kh__champ *c = db->champ;
  sqlite3_stmt *st = stmt(db, S_FWD_HAS);
  if (!st) return sql_rc(db->sql);
  sqlite3_bind_int64(st, 1, doc);
  int src = sqlite3_step(st);
  sqlite3_reset(st);
  if (src == SQLITE_ROW) return 0;
  if (src != SQLITE_DONE) return sql_rc(db->sql);
  if (!(st = stmt(db, S_TEXT))) return sql_rc(db->sql);
  sqlite3_bind_int64(st, 1, doc);
  if ((src = sqlite3_step(st)) != SQLITE_ROW) {
    sqlite3_reset(st);
    return src == SQLITE_DONE ? KH_ENOTFOUND : sql_rc(db->sql);
  }
  int rc = kh__tokcache_fill(&c->text[0], (const char *)sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0));
  if (!rc)
    rc = kh__tokcache_fill(&c->text[1], (const char *)sqlite3_column_text(st, 1), (size_t)sqlite3_column_bytes(st, 1));
  uint32_t dl = 0;
  if (!rc) rc = count_article(c, &c->text[0], &c->text[1], &dl);
  sqlite3_reset(st); /* the texts are not read after this */
  c->text[0].text = c->text[1].text = NULL;
  if (rc) return rc;
  tpair *p = kh__malloc((c->ndterms ? c->ndterms : 1) * sizeof *p);
  if (!p) return KH_ENOMEM;
  for (size_t i = 0; i < c->ndterms; i++) p[i] = (tpair){c->dterms[i], c->dict.v[c->dterms[i] - 1].d};
  rc = write_fwd(db, doc, dl, p, c->ndterms);
  kh_free(p);
  if (cost) *cost += dl;
  return rc;
}

/* Every article entering a list has a forward row (kh__champ_topk reads
** them): an article of the open batch from its counts in memory, an older
** one from its stored text. */
static int ensure_fwd(kh_db *db, const scored *e, long *cost) {
  kh__champ *c = db->champ;
  if (!e->bdoc) return c->fwd_all > 0 && e->doc >= c->fwd_all ? 0 : fwd_from_text(db, e->doc, cost);
  bdoc *b = &c->docs[e->bdoc - 1];
  if (b->fwd) return 0;
  int rc = write_fwd(db, b->doc, b->dl, c->pool + b->start, b->n);
  if (!rc) b->fwd = 1;
  return rc;
}

/* Write entries e[0..k) into the list of term (its aref), trim to CH_R and
** store n and floor. */
static int list_add(kh_db *db, const char *term, size_t tn, const scored *e, size_t k, int64_t n,
                    double aref, long *cost) {
  int rc = 0;
  for (size_t i = 0; i < k && !rc; i++) {
    if ((rc = ensure_fwd(db, &e[i], cost))) return rc;
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
  if ((rc = run(db, st))) return rc;
  kh__champ *c = db->champ;
  uint32_t id = kh__terms_intern(&c->dict, term, tn, &rc);
  if (id) { /* the values the next batch's articles are compared with */
    kh__term *t = &c->dict.v[id - 1];
    t->state = 1;
    t->n = (uint32_t)n;
    c->dict.lst[id - 1] = (kh__term_list){floor, aref};
    t->cached = 1;
  }
  return rc;
}

/* Ask for a list of term (built after the commit). */
static int want(kh_db *db, const char *term, size_t n) {
  kh__champ *c = db->champ;
  sqlite3_stmt *st = stmt(db, S_WANT);
  if (!st) return sql_rc(db->sql);
  sqlite3_bind_text(st, 1, term, (int)n, SQLITE_STATIC);
  int rc = run(db, st);
  if (!rc && sqlite3_changes(db->sql) > 0) {
    uint32_t id = kh__terms_intern(&c->dict, term, n, &rc);
    if (id) {
      c->dict.v[id - 1].state = 2;
      c->dict.v[id - 1].cached = 0;
    }
    c->pending = 1;
  }
  return rc;
}

/* One batch term with a list: df, and its entries into its list. */
static int flush_term(kh_db *db, uint32_t id, bent *e, size_t ne, double avgdl, scored *buf) {
  kh__champ *c = db->champ;
  kh__term *t = &c->dict.v[id - 1];
  const char *term = term_text(c, id);
  size_t tn = t->len;
  sqlite3_stmt *st = stmt(db, S_DF_ADD);
  if (!st) return sql_rc(db->sql);
  sqlite3_bind_text(st, 1, term, (int)tn, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, t->bdf);
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
  if (state != 1) return 0;
  /* the batch's entries were chosen against the values in memory: if the
  ** file holds others, some may be missing, so the list is built again */
  int stale = t->cached && (n != (int64_t)t->n || floor != c->dict.lst[id - 1].floor || aref != c->dict.lst[id - 1].aref);
  if (stale || aref <= 0 || fabs(avgdl / aref - 1) > CH_DRIFT) {
    c->pending = 1;
    return set_state(db, term, tn, 2);
  }
  (void)df;
  size_t k = 0;
  for (size_t i = 0; i < ne; i++) {
    double imp = weight(e[i].d, e[i].dl, aref);
    if (n + (int64_t)k < CH_R || imp > floor) buf[k++] = (scored){imp, e[i].doc, e[i].d, e[i].dl, e[i].bdoc + 1};
  }
  if (!k) return 0;
  qsort(buf, k, sizeof *buf, cmp_scored);
  if (k > CH_R) k = CH_R;
  return list_add(db, term, tn, buf, k, n, aref, NULL);
}

/* Terms without a row are counted per window of CH_WINDOW articles; one
** found in CH_WINDOW_MIN of them is followed (frequent-term detection in
** bounded memory: the counts are forgotten after each check). */
static int window_check(kh_db *db, int64_t docs) {
  kh__champ *c = db->champ;
  if (c->wdocs < CH_WINDOW) return 0;
  int rc = 0;
  for (size_t w = 0; w < c->nwterms && !rc; w++) { /* the terms the window counted */
    size_t i = c->wterms[w] - 1;
    kh__term *t = &c->dict.v[i];
    if (t->wdf >= CH_WINDOW_MIN && !t->state) {
      /* counted from now on, from its df in FTS5 (one term's doclist) */
      int64_t est = 0;
      if (!c->vocab_row) {
        if ((rc = kh__db_exec(db, "CREATE VIRTUAL TABLE IF NOT EXISTS temp.kh_search_vocab_row"
                                  " USING fts5vocab(main, article_fts, row)")))
          break;
        c->vocab_row = 1;
      }
      sqlite3_stmt *q = stmt(db, S_DF_ROW);
      if (!q) return sql_rc(db->sql);
      sqlite3_bind_text(q, 1, c->dict.arena.data + t->off, (int)t->len, SQLITE_STATIC);
      int src = sqlite3_step(q);
      if (src == SQLITE_ROW) est = sqlite3_column_int64(q, 0);
      sqlite3_reset(q);
      if (src != SQLITE_ROW && src != SQLITE_DONE) return sql_rc(db->sql);
      t = &c->dict.v[i];
      if (est >= c->t) {
        rc = want(db, c->dict.arena.data + t->off, t->len);
      } else {
        sqlite3_stmt *st = stmt(db, S_FOLLOW);
        if (!st) return sql_rc(db->sql);
        sqlite3_bind_text(st, 1, c->dict.arena.data + t->off, (int)t->len, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, est);
        if (!(rc = run(db, st)) && sqlite3_changes(db->sql) > 0) {
          t = &c->dict.v[i];
          t->state = 4;
          t->df = (uint32_t)est;
          t->pend = 0;
        }
      }
    }
    t = &c->dict.v[i];
    t->wdf = 0;
  }
  c->nwterms = 0;
  c->unseen -= c->wdocs; /* counted by a completed window */
  if (c->unseen < 0) c->unseen = 0;
  c->wdocs = 0;
  return rc;
}

#define CH_PEND_BATCHES 8 /* counted dfs are written every this many batches */

int kh__champ_flush(kh_db *db) {
  kh__champ *c = db->champ;
  if (!c || !c->bdocs) return 0;
  int rc;
  int64_t docs, tokens;
  if ((rc = meta(db, NULL, NULL, NULL, NULL))) return rc;
  if (!c_min_dl && (rc = init_min_dl(db))) return rc; /* not kept yet: the shortest article stored so far */
  sqlite3_stmt *mm = stmt(db, S_META_MIN);
  if (!mm) return sql_rc(db->sql);
  sqlite3_bind_int64(mm, 1, c->bmin_dl);
  if ((rc = run(db, mm)) || (rc = meta_add(db, "docs", c->bdocs)) || (rc = meta_add(db, "tokens", c->btokens)) ||
      (rc = meta(db, &docs, &tokens, NULL, NULL)))
    return rc;
  double avgdl = docs > 0 ? (double)tokens / (double)docs : 1.0;
  /* counted terms in memory, others into the window; terms with a list
  ** in byte order (the B-tree's), their entries grouped */
  uint32_t *lists = kh__malloc((c->nbterms ? c->nbterms : 1) * sizeof *lists);
  scored *buf = kh__malloc((c->nent ? c->nent : 1) * sizeof *buf);
  size_t nl = 0;
  if (!lists || !buf) rc = KH_ENOMEM;
  for (size_t i = 0; i < c->nbterms && !rc; i++) {
    uint32_t id = c->bterms[i];
    kh__term *t = &c->dict.v[id - 1];
    switch (t->state) {
    case 0:
      if (!t->wdf) {
        if ((rc = vgrow((void **)&c->wterms, &c->cwterms, c->nwterms, 1, sizeof *c->wterms))) break;
        c->wterms[c->nwterms++] = id;
      }
      t->wdf += t->bdf;
      break;
    case 1:
      lists[nl++] = id;
      break;
    case 4:
      if (!t->pend) {
        if ((rc = vgrow((void **)&c->pend, &c->cpend, c->npend, 1, sizeof *c->pend))) break;
        c->pend[c->npend++] = id;
      }
      t->pend += t->bdf;
      t->df += t->bdf;
      if ((int64_t)t->df >= c->t) { /* counted up to the threshold: a list now (the build counts df again) */
        t->pend = 0;
        c->pending = 1;
        rc = set_state(db, c->dict.arena.data + t->off, t->len, 2);
      }
      break;
    default: /* wanted (the build reads every article) or not buildable */
      break;
    }
  }
  if (!rc) {
    g_sort_dict = &c->dict;
    qsort(lists, nl, sizeof *lists, cmp_term);
    if (c->nent) qsort(c->ent, c->nent, sizeof *c->ent, cmp_ent);
  }
  for (size_t k = 0; k < nl && !rc; k++) {
    /* the entries of lists[k]: binary search in the sorted entries */
    size_t lo = 0, hi = c->nent;
    while (lo < hi) {
      size_t m = (lo + hi) / 2;
      if (c->ent[m].term < lists[k]) lo = m + 1;
      else hi = m;
    }
    size_t e = lo;
    while (e < c->nent && c->ent[e].term == lists[k]) e++;
    rc = flush_term(db, lists[k], c->ent + lo, e - lo, avgdl, buf);
  }
  kh_free(buf);
  kh_free(lists);
  /* the forward rows of the batch's other articles, from memory: most
  ** articles enter some list sooner or later (71% of 100k recombined ones
  ** did), and a row made now costs a fraction of one made from the text.
  ** Before the file holds t articles no list exists; those (at most t)
  ** articles get their rows from the text if a list takes them. */
  int rows = c->active && docs >= c->t;
  for (size_t i = 0; rows && i < c->ndocs && !rc; i++) {
    bdoc *b = &c->docs[i];
    if (!b->fwd && !(rc = write_fwd(db, b->doc, b->dl, c->pool + b->start, b->n))) b->fwd = 1;
  }
  if (!rc && ++c->flushes >= CH_PEND_BATCHES) rc = write_pending(db);
  /* every article from fwd_all on has a forward row (builds need not look) */
  if (!rc && c->fwd_all < 0) rc = kh__champ_meta_get(db, "fwd_all", 0, &c->fwd_all);
  if (!rc && rows && !c->fwd_all && c->ndocs) {
    c->fwd_all = c->docs[0].doc;
    rc = kh__champ_meta_set(db, "fwd_all", c->fwd_all);
  } else if (!rc && !rows && c->fwd_all > 0) {
    c->fwd_all = c->bmax_doc + 1;
    rc = kh__champ_meta_set(db, "fwd_all", c->fwd_all);
  }
  /* articles not yet in a completed window (a file without the key: all) */
  if (!rc && c->unseen < 0) rc = kh__champ_meta_get(db, "unseen", docs - c->bdocs, &c->unseen);
  if (!rc) c->unseen += c->bdocs;
  if (!rc && c->active) {
    c->wdocs += c->bdocs;
    rc = window_check(db, docs);
  }
  if (!rc) rc = kh__champ_meta_set(db, "unseen", c->unseen);
  c->last_docs = c->bdocs;
  if (!rc && c->active) rc = bump_gen(db);
  if (!rc) batch_clear(c);
  return rc;
}

void kh__champ_close(kh_db *db) {
  kh__champ *c = db->champ;
  if (!c) return;
  if (c->npend && !db->in_txn && db->sql && !kh__db_exec(db, "BEGIN IMMEDIATE")) {
    /* the counted dfs not written yet */
    if (!write_pending(db) && !bump_gen(db)) kh__db_exec(db, "COMMIT");
    else kh__db_exec(db, "ROLLBACK");
  }
  for (int i = 0; i < NSTMT; i++) sqlite3_finalize(c->st[i]);
  kh__terms_free(&c->dict);
  kh_free(c->dterms);
  kh_free(c->bterms);
  kh_free(c->pool);
  kh_free(c->docs);
  kh_free(c->ent);
  kh_free(c->pend);
  kh_free(c->wterms);
  kh__buf_free(&c->fwd);
  sqlite3_blob_close(c->fblob);
  kh__buf_free(&c->frow);
  kh_free(c->dl);
  kh__bm_free(c->bm);
  kh__tokcache_free(&c->text[0]);
  kh__tokcache_free(&c->text[1]);
  db->cache[0].dict = db->cache[1].dict = NULL;
  kh_free(c);
  db->champ = NULL;
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

typedef struct dd {
  int64_t doc;
  uint32_t d;
} dd;

static int cmp_dd(const void *a, const void *b) {
  const dd *x = a, *y = b;
  if (x->d != y->d) return x->d > y->d ? -1 : 1;
  return x->doc < y->doc ? -1 : x->doc > y->doc;
}

/* v (in ascending doc order, as FTS5's doclist) into cmp_dd's order: a
** stable counting sort by d, descending (most d are small), else qsort. */
static void sort_dd(dd *v, size_t nv) {
  uint32_t maxd = 0;
  for (size_t i = 0; i < nv; i++)
    if (v[i].d > maxd) maxd = v[i].d;
  dd *out = maxd <= 65536 && nv > 1 ? kh__malloc(nv * sizeof *out) : NULL;
  size_t *at = out ? kh__calloc((size_t)maxd + 2, sizeof *at) : NULL;
  for (size_t i = 1; at && i < nv; i++)
    if (v[i].doc <= v[i - 1].doc) { /* not in doc order: sort */
      kh_free(at);
      at = NULL;
    }
  if (!at) {
    kh_free(out);
    qsort(v, nv, sizeof *v, cmp_dd);
    return;
  }
  for (size_t i = 0; i < nv; i++) at[v[i].d]++;
  size_t pos = 0;
  for (size_t d = (size_t)maxd + 1; d-- > 0;) { /* start of each d, largest first */
    size_t k = at[d];
    at[d] = pos;
    pos += k;
  }
  for (size_t i = 0; i < nv; i++) out[at[v[i].d]++] = v[i];
  memcpy(v, out, nv * sizeof *v);
  kh_free(at);
  kh_free(out);
}

/* Build the list of one term from the FTS5 index, and set its df; a term
** below CH_T is only counted from now on (state 4).  *rows += posting rows
** read (and the lengths of articles whose forward rows were made from their
** text).  Articles are weighed by d first: the weight of an article is at
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
  if (!rc && nv < (size_t)db->champ->t) {
    rc = set_state(db, term, tn, 4);
    kh__champ *c = db->champ;
    uint32_t id = rc ? 0 : kh__terms_intern(&c->dict, term, tn, &rc);
    if (id) { /* counted in memory from here on */
      c->dict.v[id - 1].df = (uint32_t)nv;
      c->dict.v[id - 1].pend = 0;
    }
  }
  if (rc || nv < (size_t)db->champ->t) {
    kh_free(v);
    return rc;
  }
  sort_dd(v, nv);
  size_t n = 0;
  for (size_t i = 0; i < nv && !rc; i++) {
    if (n == CH_R && weight(v[i].d, min_dl, avgdl) < heap[0].imp) break;
    uint32_t dl;
    if (!(rc = doc_dl_mem(db, v[i].doc, &dl)))
      heap_push(heap, &n, (scored){weight(v[i].d, dl, avgdl), v[i].doc, v[i].d, dl, 0});
  }
  kh_free(v);
  if (rc) return rc;
  sqlite3_stmt *del = stmt(db, S_CH_DEL);
  if (!del) return sql_rc(db->sql);
  sqlite3_bind_text(del, 1, term, (int)tn, SQLITE_STATIC);
  if ((rc = run(db, del))) return rc;
  return list_add(db, term, tn, heap, n, 0, avgdl, rows);
}

/* Every time the articles double: terms of df >= CH_T from FTS5's own
** vocabulary that have no row yet (found by no window, e.g. when each run
** stores fewer than CH_WINDOW articles) are wanted too. */
static int scan_vocab(kh_db *db, int64_t docs) {
  int rc = kh__db_exec(db, "CREATE VIRTUAL TABLE IF NOT EXISTS temp.kh_search_vocab_row"
                           " USING fts5vocab(main, article_fts, row)");
  if (rc) return rc;
  sqlite3_stmt *st = stmt(db, S_SCAN);
  if (!st) return sql_rc(db->sql);
  sqlite3_bind_int64(st, 1, db->champ->t);
  char *terms = NULL; /* NUL-separated: no writes while the scan runs */
  kh__buf b = {0};
  int src;
  const kh__terms *d = &db->champ->dict;
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    const char *t = (const char *)sqlite3_column_text(st, 0);
    size_t n = (size_t)sqlite3_column_bytes(st, 0);
    uint32_t id = n ? kh__terms_find(d, t, n) : 0;
    if (n && !kh_is_stopword(t, n) && (!id || !d->v[id - 1].state) && n <= KH_MAX_TOKEN && is_key(t, n)) {
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
  if (!rc) rc = sync_states(db);
  /* Before the first scan a term not followed had fewer than
  ** CH_WINDOW_MIN articles in every completed window, so its df is at most
  ** unseen + (CH_WINDOW_MIN - 1) per CH_WINDOW counted: no scan while that
  ** is below t. */
  int64_t unseen = docs;
  if (!rc && !c->scanned) rc = kh__champ_meta_get(db, "unseen", docs, &unseen);
  if (!rc && docs >= 2 * c->scanned && docs >= CH_WINDOW && docs >= c->t &&
      (c->scanned > 0 || unseen + (docs - unseen) * (CH_WINDOW_MIN - 1) / CH_WINDOW >= c->t))
    rc = scan_vocab(db, docs);
  if (!rc && c->fwd_all < 0) rc = kh__champ_meta_get(db, "fwd_all", 0, &c->fwd_all);
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
    /* an article without a length or a text (stored around
    ** kh_db_put_article): this term keeps the FTS5 path (state 3) */
    if (rc == KH_ENOTFOUND) rc = set_state(db, terms[i], tlen[i], 3);
  }
  if (!rc && nt == 64) c->pending = 1;
  if (!rc) rc = bump_gen(db);
  if (!rc) rc = kh__db_exec(db, "COMMIT");
  else if (sqlite3_get_autocommit(db->sql) == 0) kh__db_exec(db, "ROLLBACK");
  if (rc) {
    c->pending = 1;
    c->gen = -1; /* states changed by want() and builds were rolled back */
  }
  kh_free(heap);
  kh_free(terms);
  return rc;
}

/* Between batches: a dictionary grown past KH__TERMS_MAX is emptied (its
** counted dfs written first; the states are read again at the next batch). */
static int bound_dict(kh_db *db) {
  kh__champ *c = db->champ;
  if (!c || db->in_txn || c->dict.n <= KH__TERMS_MAX) return 0;
  int rc = 0;
  if (c->npend) {
    if ((rc = kh__db_exec(db, "BEGIN IMMEDIATE"))) return rc;
    rc = write_pending(db);
    if (!rc) rc = bump_gen(db);
    if (!rc) rc = kh__db_exec(db, "COMMIT");
    else kh__db_exec(db, "ROLLBACK");
  }
  kh__terms_clear(&c->dict);
  c->nwterms = 0; /* the window's counts were in the entries */
  c->npend = 0;
  c->gen = -1;
  return rc;
}

int kh__champ_build(kh_db *db) {
  kh__champ *c = db->champ;
  if (c && !db->in_txn) c->dl_kept = c->ndl; /* committed */
  int rc = build(db, c ? CH_BUILD_ROWS_PER_DOC * (long)(c->last_docs > 0 ? c->last_docs : 1) : 0);
  int rc2 = bound_dict(db);
  return rc ? rc : rc2;
}

int kh__champ_build_all(kh_db *db) {
  int rc = 0;
  while (!rc && db->champ && db->champ->pending) rc = build(db, LONG_MAX);
  return rc;
}

/* ---- query ---- */

/* The words of an FTS5 expression made of quoted strings joined by AND
** (what query.c writes for plain words), unescaped into w[], or 0;
** phr[i] = 1 where a string holds several tokens (a phrase, e.g. a word
** the tokenizer splits). */
static int and_words(const char *f, char (*w)[KH_MAX_TOKEN + 1], size_t *wl, unsigned char *phr, size_t *nw) {
  *nw = 0;
  while (*f) {
    if (*f == '(' || *f == ')' || *f == ' ') {
      f++;
    } else if (!strncmp(f, "AND ", 4)) {
      f += 4;
    } else if (*f == '"') {
      if (*nw == CH_MAX_TERMS) return 0;
      size_t n = 0;
      phr[*nw] = 0;
      for (f++;; f++) {
        if (!*f) return 0;
        if (*f == '"') {
          if (f[1] != '"') break;
          f++;
        }
        if (n == KH_MAX_TOKEN) return 0;
        if (*f == ' ') phr[*nw] = 1;
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
** so the word's rows and counts are exactly the stem's.  1: a key that
** may have a list; 2: a stopword (never counted, no list); 0: no key. */
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
  return kh_is_stopword(key, *kl) ? 2 : 1;
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

int kh__champ_totals(kh_db *db, double *nrow, double *ntok) { return fts_totals(db, nrow, ntok); }

typedef struct cand {
  int64_t doc; /* 0: empty slot */
  uint32_t dl;
  int32_t d[CH_MAX_TERMS]; /* weighted tf per query term, -1 unknown */
  double score, ub;
} cand;

/* d of term hash k in a forward row of nb bytes (fwdrow.c), or -1. */
static int32_t fwd_find(const unsigned char *p, size_t nb, uint32_t k) { return kh__fwd_find(p, nb, k); }

/* Article doc's forward row (terms) into c->frow: 0, KH_ENOTFOUND or a
** code.  During a search (c->searching) through one incremental-blob
** handle moved from row to row by sqlite3_blob_reopen: no statement
** stepped and reset, no cursor opened and closed per row (at 1M articles
** the reads of a slow 2-word query are hundreds of random rows).  Any
** failure of the handle (a row missing) closes it and the statement
** answers, as it does outside a search. */
static int fwd_get(kh_db *db, int64_t doc) {
  kh__champ *c = db->champ;
  int rc = 0;
  c->frow.len = 0;
  if (c->searching) {
    int src = c->fblob ? sqlite3_blob_reopen(c->fblob, doc)
                       : sqlite3_blob_open(db->sql, "main", "search_fwd", "terms", doc, 0, &c->fblob);
    if (src == SQLITE_OK) {
      int nb = sqlite3_blob_bytes(c->fblob);
      kh__buf_reserve(&c->frow, (size_t)nb, &rc);
      if (rc) return rc;
      if (sqlite3_blob_read(c->fblob, c->frow.data, nb, 0) == SQLITE_OK) {
        c->frow.len = (size_t)nb;
        return 0;
      }
    }
    sqlite3_blob_close(c->fblob);
    c->fblob = NULL;
  }
  sqlite3_stmt *st = stmt(db, S_FWD_GET);
  if (!st) return sql_rc(db->sql);
  sqlite3_bind_int64(st, 1, doc);
  int src = sqlite3_step(st);
  if (src == SQLITE_ROW) {
    const void *p = sqlite3_column_blob(st, 0);
    if (p) kh__buf_append(&c->frow, p, (size_t)sqlite3_column_bytes(st, 0), &rc);
  }
  sqlite3_reset(st);
  return rc ? rc : src == SQLITE_ROW ? 0 : src == SQLITE_DONE ? KH_ENOTFOUND : sql_rc(db->sql);
}

int kh__champ_fwd_d(kh_db *db, int64_t doc, const char *term, size_t n, int32_t *d) {
  return kh__champ_fwd_ds(db, doc, &term, &n, 1, d);
}

int kh__champ_fwd_ds(kh_db *db, int64_t doc, const char *const *terms, const size_t *n, size_t nt, int32_t *d) {
  for (size_t i = 0; i < nt; i++) d[i] = -1;
  if (!db || !db->champ) return KH_EINVAL;
  int rc = fwd_get(db, doc);
  const kh__buf *f = &db->champ->frow;
  for (size_t i = 0; !rc && f->len && i < nt; i++)
    d[i] = fwd_find((const unsigned char *)f->data, f->len, h32(fnv(terms[i], n[i])));
  return rc;
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

int kh__champ_key_alone(const char *key, size_t kl) { return key_alone(key, kl); }

int kh__champ_is_key(const char *term, size_t n) { return is_key(term, n); }

static void quote(kh__buf *b, const char *s, size_t n, int *rc) {
  kh__buf_appendc(b, '"', rc);
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '"') kh__buf_appendc(b, '"', rc);
    kh__buf_appendc(b, s[i], rc);
  }
  kh__buf_appendc(b, '"', rc);
}

typedef struct qterm {
  char key[KH_MAX_TOKEN + 1];
  size_t kl;
  double idf, bound, df, n, aref;
  int listed; /* has a list (state 1) */
  int plain;  /* key is an index term that may have a list; else the word's
              ** phrase is searched with its df counted by FTS5 (or the memo) */
} qterm;

/* ub desc, then doc asc (the order in which candidates are completed) */
static int cmp_ub(const void *a, const void *b) {
  const cand *x = a, *y = b;
  if (x->ub != y->ub) return x->ub > y->ub ? -1 : 1;
  return x->doc < y->doc ? -1 : x->doc > y->doc;
}

/* The best k of the lists' candidates that hold every word and pass the
** filters, scored exactly, best first, into out[0..*got).  A candidate's
** words found in a list are known from it (d and length); a word whose
** list does not hold it weighs at most t.bound there (what the certificate
** assumes of every article outside the list), or, for a complete list
** (fewer than CH_R), is absent: the candidate is dropped unread.  So each
** candidate has an upper bound ub, and the candidates are completed from
** their forward rows in order of ub, only while ub can still reach the
** k-th score found and the certificate's bound (`cert`: below it the
** answer cannot be certified anyway, and the pass that follows prunes on
** its own), and at most `budget` rows a query (< 0: no limit; reaching it
** sets *short_: not certified, what was found only seeds the pass).  Each
** row is a random read (before, every candidate's row was read).  No
** budget (kh__champ_fwd_budget -1) is the default: at 1M articles the
** lists certified 23 of 300 2-word queries that way, and 2-word CPU p99
** was lower than with no row read (budget 0), which was better at 100k
** (docs/store.md, "Query latency").
** via[j] = 1: out[j] was completed from its forward row (hashes: FTS5
** must confirm it); 0: every word and d from the lists themselves, which
** FTS5 built or counted from the same tokens (exact, no check needed).
** *nread = forward rows read. */
static int list_top(kh_db *db, const qterm *t, size_t nw, double avgdl, double cert, const kh_search_opts *o,
                    const char *since, const char *until, size_t k, long budget, int64_t min_doc, size_t seeded,
                    kh__champ_hit *out, unsigned char *via, size_t *got, long *nread, int *short_) {
  size_t cap = 1, nl = 0;
  for (size_t i = 0; i < nw; i++) nl += t[i].listed;
  while (cap < 2 * CH_R * nl) cap *= 2;
  cand *cv = kh__calloc(cap, sizeof *cv);
  *got = seeded; /* out[0..seeded): scored already, best first (tiers.c) */
  memset(via, 0, seeded);
  *nread = 0;
  *short_ = 0;
  if (!cv) return KH_ENOMEM;
  int rc = 0;
  for (size_t i = 0; i < nw && !rc; i++) {
    if (!t[i].listed) continue;
    sqlite3_stmt *st = stmt(db, S_CH_GET);
    if (!st) {
      rc = sql_rc(db->sql);
      break;
    }
    sqlite3_bind_text(st, 1, t[i].key, (int)t[i].kl, SQLITE_STATIC);
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
      int64_t doc = sqlite3_column_int64(st, 0);
      size_t j = (size_t)((uint64_t)doc * 0x9E3779B97F4A7C15ULL >> 20) & (cap - 1);
      while (cv[j].doc && cv[j].doc != doc) j = (j + 1) & (cap - 1);
      if (!cv[j].doc) {
        cv[j].doc = doc;
        cv[j].dl = (uint32_t)sqlite3_column_int64(st, 2);
        for (size_t m = 0; m < CH_MAX_TERMS; m++) cv[j].d[m] = -1;
      }
      cv[j].d[i] = (int32_t)sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    if (src != SQLITE_DONE) rc = sql_rc(db->sql);
  }
  /* each candidate's bound: known words exactly, the others at their lists' bounds */
  size_t nc = 0;
  for (size_t j = 0; j < cap && !rc; j++) {
    if (!cv[j].doc || cv[j].doc < min_doc) continue;
    int dup = 0;
    for (size_t m = 0; m < seeded && !dup; m++) dup = out[m].rowid == cv[j].doc;
    if (dup) continue;
    cand x = cv[j];
    double ub = 0;
    int ok = 1;
    for (size_t i = 0; i < nw && ok; i++) {
      if (x.d[i] >= 0) {
        double d = (double)x.d[i];
        ub += t[i].idf * ((d * (K1 + 1.0)) / (d + K1 * (1 - B + B * (double)x.dl / avgdl)));
      } else if (t[i].n < CH_R) {
        ok = 0; /* a complete list without it: the word is absent */
      } else {
        ub += t[i].bound < t[i].idf * (K1 + 1.0) ? t[i].bound : t[i].idf * (K1 + 1.0);
      }
    }
    if (!ok) continue;
    x.ub = ub;
    cv[nc++] = x;
  }
  qsort(cv, nc, sizeof *cv, cmp_ub);
  for (size_t j = 0; j < nc && !rc; j++) {
    cand x = cv[j];
    /* no candidate from here on can enter, or certify (1e-12: the bound's
    ** sums may round differently from the exact score's) */
    double need = cert;
    if (*got == k && out[k - 1].score > need) need = out[k - 1].score;
    if (x.ub * (1 + 1e-12) < need) break;
    int complete = 1;
    for (size_t i = 0; i < nw; i++) complete &= x.d[i] >= 0;
    unsigned char fwd = !complete;
    if (!complete && budget >= 0 && *nread >= budget) {
      *short_ = 1; /* not all read: the answer is not certified */
      break;
    }
    if (!complete) {
      int f = fwd_get(db, x.doc), ok = f == 0;
      if (f && f != KH_ENOTFOUND) {
        rc = f;
        break;
      }
      const kh__buf *fr = &db->champ->frow;
      for (size_t i = 0; i < nw && ok; i++)
        if (x.d[i] < 0)
          ok = (x.d[i] = fr->len ? fwd_find((const unsigned char *)fr->data, fr->len, h32(fnv(t[i].key, t[i].kl))) : -1) > 0;
      (*nread)++;
      if (!ok) continue;
    }
    /* bm25() of fts5_aux.c, term by term in query order (topk.c computes the same) */
    double sc = 0.0;
    for (size_t i = 0; i < nw; i++) {
      double d = (double)x.d[i];
      sc += t[i].idf * ((d * (K1 + 1.0)) / (d + K1 * (1 - B + B * (double)x.dl / avgdl)));
    }
    kh__champ_hit h = {x.doc, sc};
    size_t at = *got; /* insertion into out[0..got), best first (score desc, rowid asc) */
    while (at > 0 && (out[at - 1].score < sc || (out[at - 1].score == sc && out[at - 1].rowid > x.doc))) at--;
    if (at >= k) continue;
    int keep = keep_hit(db, NULL, o, since, until, x.doc);
    if (keep < 0) {
      rc = keep;
      break;
    }
    if (!keep) continue;
    size_t last = *got < k ? (*got)++ : k - 1;
    memmove(out + at + 1, out + at, (last - at) * sizeof *out);
    memmove(via + at + 1, via + at, (last - at) * sizeof *via);
    out[at] = h;
    via[at] = fwd;
  }
  kh_free(cv);
  return rc;
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

/* ---- confirming a hit from its stored text ---- */

typedef struct has_ctx {
  const char *const *keys;
  const size_t *kl;
  size_t nt;
  unsigned need; /* bit i: keys[i] not found yet */
} has_ctx;

static void has_mark(has_ctx *h, const char *s, size_t n) {
  for (size_t i = 0; i < h->nt; i++)
    if ((h->need >> i & 1) && h->kl[i] == n && !memcmp(h->keys[i], s, n)) h->need &= ~(1u << i);
}

/* The index terms FTS5 got for a token (fts5.c emit_stem, default
** options): the token itself and, for a word, its light stem. */
static int has_tok(void *ctx, const kh_token *t) {
  has_ctx *h = ctx;
  has_mark(h, t->norm, t->norm_len);
  if (h->need && t->kind == KH_TOK_WORD) {
    char s[KH_MAX_TOKEN + 1];
    int n = kh_stem(t->norm, t->norm_len, s, sizeof s);
    if (n > 0) has_mark(h, s, (size_t)n);
  }
  return h->need ? 0 : 1; /* all found: stop */
}

int kh__champ_text_has(kh_db *db, int64_t doc, const char *const *keys, const size_t *kl, size_t nt) {
  if (!db || !db->champ || nt > 32) return KH_EINVAL;
  sqlite3_stmt *st = stmt(db, S_TEXT);
  if (!st) return sql_rc(db->sql);
  sqlite3_bind_int64(st, 1, doc);
  int src = sqlite3_step(st), rc = 0;
  has_ctx h = {keys, kl, nt, nt == 32 ? ~0u : (1u << nt) - 1};
  for (int col = 0; src == SQLITE_ROW && col < 2 && h.need && !rc; col++) {
    const char *text = (const char *)sqlite3_column_text(st, col);
    int r = text ? kh_tokenize(text, (size_t)sqlite3_column_bytes(st, col), 0, has_tok, &h) : 0;
    if (r < 0) rc = r;
  }
  sqlite3_reset(st);
  if (src != SQLITE_ROW) return src == SQLITE_DONE ? 0 : sql_rc(db->sql);
  return rc ? rc : h.need == 0;
}

int kh__champ_confirm_text = 1;

/* 1 if article doc holds every word of t[0..nw) as FTS5 indexed it: from
** its stored text (kh__champ_confirm_text) or FTS5 (MATCH fts AND rowid);
** 0 if not; or a code. */
static int confirm(kh_db *db, const char *fts, const qterm *t, size_t nw, int64_t doc) {
  if (!t || (!kh__champ_confirm_text && fts)) return keep_hit(db, fts, NULL, NULL, NULL, doc);
  const char *keys[CH_MAX_TERMS];
  size_t kl[CH_MAX_TERMS];
  for (size_t i = 0; i < nw; i++) keys[i] = t[i].key, kl[i] = t[i].kl;
  return kh__champ_text_has(db, doc, keys, kl, nw);
}

/* FTS5 confirms the hits h[0..n) whose rowid is in the sorted seeds[0..ns)
** (those completed from forward rows, which hold hashes; seeds NULL: all):
** 0 all match, 1 one does not, or a code. */
static int verify(kh_db *db, const char *fts, const qterm *t, size_t nw, const kh__champ_hit *h, size_t n,
                  const int64_t *seeds, size_t ns) {
  for (size_t i = 0; i < n; i++) {
    if (seeds && !bsearch(&h[i].rowid, seeds, ns, sizeof *seeds, cmp_i64)) continue;
    int ok = confirm(db, fts, t, nw, h[i].rowid);
    if (ok == 0) kh__champ_stat[KH__CHAMP_BADSEED]++;
    if (ok <= 0) return ok < 0 ? ok : 1;
  }
  return 0;
}

/* ---- a rare word ANDed with frequent ones: walked from the rare word ---- */

/* FTS5 answers "rare AND frequent" by seeking every frequent word's doclist
** in every segment of the index for each row of the rare word: at 1M
** articles a word in 405 articles ANDed with two words in 150-180k took
** 88 ms (docs/store.md).  The forward rows hold every word of an article
** with its d, so the AND can be walked from the rare word alone:
**   1. its rows from FTS5 (MATCH on that word only: its own short
**      doclist), each with its d and a lower bound of its length; their
**      count is its df (the idf as bm25() counts it);
**   2. each row's bound: the rare word's weight at that length bound plus
**      each frequent word at its list's best weight (scaled by the drift
**      of the average length, at most k1 + 1);
**   3. rows in order of the bound, each completed from one read of its
**      forward row (every word's d, the length): exact BM25 as bm25(); the
**      first row whose bound is below the k-th score ends it;
**   4. articles without forward rows (before fwd_all): the pruned pass
**      over FTS5, limited to those rowids, seeded with what was found;
**   5. the hits found through forward rows (hashes) confirmed (confirm:
**      from the stored text, or by FTS5 with kh__champ_confirm_text 0).
** Any surprise (a row without its forward row, the rare word's d not the
** forward row's, a hit FTS5 does not confirm, more than cap rows: at most
** kh__champ_drive_max, and kh__champ_drive_ratio times fewer than each
** other word's df) leaves the query to the usual pass (return 0).
** 1: out[0..*got) is the answer; 0: not answered; or a code. */
int kh__bound_row_cmp(const void *a, const void *b) {
  const kh__bound_row *x = a, *y = b;
  if (x->ub != y->ub) return x->ub > y->ub ? -1 : 1;
  return x->rowid < y->rowid ? -1 : x->rowid > y->rowid;
}

static void word_expr(kh__buf *e, const qterm *t, const char *w, size_t wl, int *rc) {
  if (key_alone(t->key, t->kl)) quote(e, t->key, t->kl, rc);
  else quote(e, w, wl, rc);
}

static int drive_top(kh_db *db, const kh__query *q, qterm *t, char (*w)[KH_MAX_TOKEN + 1], const size_t *wl, size_t nw,
                     size_t drv, double nrow, double avgdl, double min_dl, int64_t fwd_all, const kh_search_opts *o,
                     const char *since, const char *until, size_t k, long cap, kh__champ_hit *out, size_t *got) {
  *got = 0;
  kh__buf e = {0};
  int rc = 0, answered = 0;
  kh__bound_row *rows = NULL;
  size_t nr = 0, cr = 0;
  int64_t df = 0;
  sqlite3_stmt *st = NULL;
  word_expr(&e, &t[drv], w[drv], wl[drv], &rc);
  kh__buf_appendc(&e, '\0', &rc);
  if (rc) goto out;
  const char *sql = "SELECT rowid, khabar_dlo(article_fts) FROM article_fts WHERE article_fts MATCH ?1";
  if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK) { /* registered on first use */
    st = NULL;
    if ((rc = kh__topk_register(db->sql))) goto out;
    if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK) {
      rc = sql_rc(db->sql);
      goto out;
    }
  }
  /* 1. the rare word's rows */
  sqlite3_bind_text(st, 1, e.data, -1, SQLITE_STATIC);
  double idf_rest = 0; /* the frequent words at their best */
  int src;
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    if (++df > cap) break; /* not rare enough: the usual pass */
    int64_t doc = sqlite3_column_int64(st, 0);
    if (doc < fwd_all) continue;
    if (nr == cr) {
      size_t nc = cr ? 2 * cr : 256;
      kh__bound_row *x = kh__realloc(rows, nc * sizeof *x);
      if (!x) {
        rc = KH_ENOMEM;
        goto out;
      }
      rows = x, cr = nc;
    }
    int64_t v = sqlite3_column_int64(st, 1);
    double lo = (double)(v & 0xFFFFFFFF);
    rows[nr++] = (kh__bound_row){doc, lo < min_dl ? min_dl : lo, (int32_t)(v >> 32)};
  }
  if (src != SQLITE_ROW && src != SQLITE_DONE) rc = sql_rc(db->sql);
  sqlite3_finalize(st);
  st = NULL;
  if (rc || src == SQLITE_ROW) goto out;
  double idf = log((nrow - (double)df + 0.5) / ((double)df + 0.5));
  t[drv].idf = idf <= 0.0 ? 1e-6 : idf;
  /* 2. bounds: the frequent words at their lists' best weight */
  for (size_t i = 0; i < nw; i++) {
    if (i == drv) continue;
    sqlite3_stmt *m = stmt(db, S_CH_MAX);
    if (!m) {
      rc = sql_rc(db->sql);
      goto out;
    }
    sqlite3_bind_text(m, 1, t[i].key, (int)t[i].kl, SQLITE_STATIC);
    double mw = K1 + 1.0;
    if (sqlite3_step(m) == SQLITE_ROW && sqlite3_column_type(m, 0) != SQLITE_NULL) {
      mw = sqlite3_column_double(m, 0) * (avgdl > t[i].aref && t[i].aref > 0 ? avgdl / t[i].aref : 1.0);
      if (!(t[i].aref > 0) || mw > K1 + 1.0) mw = K1 + 1.0;
    }
    sqlite3_reset(m);
    idf_rest += t[i].idf * mw;
  }
  for (size_t j = 0; j < nr; j++) {
    double d = (double)rows[j].n, lo = rows[j].ub;
    rows[j].ub = t[drv].idf * ((d * (K1 + 1.0)) / (d + K1 * (1 - B + B * lo / avgdl))) + idf_rest;
  }
  qsort(rows, nr, sizeof *rows, kh__bound_row_cmp);
  /* 3. in order of the bound, from the forward rows */
  for (size_t j = 0; j < nr && !rc; j++) {
    if (*got == k && rows[j].ub * (1 + 1e-12) < out[k - 1].score) break;
    sqlite3_stmt *f = stmt(db, S_FWD_DL);
    if (!f) {
      rc = sql_rc(db->sql);
      break;
    }
    sqlite3_bind_int64(f, 1, rows[j].rowid);
    if (sqlite3_step(f) != SQLITE_ROW) { /* no forward row: the usual pass */
      sqlite3_reset(f);
      goto out;
    }
    kh__champ_drive_read++;
    double dl = (double)sqlite3_column_int64(f, 0);
    const unsigned char *p = sqlite3_column_blob(f, 1);
    size_t nb = (size_t)sqlite3_column_bytes(f, 1);
    int32_t d[CH_MAX_TERMS];
    int ok = 1;
    for (size_t i = 0; i < nw; i++) d[i] = p ? fwd_find(p, nb, h32(fnv(t[i].key, t[i].kl))) : -1;
    sqlite3_reset(f);
    if (d[drv] != rows[j].n) goto out; /* the row disagrees with FTS5: the usual pass */
    for (size_t i = 0; i < nw; i++) ok &= d[i] > 0;
    if (!ok) continue;
    double sc = 0.0; /* bm25() of fts5_aux.c, term by term in query order (topk.c computes the same) */
    for (size_t i = 0; i < nw; i++)
      sc += t[i].idf * (((double)d[i] * (K1 + 1.0)) / ((double)d[i] + K1 * (1 - B + B * dl / avgdl)));
    size_t at = *got;
    while (at > 0 && (out[at - 1].score < sc || (out[at - 1].score == sc && out[at - 1].rowid > rows[j].rowid))) at--;
    if (at >= k) continue;
    int keep = keep_hit(db, NULL, o, since, until, rows[j].rowid);
    if (keep < 0) {
      rc = keep;
      break;
    }
    if (!keep) continue;
    size_t last = *got < k ? (*got)++ : k - 1;
    memmove(out + at + 1, out + at, (last - at) * sizeof *out);
    out[at] = (kh__champ_hit){rows[j].rowid, sc};
  }
  if (rc) goto out;
  /* 5. (before 4, which adds rows FTS5 found itself) FTS5 confirms the hits */
  int64_t seeds[CH_MAX_LIMIT];
  for (size_t j = 0; j < *got; j++) seeds[j] = out[j].rowid;
  qsort(seeds, *got, sizeof *seeds, cmp_i64);
  if ((rc = verify(db, q->fts, t, nw, out, *got, NULL, 0)) != 0) {
    if (rc > 0) rc = 0; /* a hash of another word answered: the usual pass */
    goto out;
  }
  /* 4. the articles without forward rows */
  if (fwd_all > 1) {
    e.len = 0;
    kh__topk_req r = {.min_dl = min_dl, .source = o->source, .since = since, .until = until, .k = k,
                      .skip = seeds, .nskip = *got, .rowid_lo = 0, .rowid_hi = fwd_all, .nterms = nw};
    for (size_t i = 0; i < nw; i++) {
      if (i) kh__buf_appends(&e, " AND ", &rc);
      word_expr(&e, &t[i], w[i], wl[i], &rc);
      r.idf[i] = t[i].idf;
    }
    kh__buf_appendc(&e, '\0', &rc);
    if (rc) goto out;
    r.expr = e.data;
    if ((rc = kh__topk_scan(db, &r, out, got, NULL))) {
      if (rc == KH_ETOOBIG) rc = 0;
      goto out;
    }
  }
  answered = 1;
out:
  sqlite3_finalize(st);
  kh__buf_free(&e);
  kh_free(rows);
  if (!answered) *got = 0;
  return rc ? rc : answered;
}

int kh__champ_list_fill(kh_db *db, const char *const *keys, const size_t *kl, size_t nw, const double *idf,
                        double avgdl, int64_t min_doc, const char *source, const char *since, const char *until,
                        kh__champ_hit *heap, size_t n, size_t k, int *done) {
  *done = 0;
  if (!db || !db->champ || nw < 1 || nw > CH_MAX_TERMS || n > k || k > CH_MAX_LIMIT) return KH_EINVAL;
  qterm *t = kh__malloc(nw * sizeof *t);
  if (!t) return KH_ENOMEM;
  int rc = 0;
  for (size_t i = 0; i < nw && !rc; i++) {
    if (kl[i] > KH_MAX_TOKEN) {
      rc = KH_EINVAL;
      break;
    }
    memcpy(t[i].key, keys[i], kl[i]);
    t[i].key[kl[i]] = '\0';
    t[i].kl = kl[i];
    t[i].idf = idf[i];
    sqlite3_stmt *st = stmt(db, S_TERM_GET);
    if (!st) {
      rc = sql_rc(db->sql);
      break;
    }
    sqlite3_bind_text(st, 1, t[i].key, (int)t[i].kl, SQLITE_STATIC);
    int src = sqlite3_step(st);
    t[i].listed = src == SQLITE_ROW && sqlite3_column_int(st, 4) == 1;
    if (t[i].listed) {
      t[i].df = (double)sqlite3_column_int64(st, 0);
      t[i].n = (double)sqlite3_column_int64(st, 1);
      double floor = sqlite3_column_double(st, 2), aref = sqlite3_column_double(st, 3);
      t[i].aref = aref;
      t[i].bound = t[i].n < CH_R ? -INFINITY : t[i].idf * floor * (avgdl > aref ? avgdl / aref : 1.0);
    }
    sqlite3_reset(st);
    if (src != SQLITE_ROW && src != SQLITE_DONE) rc = sql_rc(db->sql);
    else if (!t[i].listed) rc = KH_ENOTFOUND;
  }
  kh__champ_hit out[CH_MAX_LIMIT];
  unsigned char via[CH_MAX_LIMIT];
  int64_t fwdrow[CH_MAX_LIMIT];
  size_t got = 0, nfwd = 0;
  long nread = 0;
  int short_ = 0;
  kh_search_opts o = {0};
  o.source = source;
  memcpy(out, heap, n * sizeof *heap);
  if (!rc)
    rc = list_top(db, t, nw, avgdl, -INFINITY, &o, since, until, k, -1, min_doc, n, out, via, &got, &nread, &short_);
  kh__champ_fwd_read += nread;
  for (size_t j = 0; !rc && j < got; j++)
    if (via[j]) fwdrow[nfwd++] = out[j].rowid;
  qsort(fwdrow, nfwd, sizeof *fwdrow, cmp_i64);
  if (!rc && !short_ && got == k && (rc = verify(db, NULL, t, nw, out, got, fwdrow, nfwd)) == 0) {
    memcpy(heap, out, got * sizeof *heap);
    *done = 1;
  }
  kh_free(t);
  return rc == KH_ENOTFOUND || rc > 0 ? 0 : rc;
}

/* The memo of counted dfs holds while the file is the one they were counted
** in: no commit by another connection (data_version), no change through
** this one (total_changes), the same FTS5 totals; else it is emptied. */
static int df_memo_check(kh_db *db, double nrow, double ntok) {
  kh__champ *c = db->champ;
  sqlite3_stmt *st = stmt(db, S_DATAVER);
  if (!st) return sql_rc(db->sql);
  int64_t now[4] = {-1, sqlite3_total_changes64(db->sql), (int64_t)nrow, (int64_t)ntok};
  if (sqlite3_step(st) == SQLITE_ROW) now[0] = sqlite3_column_int64(st, 0);
  sqlite3_reset(st);
  if (now[0] < 0) return sql_rc(db->sql);
  if (memcmp(now, c->dfm_stamp, sizeof now)) {
    for (size_t i = 0; i < CH_DF_MEMO; i++) c->dfm[i].n = 0;
    memcpy(c->dfm_stamp, now, sizeof now);
  }
  return 0;
}

static int64_t df_memo_get(const kh__champ *c, const char *text, size_t n) {
  for (size_t i = 0; i < CH_DF_MEMO; i++)
    if (c->dfm[i].n == n && !memcmp(c->dfm[i].text, text, n)) return c->dfm[i].df;
  return -1;
}

static void df_memo_put(kh__champ *c, const char *text, size_t n, int64_t df) {
  if (!n || n > KH_MAX_TOKEN || df_memo_get(c, text, n) >= 0) return;
  size_t i = c->dfm_next++ % CH_DF_MEMO; /* the oldest goes */
  memcpy(c->dfm[i].text, text, n);
  c->dfm[i].n = n;
  c->dfm[i].df = df;
}

/* A word in most articles (df >= kh__champ_drop_share of them; bm25()
** floors the idf of one in more than half at 1e-6) adds next to nothing
** to a score, but FTS5's AND walks its doclist too (at 1M articles
** پاکستان's is 775k rows, most of a 3-word query's walk).  So the articles
** from fwd_all on (every one has a forward row) get one pruned pass over
** the AND of the other words: each row is bounded at its length with the
** words left out at their most (idf·(k1 + 1)), and a row that may still
** enter reads their d from its forward row (topk.c fwd_row): a word
** absent, the row is no match; else it gets its exact score.  The
** forward rows hold hashes, so the hits found so are confirmed (from their
** text, as the lists' hits) before they are the answer; a hit not
** confirmed, or a forward row missing, sends the query to the usual pass
** (seeds restored).  Articles before fwd_all get the usual pass.  The
** share: the AND of the other words holds up to 1/share times the rows,
** each read by the auxiliary function; at 1M recombined articles a word in
** 57% of them (ٹیم: ٹیم بی ڈالر walked 104,546 rows instead of 70,068) saved
** nothing, those in 61-78% (پی, مطابق, پاکستان) did.  1: answered into
** out[0..*n), 0: not for this, or a negative code. */
double kh__champ_drop_share = 0.6;
long kh__champ_drop_stat[3]; /* queries answered so, forward rows they read, queries that fell back */

typedef struct drop_ctx {
  kh_db *db;
  const char *keys[CH_MAX_TERMS];
  size_t kl[CH_MAX_TERMS], n;
} drop_ctx;

static int drop_ds(void *ctx, int64_t row, int32_t *d) {
  drop_ctx *x = ctx;
  return kh__champ_fwd_ds(x->db, row, x->keys, x->kl, x->n, d);
}

static int drop_pass(kh_db *db, const kh__query *q, const qterm *t, const char (*w)[KH_MAX_TOKEN + 1],
                     const size_t *wl, size_t nw, const kh__topk_req *req, double nrow, kh__champ_hit *out, size_t *n) {
  if (!(kh__champ_drop_share > 0) || nw < 2 || nw > KH__TOPK_MAX_TERMS || req->k > CH_MAX_LIMIT) return 0;
  size_t nd = 0;
  for (size_t i = 0; i < nw; i++) {
    if (!t[i].plain || isnan(req->idf[i])) return 0;
    nd += t[i].listed && t[i].df >= kh__champ_drop_share * nrow;
  }
  if (!nd || nd == nw) return 0;
  int64_t fwd_all = 0;
  int rc = kh__champ_meta_get(db, "fwd_all", 0, &fwd_all);
  if (rc || fwd_all <= 0) return rc;
  kh__champ_hit keep[CH_MAX_LIMIT];
  int64_t skip[CH_MAX_LIMIT];
  size_t nkeep = *n;
  memcpy(keep, out, nkeep * sizeof *out);
  kh__topk_req r = *req;
  r.counted = NULL;
  if (fwd_all > 1) { /* articles without forward rows: the usual pass */
    r.rowid_lo = 1;
    r.rowid_hi = fwd_all;
    if ((rc = kh__topk_scan(db, &r, out, n, NULL))) goto fail;
  }
  drop_ctx dc = {.db = db};
  kh__topk_fwd f = {.nw = nw, .ds = drop_ds, .ctx = &dc};
  kh__buf e = {0};
  size_t np = 0;
  for (size_t i = 0; i < nw; i++) {
    f.idf[i] = req->idf[i];
    if (t[i].listed && t[i].df >= kh__champ_drop_share * nrow) {
      f.phrase[i] = -1;
      f.rest += req->idf[i] * (K1 + 1.0);
      dc.keys[dc.n] = t[i].key, dc.kl[dc.n++] = t[i].kl;
      continue;
    }
    if (np) kh__buf_appends(&e, " AND ", &rc);
    if (key_alone(t[i].key, t[i].kl)) quote(&e, t[i].key, t[i].kl, &rc);
    else quote(&e, w[i], wl[i], &rc);
    r.idf[np] = req->idf[i];
    f.phrase[i] = (int)np++;
  }
  kh__buf_appendc(&e, '\0', &rc);
  if (!rc) {
    for (size_t j = 0; j < *n; j++) skip[j] = out[j].rowid;
    qsort(skip, *n, sizeof *skip, cmp_i64);
    r.expr = e.data;
    r.nterms = np;
    r.skip = skip;
    r.nskip = *n;
    r.rowid_lo = fwd_all;
    r.rowid_hi = 0;
    r.fwd = &f;
    rc = kh__topk_scan(db, &r, out, n, NULL);
  }
  kh__buf_free(&e);
  kh__champ_drop_stat[1] += f.reads;
  if (rc || f.missing) goto fail;
  /* confirm the hits this pass found (the seeds are the caller's) */
  for (size_t j = 0; j < *n; j++) {
    int seed = out[j].rowid < fwd_all;
    for (size_t m = 0; m < nkeep && !seed; m++) seed = keep[m].rowid == out[j].rowid;
    if (seed) continue;
    int has = confirm(db, q->fts, t, nw, out[j].rowid);
    if (has <= 0) {
      rc = has;
      goto fail;
    }
  }
  kh__champ_drop_stat[0]++;
  return 1;
fail: /* the usual pass, from the seeds */
  memcpy(out, keep, nkeep * sizeof *out);
  *n = nkeep;
  if (rc == KH_ETOOBIG) rc = 0;
  if (!rc) kh__champ_drop_stat[2]++;
  return rc;
}

int kh__champ_topk(kh_db *db, const kh__query *q, const kh_search_opts *o, const char *since,
                   const char *until, size_t k, kh__champ_hit *out, size_t *nout) {
  *nout = 0;
  kh__champ *c = db->champ;
  if (!c || db->in_txn || k == 0 || k > CH_MAX_LIMIT || getenv("KHABAR_NO_CHAMP")) return 0;
  char(*w)[KH_MAX_TOKEN + 1] = kh__malloc(CH_MAX_TERMS * sizeof *w);
  qterm *t = kh__malloc(CH_MAX_TERMS * sizeof *t);
  kh__buf expr = {0};
  int64_t skip[CH_MAX_LIMIT], fwdrow[CH_MAX_LIMIT]; /* seeds; those completed from forward rows */
  unsigned char via[CH_MAX_LIMIT];
  size_t nfwd = 0;
  size_t wl[CH_MAX_TERMS], nw = 0, got = 0;
  int rc = !w || !t ? KH_ENOMEM : 0, answered = 0, words = 0, nlisted = 0;
  int64_t fwd_from = 0;
  double nrow = 0, ntok = 0, bound = 0;
  if (rc) goto done;
  c->searching = 1; /* forward rows through one blob handle (fwd_get) until done */
  if ((rc = meta(db, NULL, NULL, &fwd_from, NULL))) goto done;
  int64_t min_dl = fwd_from <= 1 && c_min_dl > 0 ? c_min_dl : 0;
  if ((rc = fts_totals(db, &nrow, &ntok))) {
    if (rc == KH_ENOTFOUND) rc = 0; /* an empty index: FTS5 says so */
    goto done;
  }
  double avgdl = ntok / nrow;
  /* plain words ANDed, each one index term: their dfs and lists are known */
  unsigned char phr[CH_MAX_TERMS];
  words = and_words(q->fts, w, wl, phr, &nw);
  /* a word that is a phrase (split by the tokenizer), or whose key is a
  ** stopword (never counted), has no list and no kept df: it is searched
  ** as itself (a stopword key as the key alone, the same rows and
  ** positions), its df counted by FTS5 or found in the memo, while the
  ** other words keep theirs */
  for (size_t i = 0; words && i < nw; i++) {
    int kind = phr[i] ? 0 : key_of(w[i], wl[i], t[i].key, &t[i].kl);
    t[i].plain = kind == 1;
    t[i].listed = 0;
    t[i].idf = NAN;
    t[i].bound = INFINITY;
    t[i].df = t[i].n = t[i].aref = 0;
    if (kind != 1 && (kind != 2 || !key_alone(t[i].key, t[i].kl))) { /* the word's own string */
      memcpy(t[i].key, w[i], wl[i] + 1);
      t[i].kl = wl[i];
    }
  }
  for (size_t i = 0; words && i < nw; i++) {
    if (!t[i].plain) {
      bound += t[i].bound;
      continue;
    }
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
    t[i].listed = fwd_from <= 1 && state == 1 && is_key(t[i].key, t[i].kl);
    t[i].idf = !t[i].listed ? NAN : idf <= 0.0 ? 1e-6 : idf;
    t[i].df = df;
    t[i].n = n;
    t[i].aref = aref;
    nlisted += t[i].listed;
    /* an article outside the list: weight <= floor at aref, and BM25 grows
    ** at most linearly with avgdl; a list shorter than CH_R is complete */
    t[i].bound = !t[i].listed ? INFINITY : n < CH_R ? -INFINITY : t[i].idf * floor * (avgdl > aref ? avgdl / aref : 1.0);
    bound += t[i].bound;
  }
  /* words ANDed, every one with a block-max list (kh_db_optimize built
  ** them), or all but one word, whose rows FTS5 gives (at most
  ** kh__bm_drive_max): the articles up to the lists' mark from them
  ** (blockmax.c), those after it by the pass below (rowid > mark) */
  int bm = 0, bm_more = 0;
  int64_t bm_mark = 0;
  unsigned char bmo[CH_MAX_TERMS] = {0}; /* a word without a champion list whose key has a block-max list */
  double bidf[CH_MAX_TERMS];
  int nbmo = 0;
  if (words && nw >= (size_t)kh__bm_min_words && fwd_from <= 1 && !o->source && !since && !until && kh__bm_use) {
    /* a word searched as its key has exactly the key's rows and counts: a
    ** frequent key without a champion list (a stopword, or counted without
    ** one) may have a block-max list.  Only a key FTS5 keeps as itself, so
    ** that its rows after the mark are MATCH '"key"''s (kh__bm_df) */
    for (size_t i = 0; i < nw && nlisted < (int)nw; i++) {
      if (t[i].listed || !key_alone(t[i].key, t[i].kl)) continue;
      double df = 0;
      int r = kh__bm_df(db, &c->bm, t[i].key, t[i].kl, nrow, &df);
      if (r < 0) {
        rc = r;
        goto done;
      }
      if (r) {
        double x = log((nrow - df + 0.5) / (df + 0.5));
        bidf[i] = x <= 0.0 ? 1e-6 : x;
        bmo[i] = 1;
        nbmo++;
      }
    }
  }
  if (words && nw >= (size_t)kh__bm_min_words && fwd_from <= 1 && nlisted + nbmo >= (int)nw - 1 && !o->source && !since &&
      !until && kh__bm_use) {
    const char *keys[CH_MAX_TERMS];
    size_t kls[CH_MAX_TERMS];
    double idfs[CH_MAX_TERMS];
    int rare = -1;
    kh__buf re = {0};
    for (size_t i = 0; i < nw; i++) {
      keys[i] = t[i].key, kls[i] = t[i].kl, idfs[i] = bmo[i] ? bidf[i] : t[i].idf;
      if (!t[i].listed && !bmo[i]) rare = (int)i;
    }
    if (rare >= 0) {
      word_expr(&re, &t[rare], w[rare], wl[rare], &rc);
      kh__buf_appendc(&re, '\0', &rc);
    }
    if (!rc)
      bm = kh__bm_topk(db, &c->bm, keys, kls, idfs, nw, rare, rare >= 0 ? re.data : NULL, nrow, avgdl, k, out, &got,
                       &bm_mark, &bm_more);
    kh__buf_free(&re);
    if (rc || bm < 0) {
      if (!rc) rc = bm;
      goto done;
    }
    if (bm && rare >= 0) t[rare].idf = idfs[rare];
    for (size_t i = 0; bm && i < nw; i++)
      if (bmo[i]) t[i].idf = bidf[i]; /* the pass after the mark scores with it */
    if (bm && nbmo) kh__bm_stat[KH__BM_EXTRA]++;
    if (!bm) got = 0;
  }
  /* one rare word ANDed with frequent ones (every other word has a list):
  ** walked from the rare word, completed from forward rows */
  if (!bm && words && nw >= 2 && fwd_from <= 1 && nlisted == (int)nw - 1 && kh__champ_drive_max > 0) {
    size_t drv = 0;
    while (t[drv].listed) drv++;
    if (t[drv].plain) {
    int64_t fwd_all = 0;
    if ((rc = kh__champ_meta_get(db, "fwd_all", 0, &fwd_all))) goto done;
    /* the walk costs a random read per row of the rare word; FTS5's AND
    ** reads the other words' doclists (seeking them in every segment): the
    ** walk pays when they are far longer */
    double cap = (double)kh__champ_drive_max;
    for (size_t i = 0; i < nw; i++)
      if (i != drv && t[i].df / kh__champ_drive_ratio < cap) cap = t[i].df / kh__champ_drive_ratio;
    if (fwd_all > 0 && cap >= 1 && is_key(t[drv].key, t[drv].kl)) {
      int a = drive_top(db, q, t, w, wl, nw, drv, nrow, avgdl, (double)min_dl, fwd_all, o, since, until, k, (long)cap, out,
                        &got);
      if (a < 0) {
        rc = a;
        goto done;
      }
      if (a > 0) {
        kh__champ_stat[KH__CHAMP_EXACT]++;
        kh__champ_stat[KH__CHAMP_DRIVE]++;
        *nout = got;
        answered = 1;
        goto done;
      }
      got = 0;
    }
    }
  }
  /* the lists, when every word has one and they can be expected to hold
  ** 2k articles with every word (independence; one word: always): their
  ** best k that pass the filters (and FTS5's own AND, the forward rows
  ** holding 32-bit hashes) are exact; certified when nothing outside the
  ** lists can score as high */
  if (!bm && words && nlisted == (int)nw) {
    double expect = 0, work = 0;
    for (size_t i = 0; i < nw; i++) {
      work += t[i].df;
      double e = t[i].n;
      for (size_t j = 0; j < nw; j++) e *= j == i ? 1.0 : t[j].df / nrow;
      expect += e;
    }
    if (nw == 1 || (expect >= 2.0 * (double)k && work >= CH_SEED_WORK * (double)c->t)) {
      long nread = 0;
      int short_ = 0;
      if ((rc = list_top(db, t, nw, avgdl, bound, o, since, until, k, nw == 1 ? -1 : kh__champ_fwd_budget, 0, 0, out, via,
                         &got, &nread, &short_)))
        goto done;
      kh__champ_fwd_read += nread;
      for (size_t j = 0; j < got; j++)
        if (via[j]) fwdrow[nfwd++] = out[j].rowid;
      qsort(fwdrow, nfwd, sizeof *fwdrow, cmp_i64);
      if (!short_ && got == k && out[k - 1].score >= bound) {
        if ((rc = verify(db, q->fts, t, nw, out, got, fwdrow, nfwd)) < 0) goto done;
        if (rc == 0) {
          kh__champ_stat[KH__CHAMP_EXACT]++;
          *nout = got;
          answered = 1;
          goto done;
        }
        rc = 0;
        got = nfwd = 0; /* a forward hash lied: no seeds */
      }
      kh__champ_stat[KH__CHAMP_UNCERT]++; /* the lists were read, the pass follows */
    }
  }
  /* otherwise one pass over FTS5's matches (topk.c), pruned from the seeds'
  ** k-th score; plain words are searched as their index terms */
  kh__topk_req r = {.min_dl = (double)min_dl, .source = o->source, .since = since, .until = until, .k = k,
                    .skip = skip, .nskip = got};
  double counted[CH_MAX_TERMS];
  int memo = 0;
  if (words) {
    r.nterms = nw;
    for (size_t i = 0; i < nw; i++) {
      if (i) kh__buf_appends(&expr, " AND ", &rc);
      if (!t[i].plain || key_alone(t[i].key, t[i].kl)) quote(&expr, t[i].key, t[i].kl, &rc);
      else quote(&expr, w[i], wl[i], &rc);
      r.idf[i] = t[i].idf;
      counted[i] = -1;
      if (!t[i].plain && kh__champ_df_memo) {
        if (!memo && (rc = df_memo_check(db, nrow, ntok)) != 0) goto done;
        memo = 1;
        int64_t df = df_memo_get(c, t[i].key, t[i].kl);
        kh__champ_df_stat[df >= 0]++;
        if (df >= 0) { /* as topk.c counts it */
          double idf = log((nrow - (double)df + 0.5) / ((double)df + 0.5));
          r.idf[i] = idf <= 0.0 ? 1e-6 : idf;
        }
      }
    }
    r.counted = memo ? counted : NULL;
    kh__buf_appendc(&expr, '\0', &rc);
    if (rc) goto done;
    r.expr = expr.data;
  } else {
    r.expr = q->fts;
  }
  for (size_t j = 0; j < got; j++) skip[j] = out[j].rowid;
  qsort(skip, got, sizeof *skip, cmp_i64);
  size_t n = got;
  int tiered = 0;
  if (bm) { /* the rest: articles after the mark */
    tiered = !bm_more;
    r.rowid_lo = bm_mark + 1;
  } else if (words && nw >= 2 && nlisted == (int)nw) { /* frequent words: the impact tiers (tiers.c) */
    const char *keys[CH_MAX_TERMS];
    size_t kls[CH_MAX_TERMS];
    double dfs[CH_MAX_TERMS];
    for (size_t i = 0; i < nw; i++) keys[i] = t[i].key, kls[i] = t[i].kl, dfs[i] = t[i].df;
    tiered = kh__tier_topk(db, &r, keys, kls, dfs, nw, avgdl, out, &n);
  }
  if (!tiered && words && !bm) tiered = drop_pass(db, q, t, (const char(*)[KH_MAX_TOKEN + 1])w, wl, nw, &r, nrow, out, &n);
  rc = tiered < 0 ? tiered : tiered ? 0 : kh__topk_scan(db, &r, out, &n, NULL);
  if (!rc && nfwd && (rc = verify(db, q->fts, t, nw, out, n, fwdrow, nfwd)) > 0) { /* a seed was no match */
    r.nskip = n = 0;
    rc = kh__topk_scan(db, &r, out, &n, NULL);
  }
  if (rc == KH_ETOOBIG) { /* too many phrases: FTS5 ranks it */
    rc = 0;
    goto done;
  }
  if (rc) goto done;
  for (size_t i = 0; memo && i < nw; i++)
    if (!t[i].plain && counted[i] >= 0) df_memo_put(c, t[i].key, t[i].kl, (int64_t)counted[i]);
  kh__champ_stat[KH__CHAMP_EXACT]++;
  kh__champ_stat[KH__CHAMP_SCAN]++;
  *nout = n;
  answered = 1;
done:
  c->searching = 0;
  sqlite3_blob_close(c->fblob);
  c->fblob = NULL;
  if (!answered) {
    *nout = 0;
    if (!rc) kh__champ_stat[KH__CHAMP_SHORT]++;
  }
  kh_free(w);
  kh_free(t);
  kh__buf_free(&expr);
  return rc ? rc : answered;
}
