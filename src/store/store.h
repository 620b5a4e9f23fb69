/*
** store.h — internals of the store layer (src/store), in sections named
** after the file they describe (SQLite fts5Int.h style).  Other layers that
** keep data in the same database (corpus, analyze) include this header to
** reach the connection, to add migration steps (schema.c) and to hook into
** kh_db_put_article (db.c).  Fuzz targets include it for the readers and the
** query parser.
*/
#ifndef KH_STORE_H
#define KH_STORE_H

#include "../core/core.h"

#include <sqlite3.h>
#include <stdio.h>
#include <time.h>

/* ---- Term dictionary (terms.c), used by article.c, fts5.c, champ.c ---- */

/* One distinct term.  The fields after stemmed belong to champ.c (its
** per-article, per-batch and per-window counts and the state of the term's
** search_term row), kept here so that counting an article's terms is
** array indexing by id.  64 bytes, the entries aligned to 64: every pass
** over an article's tokens (interning, the FTS5 replay, counting, tiers)
** touches one cache line per term (80 bytes touched two). */
typedef struct kh__term {
  uint64_t h;          /* kh__term_hash of the bytes */
  uint64_t ph;         /* terms.c's probe hash of the bytes */
  uint32_t off, len;   /* bytes in the arena */
  uint32_t stem;       /* id of the light stem when it differs, 0 none */
  uint8_t stemmed;     /* stem computed */
  uint8_t stop;        /* a stopword (never counted) */
  uint8_t state;       /* champ.c: search_term state, 0 no row */
  uint8_t cached;      /* champ.c: n, floor, aref below are the row's */
  uint32_t doc_mark, d;    /* champ.c: article counted last, weighted tf in it */
  uint32_t batch_mark, bdf; /* champ.c: batch seen last, articles of it */
  uint32_t wdf;        /* champ.c: articles of the current window */
  uint32_t pend;       /* champ.c: df not written yet (counted terms) */
  uint32_t df;         /* champ.c: df (counted terms) */
  uint32_t n;          /* champ.c: list length */
} kh__term;

/* champ.c: a listed term's floor and its average length, as in the file
** (read only for terms with a list: kept apart from the hot entries) */
typedef struct kh__term_list {
  double floor, aref;
} kh__term_list;

typedef struct kh__terms {
  kh__term *v;    /* id i is v[i - 1] (64-byte aligned inside vraw) */
  kh__term_list *lst; /* id i is lst[i - 1] */
  void *vraw;
  size_t n, vcap;
  uint32_t *idx;  /* open addressing: id, 0 empty */
  size_t icap;
  kh__buf arena;
  struct kh__term_front *front; /* terms.c: small direct-mapped cache of recent lookups */
  uint32_t epoch; /* changes when the ids are forgotten (kh__terms_clear) */
} kh__terms;

#define KH__TERMS_MAX (1u << 20) /* entries kept across batches (champ.c) */

/* 64-bit FNV-1a of s[0..n). */
uint64_t kh__term_hash(const char *s, size_t n);
/* The id of s (added if new; 0 with *rc set on failure; *rc sticky). */
uint32_t kh__terms_intern(kh__terms *d, const char *s, size_t n, int *rc);
/* The id of s, or 0. */
uint32_t kh__terms_find(const kh__terms *d, const char *s, size_t n);
/* The id of the light stem of term id when it differs from the term, else
** 0; computed once per term (the stem is interned). */
uint32_t kh__terms_stem(kh__terms *d, uint32_t id, int *rc);
struct kh__tokcache;
/* kh__terms_intern of every token of a token cache into its term, and
** kh__terms_stem of each word's (lookups pipelined); 0 or a code. */
int kh__terms_intern_cache(kh__terms *d, struct kh__tokcache *c);
/* Forget every term (ids become invalid); kh__terms_free releases. */
void kh__terms_clear(kh__terms *d);
void kh__terms_free(kh__terms *d);

/* ---- Token cache (article.c), used by db.c and fts5.c ---- */

/* The tokens of one text, kept so that kh_db_put_article tokenizes each
** text once: the content hash reads them, and the FTS5 tokenizer replays
** them when FTS5 hands it the same text (compared byte for byte). */
typedef struct kh__tokrec {
  uint32_t off, len;   /* normalized form in norms */
  uint32_t start, end; /* span in the original text */
  uint8_t kind, flags;
  uint32_t term;       /* id in the cache's dictionary, 0 without one */
} kh__tokrec;

typedef struct kh__tokcache {
  const char *text; /* the text (caller's memory, valid during the put) */
  size_t len;
  kh__buf norms;    /* normalized forms back to back */
  kh__tokrec *v;
  size_t n, cap;
  kh__terms *dict;  /* if set (champ.c sets it): every token interned as cached,
                    ** its stem computed once per term (not owned) */
} kh__tokcache;

/* ---- Interface to code in db.c ---- */

/* Called inside the write transaction after an article was stored (not for
** duplicates), with its row id and the stored (normalized) fields.  A
** non-zero return fails kh_db_put_article with that code. */
typedef int (*kh__put_hook)(void *ctx, kh_db *db, int64_t rowid, const kh_article *a);
/* Optional companions of a put hook that keeps state in memory (corpus):
** flush is called inside the open batch just before its COMMIT (a non-zero
** return rolls the batch back and fails the commit); discard after the
** open batch was rolled back, so the state forgets what it did not keep;
** release when the connection closes. */
typedef struct kh__hook_ops {
  int (*flush)(void *ctx, kh_db *db);
  void (*discard)(void *ctx);
  void (*release)(void *ctx);
  /* Optional: the hook's pure per-article work, run ahead on the ingest
  ** worker thread (kh_ingest_path): it may read ctx's read-only parts and
  ** the article with its title and body tokens tc[0], tc[1], never the
  ** database nor ctx's mutable state.  Its result (NULL: none, the put
  ** hook then does the work itself) reaches the put hook through
  ** kh__db_take_prepared; drop frees a result that was not taken. */
  void *(*prepare)(void *ctx, const kh_article *a, const kh__tokcache *tc);
  void (*drop)(void *ctx, void *prepared);
  void (*mem)(void *ctx, FILE *f); /* optional: " name MB" of its in-memory state (KHABAR_INGEST_MEM) */
} kh__hook_ops;

/* Optional, for a hook with prepare: in-order work on the ingest worker
** (kh__db_hook_order).  begin runs on the writer thread before the worker
** starts (0: the hook takes ordered calls; it may read the database
** there); ordered runs on the worker after prepare, for every prepared
** article the put may store (its rc 0), in input order, with the prepare
** result (the hook guards the state it shares with its put); end runs on
** the writer once the worker stopped (before the ingest's last commit). */
typedef struct kh__hook_order {
  int (*begin)(void *ctx, kh_db *db);
  void (*ordered)(void *ctx, void *prepared, const kh_article *a);
  void (*end)(void *ctx, kh_db *db);
} kh__hook_order;

#define KH__MAX_HOOKS 8

/* One article made ready for kh__db_put_prepared: everything a put computes
** without the database (tokens, content hash, date, id, the hooks'
** prepare results).  Only the writer thread stores it. */
typedef struct kh__prep {
  kh__tokcache cache[2]; /* title, body (swapped into kh_db.cache by the put) */
  kh_article stored;     /* the article as stored and as hooks see it */
  char hash[33], date[24], idbuf[24];
  int dlen;              /* kh__date_norm's result (0: no date) */
  const char *raw_pub;   /* the published text as given (stored in extra when unreadable) */
  size_t raw_pub_len;
  int rc;                /* 0, or the put's result decided already (KH_EINVAL ...) */
  void *hook[KH__MAX_HOOKS]; /* prepare results, by hook index */
} kh__prep;

/* Entities of article rowid whose rows a hook still holds in memory for
** the open batch (analyze): distinct entity ids, ascending, at most cap, as
** the analyze layer's mention rows would give them; UINT32_MAX when the
** provider does not hold that article (then read the mention rows). */
typedef uint32_t (*kh__ents_fn)(void *ctx, kh_db *db, int64_t rowid, int64_t *out, uint32_t cap);

typedef struct kh__champ kh__champ; /* champion lists (champ.c) */

struct kh_db {
  sqlite3 *sql;          /* the connection */
  int in_txn;            /* a write batch is open */
  int batch;             /* articles written in the open batch */
  int batch_max;         /* commit after this many (KH_DB_BATCH; kh__db_set_batch: tests) */
  int version;           /* schema version after migration */
  sqlite3_stmt *st_find_id, *st_find_hash, *st_ins, *st_ins_fts, *st_ins_dup;
  kh__tokcache cache[2]; /* title, body of the article being stored */
  time_t now_t;          /* second of now[] */
  char now[24];          /* ingest time as stored, UTC */
  struct {
    kh__put_hook fn;
    void *ctx;
    const kh__hook_ops *ops; /* may be NULL */
    const kh__hook_order *ord; /* may be NULL */
  } hooks[KH__MAX_HOOKS];
  int nhooks;
  void *cur_prep;        /* the running put hook's prepare result (take_prepared) */
  kh__prep *seq;         /* scratch of kh_db_put_article */
  kh__ents_fn pending_ents; /* may be NULL (set by kh_analyze_attach) */
  void *pending_ctx;
  kh__champ *champ;      /* champion-list state of the open batch (champ.c) */
  int fts_hash_set;      /* article_fts's hashsize and automerge checked by this connection's first batch */
  uint64_t stolen;       /* records the last pipelined ingest's writer prepared itself (tests) */
  size_t slot_kept;      /* the most bytes a ring slot kept once its record was stored, same ingest (tests) */
};

/* Articles per write transaction from now on (tests: batches inside a
** small input); n <= 0 restores KH_DB_BATCH. */
void kh__db_set_batch(kh_db *db, int n);
/* Begin a write batch if none is open.  0 or KH_EDB. */
int kh__db_begin(kh_db *db);
/* Run SQL with no results; 0 or KH_EDB. */
int kh__db_exec(kh_db *db, const char *sql);
/* Record the tokenizer version in a file with no articles yet (reindex.c). */
int kh__tokver_open(kh_db *db);
/* Give the registered put hook fn in-order work on the ingest worker.  0 or KH_EINVAL. */
int kh__db_hook_order(kh_db *db, kh__put_hook fn, const kh__hook_order *ord);
/* Register a put hook (corpus: fingerprints, stories).  0 or KH_ETOOBIG. */
int kh__db_on_put(kh_db *db, kh__put_hook fn, void *ctx);
/* The same with flush / discard / release companions (ops must outlive
** the connection; static).  0 or KH_ETOOBIG; on failure release is NOT
** called (the caller still owns ctx). */
int kh__db_on_put_ops(kh_db *db, kh__put_hook fn, const kh__hook_ops *ops, void *ctx);
/* Roll the open batch back and tell the hooks (discard).  No-op without one. */
void kh__db_rollback(kh_db *db);
/* The pure part of kh_db_put_article for a (any thread; reads only db's
** hook list): validation, tokens, hash, date, id into p, and with hooks
** != 0 the hooks' prepare results.  a must stay valid until the put.  The
** outcome is in p->rc (0, KH_EINVAL, KH_ETOOBIG, KH_ENOMEM). */
void kh__db_prepare(const kh_db *db, const kh_article *a, kh__prep *p, int hooks);
/* Store a prepared article (the writer thread): as kh_db_put_article. */
int kh__db_put_prepared(kh_db *db, kh__prep *p, int64_t *rowid);
/* Drop the prepare results p still holds; kh__prep_free also frees its
** token caches. */
void kh__prep_clear(const kh_db *db, kh__prep *p);
void kh__prep_free(const kh_db *db, kh__prep *p);
/* In a put hook: the result of the hook's prepare for this article (the
** hook owns it now), or NULL (the hook does the work itself). */
void *kh__db_take_prepared(kh_db *db);

/* ---- Interface to code in vfs.c ---- */

/* The name of the VFS that gathers WAL writes ("khabar-wal", registered on
** first use), or NULL (the default VFS: KHABAR_WAL_BUFFER=0, or it could
** not be registered). */
const char *kh__vfs_name(void);

/* ---- Interface to code in schema.c ---- */

/* Bring the schema of an open connection to the latest version, each step
** in its own transaction.  0, KH_ESCHEMA (file newer than us) or KH_EDB. */
int kh__schema_migrate(sqlite3 *db, int *version);
/* Number of the latest schema version. */
int kh__schema_latest(void);
/* Schema step 11 (src/corpus/lsh.c): corpus_lsh's rows packed into
** corpus_lshp, then corpus_lsh dropped.  0 or a code. */
int kh__lsh_pack_old(sqlite3 *db);

/* ---- Interface to code in article.c ---- */

/* Tokenize text (flags 0) into c, replacing what it held.  0 or a code. */
int kh__tokcache_fill(kh__tokcache *c, const char *text, size_t len);
void kh__tokcache_free(kh__tokcache *c);
/* Intern c's tokens in c->dict (if set) as kh__tokcache_fill would have:
** for tokens cached without the dictionary (on the ingest worker, which
** must not touch the writer's dictionary).  0 or KH_ENOMEM. */
int kh__tokcache_intern(kh__tokcache *c);
/* Content hash (as kh__content_hash) from the cached tokens of title and body. */
void kh__content_hash_cached(const kh__tokcache *title, const kh__tokcache *body, char out[33]);

/* 128-bit content hash of the normalized token stream of title and body,
** as 32 lowercase hex digits + NUL in out.  0 or a negative code. */
int kh__content_hash(const char *title, size_t tlen, const char *body, size_t blen, char out[33]);
/* Normalize a published time into out (>= 21 bytes): "YYYY-MM-DD" or
** "YYYY-MM-DDTHH:MM:SSZ" (UTC).  Reads ISO 8601 / RFC 3339, unix seconds
** and RFC 822 as feeds write it ("Mon, 25 Nov 2024 10:00:00 +0500").
** Returns the length, or -1 if unreadable. */
int kh__date_norm(const char *s, size_t n, char *out);

/* ---- Interface to code in fts5.c ---- */

/* While set (per thread), the khabar tokenizer replays the tokens of these
** caches for a document text equal to a cached one.  NULL, 0 clears. */
void kh__fts5_use_cache(kh__tokcache *c, int n);

/* Tokenizer options (the words after 'khabar' in tokenize='...'). */
#define KH__FTS_NOSTEM 0x01
#define KH__FTS_NOSPLIT 0x02
#define KH__FTS_SKEL 0x04 /* colocated consonant skeletons (name spellings) */
#define KH__FTS_STEMONLY 0x08 /* documents: a word's stem in place of the word (fts5.c) */

/* ---- Interface to code in query.c ---- */

/* One query term, for highlighting: a normalized token, maybe a prefix. */
typedef struct kh__qterm {
  char *norm;
  size_t len;
  int prefix;
} kh__qterm;

typedef struct kh__query {
  char *fts;            /* the FTS5 expression (NUL-terminated) */
  kh__qterm *terms;     /* positive terms (not under NOT) */
  size_t nterms, cap;
  char err[160];        /* reason on KH_EQUERY */
} kh__query;

/* Parse a user query into q (caller frees with kh__query_free even on
** failure).  0, KH_EQUERY (q->err says why), KH_ETOOBIG or KH_ENOMEM. */
int kh__query_parse(const char *s, size_t n, kh__query *q);
void kh__query_free(kh__query *q);

#define KH__MAX_QUERY 4096   /* query text bytes */
#define KH__MAX_QDEPTH 32    /* parenthesis nesting */
#define KH__MAX_QTERMS 256   /* words in a query */

/* ---- Interface to code in snippet.c ---- */

/* Append to out a snippet of text (original bytes): the window of ntok words
** with the most query terms, each matched word between open and close;
** newlines become spaces.  Returns the number of matched words in the
** window (0: the text's first words, nothing highlighted).  *rc sticky. */
int kh__snippet(const char *text, size_t len, const kh__query *q, const char *open,
                 const char *close, int ntok, kh__buf *out, int *rc);

/* ---- Interface to code in rerank.c ---- */

/* A search candidate: row id and score (higher is better). */
typedef struct kh__cand {
  int64_t rowid;
  double score;
  int ord; /* scratch: position before re-ranking */
} kh__cand;

/* The features of one re-scored candidate (rerank.c explains each); the
** re-ranked score is the weighted sum of them (weights learned,
** src/store/rerank_model.h). */
enum {
  KH__RR_FBM25,  /* the first stage's BM25 */
  KH__RR_FPROX,  /* proximity of query phrase pairs (BM25TP) */
  KH__RR_FLEAD,  /* idf of the query phrases found in the title or lead */
  KH__RR_FFUZZY, /* idf of the words found only in another spelling */
  KH__RR_FTCOV,  /* idf of the query phrases found in the title */
  KH__RR_FSKEL,  /* BM25 weight of the words found only by consonant skeleton */
  KH__RR_FTFRAC, /* share of the title's words that are query words */
  KH__RR_FCOV,   /* FLEAD / the idf of all query phrases */
  KH__RR_FTCOVN, /* FTCOV / the idf of all query phrases */
  KH__RR_FFIRST, /* idf of the query phrases in the first sentence (KH__RR_FIRST tokens) */
  KH__RR_FORDER, /* idf of query phrase pairs found in the query's order, near */
  KH__RR_FTBM25, /* BM25 of the title alone */
  KH__RR_FLEN,   /* log of the body's length in bytes */
  KH__RR_FNCOV,  /* share of the query phrases found in the title or lead */
  KH__RR_FSKELT, /* idf of the words found in the title only by skeleton */
  KH__RR_FBM25N, /* FBM25 / the idf of all query phrases */
  KH__RR_FHEAD,  /* FCOV over the query's first KH__RR_HEAD phrases only */
  KH__RR_FBM25R, /* FBM25 / the best FBM25 among the re-scored candidates */
  KH__RR_FLEADR, /* FLEAD / the best FLEAD among them */
  KH__RR_FTCOVR, /* FTCOV / the best FTCOV among them */
  KH__RR_FGRAMQ, /* share of the query's letter trigrams found in the title */
  KH__RR_FGRAMD, /* Dice of the query's and the title's letter trigram sets */
  KH__RR_FNUM,   /* share of the query's numbers found in the title or anywhere in the body */
  KH__RR_FNUMU,  /* the same, a number before a unit word also as its value (5 ملین = 50 لاکھ) */
  KH__RR_NF
};

/* Re-ranking parameters (rerank.c explains each). */
typedef struct kh__rr_params {
  int depth;      /* candidates re-scored */
  double w_title; /* a pair in the title counts this many times a body pair */
  double w_order; /* a pair in the query's order counts 1 + this */
  int window;     /* tokens between two words still counted as near */
  double k1;      /* saturation of the proximity bonus */
  int lead;       /* body tokens read (the lead); 0 = the whole body */
  double w[KH__RR_NF]; /* weight of each feature; all 0 switches re-ranking off */
  /* benchmarks: called with every re-scored candidate's features (KH__RR_F*) */
  void (*dump)(void *ctx, int64_t rowid, double bm25, const double *f, int nf);
  void *dump_ctx;
} kh__rr_params;

#define KH__RR_FIRST 40
#define KH__RR_HEAD 6
#define KH__RR_DEPTH 30

/* Re-score the best n candidates c[0..n) (best first, BM25 scores) of the
** parsed query q by the learned weighted sum of their features and re-sort
** them; only the first depth are touched, and they stay above the rest.  0,
** KH_ENOMEM or KH_EDB. */
int kh__rerank(kh_db *db, const kh__query *q, kh__cand *c, size_t n);
/* 1 if re-ranking q can change anything (two or more words that are not
** stopwords), so kh_search fetches depth candidates instead of limit. */
int kh__rerank_wanted(const kh__query *q);
/* Register the auxiliary function khabar_rr (called by kh_fts5_register). */
int kh__rerank_register(fts5_api *api);
/* Replace the parameters (benchmarks only; not thread-safe); NULL restores
** the defaults.  kh__rerank_params returns the ones in use. */
void kh__rerank_tune(const kh__rr_params *p);
const kh__rr_params *kh__rerank_params(void);

/* ---- Interface to code in jsonl.c, csv.c, txtdir.c, ingest.c ---- */

/* A reader hands each record to this sink.  line is the 1-based line where
** the record starts.  a == NULL means a bad record and reason says why.
** Return non-zero to stop reading (that value is returned by the reader). */
typedef int (*kh__rec_fn)(void *ctx, uint64_t line, const kh_article *a, const char *reason);

/* Read JSON Lines from f.  Blank lines are skipped.  *bytes (may be NULL)
** advances as input is consumed.  0, KH_EIO, KH_ENOMEM or the sink's value. */
int kh__jsonl_read(FILE *f, kh__rec_fn fn, void *ctx, uint64_t *bytes);
/* The two halves of kh__jsonl_read, so that parsing can run on the ingest
** worker: kh__jsonl_lines hands each non-blank line (BOM removed) to fn as
** line[0..n) with reason NULL, or a line too long as line NULL and the
** reason; kh__jsonl_record parses one line and hands the record to fn as
** kh__jsonl_read would (returns fn's value, or KH_ENOMEM). */
typedef int (*kh__line_fn)(void *ctx, uint64_t lineno, const char *line, size_t n, const char *reason);
int kh__jsonl_lines(FILE *f, kh__line_fn fn, void *ctx, uint64_t *bytes);
int kh__jsonl_record(const char *line, size_t n, uint64_t lineno, kh__rec_fn fn, void *ctx);
/* kh__jsonl_record with the fast path (fast 1, as kh__jsonl_record) or
** jansson alone (0: the tests and fuzz_jsonl compare the two). */
int kh__jsonl_parse(const char *line, size_t n, uint64_t lineno, int fast, kh__rec_fn fn, void *ctx);
/* The fast path (jsonl_fast.c): a line that is a flat object of strings,
** integers, true, false and null read into *a, its strings decoded into b
** (emptied first; a's fields point there, NUL-terminated; extra written as
** jansson's json_dumps would).  1 read, 0 declined (jansson reads it: the
** same record or reason), KH_ENOMEM. */
int kh__jsonl_fast(const char *line, size_t n, kh_article *a, kh__buf *b);
/* The article field a JSON Lines key names (jsonl.c's table; body, text
** and content all name the body), or -1. */
enum { KH__JF_ID, KH__JF_SOURCE, KH__JF_URL, KH__JF_PUBLISHED, KH__JF_TITLE, KH__JF_BODY, KH__JF_N };
int kh__jsonl_slot(const char *key, size_t n);
/* Read CSV (RFC 4180, header row) from f; same contract.  Records without
** a source column get default_source (may be NULL) as source, and their id
** is prefixed "SOURCE-" so row numbers of different files stay apart. */
int kh__csv_read(FILE *f, const char *default_source, kh__rec_fn fn, void *ctx, uint64_t *bytes);
/* Read an RSS 2.0 / RSS 1.0 / Atom feed from f (feed.c; streamed, one item
** at a time); same contract as kh__csv_read, line = the item's first line.
** Records get source, else the channel's link host or title, else
** fallback.  A feed whose XML breaks is reported once, where it broke,
** after the items before it went to fn. */
int kh__feed_read(FILE *f, const char *source, const char *fallback, kh__rec_fn fn, void *ctx,
                  uint64_t *bytes);
/* Read one news article's HTML page from f (page.c): title, date, url and
** body from JSON-LD, <meta> tags and the page's main paragraphs; url (may
** be NULL) is where it came from.  One record or one bad record, line 1. */
int kh__page_read(FILE *f, const char *url, const char *source, const char *fallback, kh__rec_fn fn,
                  void *ctx, uint64_t *bytes);
/* 1 if s is an http:// or https:// URL (fetch.c). */
int kh__is_url(const char *s);
/* The host of url, "www." dropped, appended to b ("https://www.express.pk/feed/"
** -> "express.pk"; fetch.c).  Nothing for a string that is no URL. */
void kh__url_host(const char *url, kh__buf *b, int *rc);
/* A fetch (fetch.c): the body, and the validators of the response. */
typedef struct kh__fetched {
  kh__buf body;
  char etag[256];     /* ETag, "" if none (or too long to keep) */
  char modified[64];  /* Last-Modified, "" if none */
  int not_modified;   /* 304: unchanged since the validators sent */
} kh__fetched;
/* Fetch url into f (http and https only, redirects followed, size and time
** bounded); with etag / modified (may be NULL or "") the request is
** conditional.  0, or KH_EIO / KH_ETOOBIG / KH_ENOMEM with the reason in
** why ("HTTP 404", "cannot fetch: ..."). */
int kh__fetch(const char *url, const char *etag, const char *modified, kh__fetched *f, char *why, size_t cap);
/* The validators the last fetch of url into db got (fetch_state), into
** etag / modified; "" when none. */
void kh__fetch_state_get(sqlite3 *db, const char *url, char etag[256], char modified[64]);
/* Remember a fetch of url (after its articles are committed). */
int kh__fetch_state_put(sqlite3 *db, const char *url, const kh__fetched *f);
/* A 304 for url: the server answered now, nothing changed. */
int kh__fetch_state_touch(sqlite3 *db, const char *url);
/* The text of an HTML fragment appended to b (html.c): tags removed,
** entities decoded, script/style dropped, block elements end lines, white
** space runs one space.  0, KH_ENOMEM or KH_ETOOBIG. */
int kh__html_text(const char *html, size_t n, kh__buf *b);
/* The same for a parsed node's descendants (an Atom xhtml content). */
struct _xmlNode;
void kh__node_text(struct _xmlNode *top, kh__buf *b, int *rc);
/* Split a .txt article (first non-blank line the title, the rest the body)
** into a (title and body point into text). */
void kh__txt_article(const char *text, size_t len, kh_article *a);

/* Low-level CSV: split f into records of fields.  fn gets the fields of
** each record (pointer + length, unescaped), its first line, or reason !=
** NULL for a malformed record (then nf == 0). */
typedef int (*kh__csv_fn)(void *ctx, uint64_t line, size_t nf, const char *const *f,
                          const size_t *flen, const char *reason);
int kh__csv_records(FILE *f, kh__csv_fn fn, void *ctx, uint64_t *bytes);

/* 1 if s[0..n) is valid UTF-8 (article.c); else 0 and *bad = offset. */
int kh__utf8_valid(const char *s, size_t n, size_t *bad);

#define KH__MAX_FIELDS 256 /* CSV fields per record */

/* ---- Interface to code in champ.c (champion lists, search latency) ---- */

/* Allocate / free the state on a connection (kh_db_open, kh_db_close). */
int kh__champ_open(kh_db *db);
void kh__champ_close(kh_db *db);
/* The df from which a term gets a list (default 5000; tests on small
** corpora lower it).  Terms counted so far keep their state. */
void kh__champ_set_threshold(kh_db *db, int64_t t);
/* After an article was inserted (db->cache holds its title and body
** tokens): its forward row, and its terms into the open batch. */
int kh__champ_put(kh_db *db, int64_t rowid);
/* The terms kh__champ_put counted for article rowid, the last it counted:
** its query keys (dictionary ids of *dict, in order of first occurrence;
** each one's d in (*dict)->v[id - 1].d) and its length.  1 when every key
** of the article is there, 0 when it was not counted so (the tiers' hook
** then counts the tokens itself). */
int kh__champ_doc_terms(kh_db *db, int64_t rowid, const uint32_t **ids, size_t *n, uint32_t *dl,
                        const kh__terms **dict);
/* The length of article doc as FTS5 counts it (from memory when this
** connection stored it, else its docsize row); KH_ENOTFOUND without one. */
int kh__champ_doc_len(kh_db *db, int64_t doc, uint32_t *dl);
/* Inside the batch's transaction, before COMMIT: document frequencies and
** list updates of the batch.  On failure the caller rolls back. */
int kh__champ_flush(kh_db *db);
/* Forget the open batch (after a ROLLBACK). */
void kh__champ_reset(kh_db *db);
/* After a COMMIT: build wanted lists, a bounded amount of work, in its own
** transaction.  kh__champ_build_all repeats until none is wanted. */
int kh__champ_build(kh_db *db);
int kh__champ_build_all(kh_db *db);
/* The weighted tf d (4 per title occurrence + 1 per body one) of term (an
** index term that is its own light stem) in article doc's forward row, as
** the query side reads it: *d = -1 when the row does not hold it (or a
** 32/24-bit hash of another term answers for it); KH_ENOTFOUND without a
** row. */
int kh__champ_fwd_d(kh_db *db, int64_t doc, const char *term, size_t n, int32_t *d);
/* 1 if article doc's stored title and body hold every term keys[i] (kl[i]
** bytes; nt <= 32; index terms that are their own light stem) as FTS5
** indexed them (a token, or a word's light stem), 0 if not, or a code:
** confirms a forward row's hashes without seeking FTS5's doclists (at 1M
** articles each MATCH ... AND rowid = ? seeks every word in every segment).
** kh__champ_confirm_text = 0: the query side confirms by FTS5 instead. */
int kh__champ_text_has(kh_db *db, int64_t doc, const char *const *keys, const size_t *kl, size_t nt);
extern int kh__champ_confirm_text;
/* The same for the nt terms terms[i] (n[i] bytes) from one read of the row. */
int kh__champ_fwd_ds(kh_db *db, int64_t doc, const char *const *terms, const size_t *n, size_t nt, int32_t *d);

/* fwdrow.c: the bytes of a forward row.  kh__fwd_pack writes the packed
** layout of n pairs hd[2i] (hash32; its low 24 bits sorted and distinct),
** hd[2i+1] (d >= 1) into out (kh__fwd_pack_max(n) bytes) and returns its
** length; kh__fwd_find reads d of hash k from a row of any layout, or -1. */
size_t kh__fwd_pack_max(size_t n);
size_t kh__fwd_pack(unsigned char *out, const uint32_t *hd, size_t n);
int32_t kh__fwd_find(const unsigned char *p, size_t nb, uint32_t k);

typedef struct kh__champ_hit {
  int64_t rowid;
  double score; /* BM25 as kh_hit.score */
} kh__champ_hit;

/* The words keys[0..nw) (each with a list; idf[i] as bm25() counts it) of
** an AND whose best k so far are heap[0..n) (n = k, best first): every
** article of their champion lists from min_doc on that is not in heap is
** bounded (its words outside a list at that list's floor) and, while the
** bound reaches the k-th score, scored from its forward row; those that
** enter are confirmed from their text.  *done = 1: heap is then the best
** k of heap and the lists (tiers.c uses it when nothing outside the lists
** and the tiers' AND can enter); 0: unchanged.  0 or a code. */
int kh__champ_list_fill(kh_db *db, const char *const *keys, const size_t *kl, size_t nw, const double *idf,
                        double avgdl, int64_t min_doc, const char *source, const char *since, const char *until,
                        kh__champ_hit *heap, size_t n, size_t k, int *done);

/* The exact BM25 top k (k <= 100) for q, into out (room for k): from the
** champion lists when they certify it, else by one pruned pass over FTS5's
** matches (topk.c) seeded with the lists' candidates.  For an AND of plain
** words; filters o->source, since, until.  1: answered (*nout hits, best
** first, the same as FTS5's ORDER BY rank up to ties); 0: not such a query
** (or KHABAR_NO_CHAMP is set), run FTS5; or a negative code. */
int kh__champ_topk(kh_db *db, const kh__query *q, const kh_search_opts *o, const char *since,
                   const char *until, size_t k, kh__champ_hit *out, size_t *nout);

/* How kh__champ_topk ended, counted (benchmarks read them): EXACT answered
** (certified from the lists, or by the scan), SCAN the part of EXACT that
** needed the scan, SHORT left to FTS5, BADSEED a list candidate whose
** forward row claimed a word FTS5 does not find (a hash collision; the
** answer is then found without it); UNCERT the lists were read and did
** not settle it (the scan followed); APPROX no longer occurs; DRIVE the
** part of EXACT answered by walking a rare word's articles (one rare word
** ANDed with words that have lists) and completing them from forward rows. */
enum { KH__CHAMP_EXACT, KH__CHAMP_APPROX, KH__CHAMP_UNCERT, KH__CHAMP_SHORT, KH__CHAMP_SCAN, KH__CHAMP_BADSEED, KH__CHAMP_DRIVE,
       KH__CHAMP_NSTAT };
extern long kh__champ_stat[KH__CHAMP_NSTAT];
/* forward rows the lists' candidates read (kh__champ_topk), counted (benchmarks) */
extern long kh__champ_fwd_read;
/* forward rows the lists' candidates of a query of several words may read (< 0: all) */
extern long kh__champ_fwd_budget;
/* a rare word's articles kh__champ_topk may walk for its AND with frequent
** words (default 4096; 0: never), and the forward rows read for it */
extern long kh__champ_drive_max;
/* words in at least this share of the articles are left out of the pass's
** expression and read from forward rows (champ.c drop_pass; <= 0: never);
** [0] queries answered so, [1] forward rows they read, [2] those that took
** the usual pass after all (benchmarks) */
extern double kh__champ_drop_share;
extern long kh__champ_drop_stat[3];
extern double kh__champ_drive_ratio; /* ... and the rare word's df times this at most every other word's (default 100) */
extern long kh__champ_drive_read;
/* counted dfs (a phrase or a stopword key of a plain-word query) kept on the
** connection while the file is unchanged: 0 off (champ.c); [0] missed, [1] found */
extern int kh__champ_df_memo;
extern int kh__optimize_step; int kh__fts_segments(sqlite3 *db, const char *table); /* optimize.c: pages a step; segments of an FTS5 table or -1 */
extern long kh__champ_df_stat[2];

/* Process CPU seconds kh_search spent finding the candidates (the top k:
** champ.c, topk.c, tiers.c or FTS5), re-ranking them (rerank.c) and
** delivering the page (article rows, snippets, callbacks), summed over
** calls (benchmarks read them; not thread-safe). */
enum { KH__SEARCH_TOPK, KH__SEARCH_RERANK, KH__SEARCH_DELIVER, KH__SEARCH_NPHASE };
extern double kh__search_cpu[KH__SEARCH_NPHASE];

/* ---- Interface to code in topk.c (pruned exact top k over FTS5) ---- */

#define KH__TOPK_MAX_TERMS 8

/* A scan whose expression leaves out some words of the query (champ.c
** drop_pass): every row that may still enter reads their d from its
** forward row (ds), and is scored with every word, in the query's order. */
typedef struct kh__topk_fwd {
  size_t nw;                      /* words of the query */
  int phrase[KH__TOPK_MAX_TERMS]; /* word i: its phrase in the expression, or -1: left out */
  double idf[KH__TOPK_MAX_TERMS]; /* every word's */
  double rest;                    /* what the words left out can add at most: Σ idf·(k1 + 1) */
  /* the left-out words' d in row (in word order; <= 0: absent): 0, KH_ENOTFOUND or a code */
  int (*ds)(void *ctx, int64_t row, int32_t *d);
  void *ctx;
  long reads;                     /* forward rows read */
  int missing;                    /* a row had no forward row: the scan stopped */
} kh__topk_fwd;

typedef struct kh__topk_req {
  const char *expr;      /* FTS5 expression (any: bm25() is per phrase) */
  size_t nterms;         /* its phrases (0: not known; at most KH__TOPK_MAX_TERMS) */
  double idf[KH__TOPK_MAX_TERMS]; /* of the first nterms phrases as bm25() computes
                                  ** it; NAN (and any further phrase): counted */
  double min_dl;         /* no matching article is shorter (tokens); 0 if unknown */
  const char *source, *since, *until; /* filters as in search.c, or NULL */
  size_t k;              /* results wanted */
  const int64_t *skip;   /* rowids of the seeds, ascending (not scored twice) */
  size_t nskip;
  int64_t rowid_lo, rowid_hi; /* when either is > 0: only rows lo <= rowid < hi (hi 0: no end) */
  const char *table;     /* the FTS5 table scanned; NULL: article_fts */
  int unit;              /* another table (tiers.c): every instance weighs 1, the
                         ** length is article_fts's (docsize), every idf given */
  double avgdl;          /* > 0: the average length to use (article_fts's) */
  const int64_t *rows;   /* if set: only these rows (nrows), each looked up by rowid */
  size_t nrows;
  int partial;           /* tiers.c, with unit: collect rows missing a phrase into pend */
  double absent[KH__TOPK_MAX_TERMS]; /* partial: idf·bound of a phrase missing from a row */
  size_t nlive;          /* partial == 2: rows of the first nlive phrases' AND (the others under NOT) */
  double out_cut, out_aref; /* partial == 2, one phrase under NOT: its tier's cut and aref (> 0), else 0 */
  struct kh__topk_pend *pend;
  kh__topk_fwd *fwd;     /* if set: words left out of expr (not with unit or partial) */
  double *counted;       /* if set: [i] = the rows FTS5 counted for phrase i < nterms
                         ** (its df), or left as it was when its idf was given */
} kh__topk_req;

/* Rows kept by a partial scan: at most cap; over is set when more were.
** ub[j] (if set): row j's bound at its own length len[j] (if set). */
/* An article with an upper bound on its score, read best bound first
** (then by rowid): the rare-word walk (champ.c, n = the word's count) and
** the tiers' OR (tiers.c, n = the length its pass read). */
typedef struct kh__bound_row {
  int64_t rowid;
  double ub;
  int32_t n;
} kh__bound_row;
int kh__bound_row_cmp(const void *a, const void *b);

typedef struct kh__topk_pend {
  int64_t *rowid;
  size_t n, cap;
  int over;
  double *ub;
  int *len;
} kh__topk_pend;

/* The k best rows for r by bm25(4.0, 1.0), best first, into heap[0..*n).
** On entry heap[0..*n) (*n <= k) may hold seeds: matching rows already
** scored exactly that pass the filters, their rowids also in r->skip.
** *rows (may be NULL) = rows visited.  0, KH_ETOOBIG (more phrases than
** KH__TOPK_MAX_TERMS: nothing done), KH_EQUERY, KH_ENOMEM or KH_EDB. */
int kh__topk_scan(kh_db *db, const kh__topk_req *r, kh__champ_hit *heap, size_t *n, long *rows);
/* Rows the scans visited [0] and of those whose length was read and
** score computed [1] (the rest were pruned), counted (benchmarks). */
extern long kh__topk_stat[2];
/* The length in tokens (all columns) of article rowid from FTS5's docsize,
** st being "SELECT sz FROM article_fts_docsize WHERE id = ?1".  0 or a code. */
int kh__topk_doc_len(sqlite3_stmt *st, int64_t rowid, int *len);
/* The sum of a docsize record's varints: SQLITE_OK or SQLITE_CORRUPT. */
int kh__topk_len_sum(const unsigned char *p, int n, int *len);
/* Top-k heaps of hits (topk.c; blockmax.c): a worse than b (lower score, or
** equal and a later row), and x into the heap of the best k. */
int kh__topk_worse(const kh__champ_hit *a, const kh__champ_hit *b);
void kh__topk_heap_add(kh__champ_hit *h, size_t *n, size_t k, kh__champ_hit x);
/* Register the auxiliary function khabar_topk on a connection (done on
** first use by kh__topk_scan).  0 or KH_EDB. */
int kh__topk_register(sqlite3 *db);

/* search_meta's value of k (dflt when absent), and setting it (champ.c). */
int kh__champ_meta_get(kh_db *db, const char *k, int64_t dflt, int64_t *v);
int kh__champ_meta_set(kh_db *db, const char *k, int64_t v);
/* bm25() of fts5_aux.c over n phrases (topk.c; blockmax.c scores with it too). */
double kh__topk_bm25(const double *idf, const double *d, size_t n, double len, double avgdl);

/* ---- Interface to code in blockmax.c (block-max doclists of listed terms:
** kh_db_optimize builds them, champ.c's queries read them) ---- */

typedef struct kh__bm kh__bm; /* a connection's query state */
void kh__bm_free(kh__bm *s);
int kh__bm_build(kh_db *db, int (*progress)(void *ctx, const char *table, int steps, int segments), void *ctx);
int kh__bm_topk(kh_db *db, kh__bm **state, const char *const *keys, const size_t *kl, double *idf, size_t nw, int rare,
                const char *rare_expr, double nrow, double avgdl, size_t k, kh__champ_hit *out, size_t *nout,
                int64_t *mark, int *more);
/* 1 when key has a list (the listed terms' and frequent keys' without a
** champion list: stopwords, terms counted without one) and the lists hold:
** its df as bm25() counts it (the list's articles and FTS5's after the
** mark) into *df; 0 when not; or a code. */
int kh__bm_df(kh_db *db, kh__bm **state, const char *key, size_t kl, double nrow, double *df);
enum { KH__BM_ANSWERED, KH__BM_DECODED, KH__BM_SKIPPED, KH__BM_SCORED, KH__BM_RARE, KH__BM_EXTRA, KH__BM_NSTAT };
extern long kh__bm_stat[KH__BM_NSTAT];
extern int kh__bm_block, kh__bm_use, kh__bm_min_words, kh__bm_fmt;
extern long kh__bm_drive_max, kh__bm_xmin;

/* ---- Interface to code in tiers.c (impact tiers of terms with a list) ---- */

#define KH__TOPK_MAX_K 100 /* results a tiered search may be asked for */

/* Register the tiers' put hook on a freshly opened connection (kh_db_open;
** a no-op on a file without the tier tables).  0 or a code. */
int kh__tier_open(kh_db *db);
/* The exact top k of req (an AND of the nw >= 2 plain words keys[] with
** lists, as phrases of req->expr in the same order, every req->idf given;
** df[] their dfs; avgdl FTS5's) by the tiers, into heap[0..*n) (seeds on
** entry as kh__topk_scan).  1: answered (exactly FTS5's top k), 0: not
** for the tiers (the caller scans), or a negative code. */
int kh__tier_topk(kh_db *db, const kh__topk_req *req, const char *const *keys, const size_t *kl, const double *df,
                  size_t nw, double avgdl, kh__champ_hit *heap, size_t *n);
/* Counted (benchmarks): queries that went to the tiers (TRIED), those the
** tiers' AND settled (CERT), those settled after the tiers' OR (PART) and
** the articles that needed a lookup in article_fts for it (CHECKED); the
** rest (TRIED - CERT - PART) took the full pass.
** Why the rest took it: LOW the k-th score was not above what an article
** in no tier can reach, OVER too many articles of the tiers' OR could
** enter, MISS an article had no forward row or FTS5 did not confirm one;
** LISTS (part of CERT): settled by the tiers' AND and the champion lists. */
enum { KH__TIER_TRIED, KH__TIER_CERT, KH__TIER_PART, KH__TIER_CHECKED, KH__TIER_LOW, KH__TIER_OVER, KH__TIER_MISS,
       KH__TIER_LISTS, KH__TIER_WALKS, KH__TIER_NSTAT };
extern long kh__tier_stat[KH__TIER_NSTAT];
/* The sum of the words' dfs from which kh__tier_topk answers (default
** 100000; 0 also drops the expected-size test: tests on small corpora;
** not thread-safe). */
extern double kh__tier_min_work;
/* The share of a term's articles its tier aims at, for tiers made from
** now on (default 0.10; tests raise it; not thread-safe). */
extern double kh__tier_frac;
/* Articles of the tiers' OR a query may check one by one (default 4096;
** more: the full pass), and how many times k articles the tiers' AND must
** be expected to hold (independence) for the tiers to be tried (default 2);
** benchmarks set them; not thread-safe. */
extern long kh__tier_pend;
/* 0: the tiers do not try the champion lists' articles after their AND
** (tests, benchmarks; default 1) */
extern int kh__tier_lists;
extern double kh__tier_min_expect;
/* FTS5's row count and total tokens of article_fts (champ.c): 0,
** KH_ENOTFOUND (nothing indexed) or a code. */
int kh__champ_totals(kh_db *db, double *nrow, double *ntok);
/* 1 if FTS5's query tokenizer turns "key" into the index term key alone
** (then MATCH '"key"' has exactly the term's rows and positions). */
int kh__champ_key_alone(const char *key, size_t kl);
/* 1 if term is its own light stem: a key a query word can have. */
int kh__champ_is_key(const char *term, size_t n);

#endif
