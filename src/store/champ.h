/*
** champ.h — what champ.c (following terms; the lists at ingest, at a
** commit and after it) and champ_query.c (a query answered from the lists)
** share: the limits, the connection's state, the statements and the BM25
** term weight.  Private to those two files; the design is in champ.c.
*/
#ifndef KH_CHAMP_H
#define KH_CHAMP_H

#include "store.h"

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
  int64_t min_dl;     /* shortest article (meta min_dl, 0 not kept yet), read by kh__champ_meta */
};

/* The prepared statement i (S_*), reset, or NULL. */
sqlite3_stmt *kh__champ_stmt(kh_db *db, int i);

/* search_meta's counters (each out may be NULL); sets the connection's min_dl. */
int kh__champ_meta(kh_db *db, int64_t *docs, int64_t *tokens, int64_t *fwd_from, int64_t *scanned);

static inline int sql_rc(sqlite3 *db) { return sqlite3_errcode(db) == SQLITE_NOMEM ? KH_ENOMEM : KH_EDB; }

/* BM25 term weight without idf, written as FTS5's bm25() computes it. */
static inline double weight(double d, double dl, double avgdl) {
  return (d * (K1 + 1.0)) / (d + K1 * (1 - B + B * dl / avgdl));
}

/* ---- hashes of terms ---- */

static inline uint64_t fnv(const char *s, size_t n) { return kh__term_hash(s, n); }

static inline uint32_t h32(uint64_t h) { return (uint32_t)(h ^ (h >> 32)); }

/* 1 if term is its own light stem: only such terms are counted at ingest
** (count_column), so only their lists and forward-row entries are complete. */
static inline int is_key(const char *term, size_t n) {
  char s[KH_MAX_TOKEN + 1];
  int m = kh_stem(term, n, s, sizeof s);
  return m <= 0 || ((size_t)m == n && !memcmp(s, term, n));
}

#endif
