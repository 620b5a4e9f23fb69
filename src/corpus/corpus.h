/*
** corpus.h — internals of the corpus layer (src/corpus): token hashing,
** fingerprints, reuse scoring, the reuse classifier.  Sections are named
** after the file they describe (SQLite fts5Int.h style).
**
** A text enters the layer once as a kh__tokseq: the 64-bit hashes of its
** normalized tokens (punctuation dropped, fused words split, colocated
** alternatives skipped) with each token's byte span in the original text.
** Everything else (exact key, MinHash, n-gram sets, passages) is computed
** from that sequence, so two texts that normalize alike compare alike.
*/
#ifndef KH_CORPUS_H
#define KH_CORPUS_H

#include "../core/core.h"

#include <stdio.h>

/* Hard caps (STYLE 6). */
#define KH__CORPUS_MAX_TOKENS (4u * 1024u * 1024u) /* tokens of one text */
#define KH__PASSAGE_WORK (8u * 1024u * 1024u)       /* match-extension steps per pair */
#define KH__PASSAGE_MAX 4096u                       /* passages kept per pair */

/* ---- Interface to code in tokseq.c ---- */

typedef struct kh__tokseq {
  uint64_t *h;      /* token hashes, n of them */
  uint32_t *start;  /* byte offset of token i in the original text */
  uint32_t *end;    /* one past its last byte */
  uint8_t *fl;      /* KH__TOK_BRK | CLAUSE | STOP | NUM flags of token i */
  uint32_t n;       /* tokens */
  uint32_t cap;     /* allocated slots */
} kh__tokseq;

#define KH__TOK_BRK 0x01  /* the token starts a sentence (after ۔ ؟ ! ? .) */
#define KH__TOK_STOP 0x02 /* a stopword or a one-letter token (only with KH__TOK_WANTSTOP) */
#define KH__TOK_CLAUSE 0x04 /* the token starts a clause (a sentence, or after ، ؛ , ; :) */
#define KH__TOK_NUM 0x08    /* a number token */
#define KH__TOK_WANTSTOP 0x100
#define KH__TOK_WANTBRK 0x200 /* sentence starts wanted (asks the tokenizer for punctuation) */

/* Receives one token: its hash, byte span and KH__TOK_* flags.
** Returns 0 to go on or a negative code to stop. */
typedef int (*kh__token_sink)(void *ctx, uint64_t h, uint32_t start, uint32_t end, unsigned fl);
/* Tokenize text[0..len) as the corpus layer sees it (normalized word
** tokens, punctuation split off and dropped) and hand each to sink.
** opts: KH__TOK_WANTSTOP to have stopwords flagged, KH__TOK_WANTBRK to
** have sentence starts flagged (slower: punctuation tokens are asked for).  Returns 0, the
** sink's code, or KH_ETOOBIG. */
int kh__tokens(const char *text, size_t len, unsigned opts, kh__token_sink sink, void *ctx);
/* Tokenize text[0..len) and hash each token's normalized form.  On
** failure the sequence is freed.  Returns 0, KH_ENOMEM or KH_ETOOBIG. */
int kh__tokseq_build(const char *text, size_t len, kh__tokseq *seq);
void kh__tokseq_free(kh__tokseq *seq);

/* 64-bit hash of bytes (FNV-1a, then a 64-bit finalizer). */
uint64_t kh__hash_bytes(const char *s, size_t n);
/* MurmurHash3 64-bit finalizer: a bijection that mixes all bits. */
static inline uint64_t kh__mix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}
/* Hash of the n-gram of w tokens starting at h[0] (w >= 1). */
static inline uint64_t kh__ngram_hash(const uint64_t *h, unsigned w) {
  uint64_t x = h[0];
  for (unsigned k = 1; k < w; k++) x = kh__mix64(x * 0x9E3779B97F4A7C15ULL + h[k]);
  return w > 1 ? x : x ^ 0x5bd1e9955bd1e995ULL;
}

/* ---- Interface to code in minhash.c ---- */

/* Fill fp from a token sequence (exact key, token count, MinHash). */
void kh__fingerprint_seq(const kh__tokseq *seq, kh_fingerprint *fp);

/* ---- Interface to code in ngrams.c ---- */

/* Sorted, duplicate-free n-gram hash sets of one text, n = 1..3. */
typedef struct kh__ngramset {
  uint64_t *v; /* sorted ascending */
  uint32_t n;  /* distinct n-grams */
} kh__ngramset;

/* Build the sorted set of w-gram hashes of seq.  Returns 0 or KH_ENOMEM. */
int kh__ngramset_build(const kh__tokseq *seq, unsigned w, kh__ngramset *out);
void kh__ngramset_free(kh__ngramset *s);
/* Number of matched pairs of equal elements in two ascending arrays. */
uint32_t kh__sorted_common(const uint64_t *a, uint32_t na, const uint64_t *b, uint32_t nb);
/* Number of elements common to two sorted sets. */
uint32_t kh__ngramset_common(const kh__ngramset *a, const kh__ngramset *b);

/* ---- Interface to code in passages.c ---- */

/* Greedy string tiling between token sequences a and b: maximal common
** runs of at least minlen tokens, longest first, no token in two tiles.
** *out (kh__malloc'd, caller frees) receives the tiles sorted by their
** position in a, with token indexes in start/end fields (not bytes). */
int kh__tile(const kh__tokseq *a, const kh__tokseq *b, unsigned minlen, kh_passage **out,
             size_t *nout);

/* ---- Interface to code in align.c ---- */

#define KH__ALIGN_MAX 2048u /* sentences of one text looked at */

typedef struct kh__align_stats {
  double mean_ab; /* token-weighted mean over a's sentences of the best share
                  ** of its distinct words found in one sentence of b */
  double high_ab; /* share of a's tokens in sentences whose best is >= 0.5 */
  double mean_ba, high_ba; /* the same from b's side */
  double clause_ab;        /* the same for a's clauses against b's sentences, content words */
  double clause_high_ab;   /* share of a's content tokens in clauses >= 0.5 found */
  double clause_new_ab;    /* share of a's content tokens in clauses < 0.3 found */
  double clause_ba, clause_high_ba, clause_new_ba; /* from b's side */
} kh__align_stats;

/* Sentence alignment figures of a against b.  Returns 0 or KH_ENOMEM. */
int kh__align(const kh__tokseq *a, const kh__tokseq *b, kh__align_stats *st);

/* ---- Interface to code in overlap.c ---- */

#define KH__LCS_MAX 2048u /* content words of each text in the LCS */

typedef struct kh__overlap_stats {
  double words_ab, words_ba;     /* share of a's (b's) distinct content words found in b (a) */
  double numbers_ab, numbers_ba; /* the same for distinct numbers (0 when there are none) */
  double order_ab, order_ba;     /* LCS of the content-word sequences over a's (b's) length */
} kh__overlap_stats;

/* Content-word overlap figures of a and b.  Returns 0 or KH_ENOMEM. */
int kh__overlap(const kh__tokseq *a, const kh__tokseq *b, kh__overlap_stats *st);

/* ---- Interface to code in classify.c ---- */

/* Label (KH_REUSE_*) and class probabilities of a scored pair: is b
** derived from a (b_from_a = 1), or a from b (0)? */
int kh__reuse_classify(const kh_reuse *r, int b_from_a, double prob[3]);
/* Feature vector of a scored pair for the classifier (KH__NFEAT values),
** asking whether b is derived from a (b_from_a = 1) or a from b (0). */
#define KH__NFEAT 20
void kh__reuse_features(const kh_reuse *r, int b_from_a, double f[KH__NFEAT]);

/* ---- Interface to code in db.c ---- */

/* LSH rows are grouped by epoch (see db.c's header): level 0 is the block
** rowid >> KH__LSH_EPOCH_SHIFT; a level-L epoch is (L << KH__LSH_LEVEL_SHIFT)
** | its first block and spans KH__LSH_FANOUT^L blocks. */
#define KH__LSH_EPOCH_SHIFT 12
#define KH__LSH_FANOUT 16
#define KH__LSH_LEVELS 2 /* levels 0 and 1 */
#define KH__LSH_LEVEL_SHIFT 48
#define KH__LSH_BLOCK_MASK ((INT64_C(1) << KH__LSH_LEVEL_SHIFT) - 1)

struct sqlite3;
struct sqlite3_stmt;
/* Column i of a row as text (NULL when NULL), its length in *n. */
const char *kh__col_text(struct sqlite3_stmt *st, int i, size_t *n);
/* The text an article is fingerprinted by: its body, or its title when it
** has none. */
void kh__fp_text(const char *title, size_t tlen, const char *body, size_t blen, const char **t, size_t *n);
/* Grow *p (cap elements of elem bytes) to hold need; 0 or KH_ENOMEM. */
int kh__grow_buf(void **p, size_t *cap, size_t need, size_t elem);

#define KH__BUCKET_CAP 64 /* rows read from one LSH bucket (the most recent) */

/* For benches (bench/story_scale.c): with on, the attached corpus hook adds
** up the thread CPU seconds of its parts into cpu[0] story assignment (add
** and flush), cpu[1] fingerprint and LSH rows (incl. merges), cpu[2] the
** epoch merges alone; the sums so far are copied to cpu (may be NULL).
** KH_EINVAL without the hook. */
int kh__corpus_timing(kh_db *db, int on, double cpu[3]);
/* Articles whose fingerprint and term counts the hook took from its
** prepare (the ingest worker) since attach; -1 if not attached. */
int64_t kh__corpus_prepared(kh_db *db);
/* Of the last pipelined ingest: out[0] articles whose story was assigned on
** the worker, out[1] the article number from which the writer assigned
** them (0: none). */
void kh__corpus_ahead(kh_db *db, int64_t out[2]);

/* ---- Interface to code in lsh.c: the LSH rows, packed (corpus_lshp) ---- */

#define KH__LSH_PART_BITS 12 /* a part: the keys with the same top 12 bits */
#define KH__LSH_ENT 12       /* bytes an entry: key (8), rowid - epoch's first (4) */

/* One LSH row: a band key of an article. */
typedef struct kh__band_row {
  int64_t key, rowid;
} kh__band_row;

/* qsort order of rows for kh__lsh_put: block (rowid >> 12), key as
** unsigned, rowid. */
int kh__lsh_cmp(const void *x, const void *y);
/* Add rows[0..n), sorted by kh__lsh_cmp, to their level-0 epochs (a row
** already there is kept once).  0 or a code. */
int kh__lsh_put(struct sqlite3 *sql, const kh__band_row *rows, size_t n);
/* Move every level-0 epoch of a group complete before top_block's group
** into its level-1 epoch; *groups (may be NULL) counts the groups moved. */
int kh__lsh_merge(struct sqlite3 *sql, int64_t top_block, int64_t *groups);
/* The epochs present, newest first (kh__free *ep). */
int kh__lsh_epochs(struct sqlite3 *sql, int64_t **ep, size_t *n);
/* The rowids (not self) of key in one epoch, the most recent first, at
** most cap into out; get is "SELECT data FROM corpus_lshp WHERE id = ?1". */
int kh__lsh_probe(struct sqlite3_stmt *get, int64_t epoch, uint64_t key, int64_t self, size_t cap, int64_t *out,
                  size_t *n);
/* cb for each key held by more than one article: its first KH__BUCKET_CAP
** rowids, ascending; in key order.  A non-zero cb result stops and is
** returned. */
int kh__lsh_buckets(struct sqlite3 *sql, int (*cb)(void *ctx, const int64_t *rowids, size_t n), void *ctx);
/* Tests: TEMP table lsh_rows(epoch, key, rowid), one row per entry. */
int kh__lsh_rows_table(struct sqlite3 *sql);

/* ---- Interface to code in reuse_db.c ---- */

/* qsort comparison of int64_t. */
int kh__cmp_i64(const void *x, const void *y);

/* The LSH + exact-key + story candidates of stored article rowid, as
** kh_corpus_reuse gathers them (no scoring): their count and the number
** of LSH epochs.  0, KH_ENOTFOUND or a code. */
int kh__corpus_lookup(kh_db *db, int64_t rowid, size_t *ncand, size_t *nepochs);

/* ---- Interface to code in story.c and story_write.c ---- */

#define KH_STORY_JOIN 0.35          /* similarity to a story to join it */
#define KH_STORY_TITLE_WEIGHT 6.0   /* a title word counts as this many body words */
#define KH_STORY_IDF_POWER 2.0      /* term weight (1 + log tf) * idf^p */
#define KH_STORY_IDF_MIN_DOCS 100   /* the IDF counts at least this many articles (a new database) */
#define KH_STORY_THREAD 0.15        /* ... to link a new story into that story's thread */
#define KH_STORY_ENTITY_WEIGHT (-1) /* share of the similarity from shared entities (<0: none) */
#define KH_STORY_WINDOW_DAYS 3      /* a story takes articles within this many days of its span */
#define KH_THREAD_WINDOW_DAYS 60    /* threads link stories this far apart */
#define KH_STORY_ACTIVE 10000       /* stories updated in the last N articles are candidates */
#define KH__UNDATED_WINDOW 5000     /* undated articles: stories updated in the last N articles */
#define KH__VEC_TERMS 40            /* terms in an article vector */
#define KH__CENTROID_TERMS 100      /* terms in a story centroid */

/* A term of a sparse vector. */
typedef struct kh__tv {
  uint64_t term; /* token hash */
  float w;       /* weight */
} kh__tv;

typedef struct kh_db kh_db;
/* The story state of one connection (active stories, their term index,
** cached document frequencies).  Opaque. */
typedef struct kh__stories kh__stories;
/* New empty state with options o (NULL or zero fields: defaults). */
int kh__stories_new(const kh_story_opts *o, kh__stories **out);
void kh__stories_free(kh__stories *s);
/* Sizes of the in-memory state, MB, appended to a line (KHABAR_INGEST_MEM). */
void kh__stories_mem(const kh__stories *s, FILE *f);
/* The weight of a title word in the term counts (the title_weight option). */
double kh__stories_title_weight(const kh__stories *s);
/* Assign a newly stored article to a story (inside the write batch).
** counts: its raw term counts (title words weighted by
** kh__stories_title_weight, stopwords left out),
** sorted and merged by kh__tv_merge, or NULL to count here (counts is
** modified, and stays the caller's). */
int kh__story_add(kh__stories *s, kh_db *db, int64_t rowid, const kh_article *a, kh__tv *counts,
                  size_t ncounts);
/* Sort v by term and add up the weights of equal terms; returns the new length. */
size_t kh__tv_merge(kh__tv *v, size_t n);
/* Write the state into the open batch (before its COMMIT).  0 or a code;
** on failure the state is dropped (the caller rolls the batch back). */
int kh__stories_flush(kh__stories *s, kh_db *db);
/* Forget the state after a rollback (read again on the next article). */
void kh__stories_discard(kh__stories *s);
/* ---- assignment ahead of the writer (the ingest worker thread) ----
** During a pipelined ingest the worker assigns each prepared article in
** input order (kh__story_ahead: the same computation as kh__story_add, on
** the same state, without the database) and hands the writer a change: the
** member row, the story's row after the article, the article's terms'
** document frequencies after it.  The writer keeps the changes of the open
** batch in a log (kh__story_log_*) and writes them at the flush: the rows
** the sequential kh__stories_flush would write.  Valid while the articles
** the worker assigned are the ones stored, in order: a change whose number
** is not the next one (a duplicate was skipped, another writer changed the
** stories), or a missing change, makes the writer write its log, stop the
** worker's assignments and go back to kh__story_add (state read again). */
typedef struct kh__story_change kh__story_change;
typedef struct kh__story_log kh__story_log;
/* On the writer, before the worker starts: load the state (all stored
** document frequencies too) and switch s to ahead mode.  0, or a code: no
** ahead mode (entity weights on, an open batch, too many terms). */
int kh__stories_ahead_begin(kh__stories *s, kh_db *db, int64_t *ndocs);
/* On the worker: assign the next article (counts as for kh__story_add, not
** modified); the change into *out.  A failure leaves s unusable until
** kh__stories_ahead_end. */
int kh__story_ahead(kh__stories *s, const kh_article *a, const kh__tv *counts, size_t ncounts,
                    kh__story_change **out);
/* On the writer once the worker stopped assigning: leave ahead mode; the
** state is read again from the database by the next kh__story_add. */
void kh__stories_ahead_end(kh__stories *s);
/* The article number (corpus_meta ndocs after it) a change is for. */
int64_t kh__story_change_seq(const kh__story_change *ch);
void kh__story_change_free(kh__story_change *ch);
int kh__story_log_new(kh__story_log **out);
void kh__story_log_free(kh__story_log *l);
void kh__story_log_mem(const kh__story_log *l, FILE *f);
/* Add article rowid's change (the log owns it then). */
int kh__story_log_add(kh__story_log *l, int64_t rowid, kh__story_change *ch);
/* Write the logged rows into the open batch (df, ndocs, stories, members)
** and empty the log.  0 or a code. */
int kh__story_log_flush(kh__story_log *l, kh_db *db);
/* Empty the log without writing (rollback). */
void kh__story_log_clear(kh__story_log *l);
/* corpus_meta ndocs as stored (another writer's changes show there). */
int64_t kh__stories_stored_ndocs(kh_db *db, int *rc);

/* Dot product of two term-sorted sparse vectors. */
double kh__tv_dot(const kh__tv *a, size_t na, const kh__tv *b, size_t nb);
/* Decode a stored vector (12 bytes a term) into out (at most cap terms). */
size_t kh__tv_from_blob(const void *blob, size_t bytes, kh__tv *out, size_t cap);

#endif
