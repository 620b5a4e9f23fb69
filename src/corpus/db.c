/*
** db.c — the corpus layer in the store: fingerprints and LSH bands kept per
** article, stories (public API in khabar.h; the reuse lookup and the
** duplicate groups that read them: reuse_db.c).
**
**   kh_db *db; kh_db_open("khabar.db", &db);
**   kh_corpus_attach(db);            // ingest now fingerprints and clusters
**   kh_ingest_path(db, "news.jsonl", NULL, NULL);
**   kh_corpus_reuse(db, "express-12", print_hit, NULL);
**
** Each new article gets one corpus_fp row and KH_LSH_BANDS LSH rows, kept
** packed in corpus_lshp (lsh.c; schema steps 3, 5 and 11 in
** src/store/schema.c) and written once per batch.  LSH rows are grouped by
** epoch, tiered like a log-structured merge tree: a new row goes to the
** level-0 epoch of its block of 4,096 rowids (epoch = rowid >> 12), so an
** ingest only rewrites the newest epoch's parts however large the table
** is; when 16 blocks are complete their rows are rewritten, once, into one
** level-1 epoch of 65,536 rowids, (1 << 48) | its first block
** (KH__LSH_FANOUT, KH__LSH_LEVELS).  Looking up the articles a text may
** share passages with reads one part per band and epoch, each band capped
** at KH__BUCKET_CAP rows (the most recent): at most 16 level-0 epochs plus
** one level-1 epoch per 65,536 articles, i.e. 3 epochs at 10k articles, 8
** at 100k, 16-31 at 1M, and 153-168 at 10M: bounded up to the millions,
** linear (1/65,536) beyond.  A third level would bound it for good.
** MinHash-LSH finds copies (high shingle resemblance) but misses
** rewrites, whose shingle resemblance is low (COUNTER's WD pairs: 0.75 of
** them share a band, PD 0.24), so the members of the article's story are
** candidates too.  Candidates are then scored in full by kh_reuse_compare.
*/
#include "corpus.h"
#include "../store/store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define KH__STR(x) #x
#define KH__STRX(x) KH__STR(x)

/* Text used for fingerprints: the body, or the title when there is none. */
void kh__fp_text(const char *title, size_t tlen, const char *body, size_t blen, const char **t,
                 size_t *n) {
  if (blen) {
    *t = body;
    *n = blen;
  } else {
    *t = title ? title : "";
    *n = title ? tlen : 0;
  }
}

/* The corpus hook's state for one connection. */
typedef struct corpus {
  kh__stories *stories;
  sqlite3_stmt *ins_fp;
  /* rows of the open batch, written at the flush: a write statement per
  ** article would make FTS5 flush its pending terms at every statement
  ** savepoint (one tiny segment per article) */
  struct fp_row {
    int64_t rowid;
    kh_fingerprint fp;
  } *fps;
  size_t nfps, capfps;
  kh__band_row *bands, *bands2; /* LSH rows of the open batch, written sorted at the flush; sort_bands' scratch */
  size_t nbands, capbands, capbands2;
  int64_t top_rowid; /* the largest rowid given LSH rows this batch */
  int timing;        /* kh__corpus_timing: add up the CPU time of the parts */
  int64_t prepared;  /* articles whose on_prepare result was used */
  double cpu[3];     /* story assignment, fingerprint + LSH rows, epoch merges */
  /* one article's tokens, taken from the store's token cache */
  kh__tv *tv;
  size_t ntv, captv;
  uint64_t *h;
  uint32_t nh, caph;
  /* stories assigned ahead by the ingest worker (on_begin .. on_end; story_write.c) */
  kh__story_log *log;  /* the open batch's changes (writer) */
  pthread_mutex_t amu; /* wstop, and the stories while the worker assigns */
  int amu_ok;
  int ahead;           /* writer: the changes come from the worker */
  int wstop;           /* the worker assigns no more (amu) */
  int64_t expect;      /* writer: number of the last article whose change was logged */
  int64_t ndocs_db;    /* writer: corpus_meta ndocs after the last flush */
  int64_t nahead;      /* articles whose change was used (KHABAR_INGEST_WAITS=1 prints it) */
  int64_t stopped_at;  /* the article number where the writer took over again (0: never) */
} corpus;

/* Thread CPU seconds (kh__corpus_timing only). */
static double thread_cpu(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int put_fp(corpus *c, int64_t rowid, const kh_fingerprint *fp) {
  if (c->nfps == c->capfps) {
    size_t cap = c->capfps ? 2 * c->capfps : 64;
    struct fp_row *f = kh__realloc(c->fps, cap * sizeof *f);
    if (!f) return KH_ENOMEM;
    c->fps = f;
    c->capfps = cap;
  }
  c->fps[c->nfps].rowid = rowid;
  c->fps[c->nfps++].fp = *fp;
  if (!fp->ntokens) return 0; /* an empty text is nobody's copy */
  uint64_t bands[KH_LSH_BANDS];
  kh_fingerprint_bands(fp, bands);
  if (c->nbands + KH_LSH_BANDS > c->capbands) {
    size_t cap = c->capbands ? 2 * c->capbands : 64 * (size_t)KH_LSH_BANDS;
    kh__band_row *b = kh__realloc(c->bands, cap * sizeof *b);
    if (!b) return KH_ENOMEM;
    c->bands = b;
    c->capbands = cap;
  }
  for (unsigned i = 0; i < KH_LSH_BANDS; i++) c->bands[c->nbands++] = (kh__band_row){(int64_t)bands[i], rowid};
  if (rowid > c->top_rowid) c->top_rowid = rowid;
  return 0;
}

static int flush_fps(corpus *c, kh_db *db) {
  if (!c->nfps) return 0;
  if (!c->ins_fp && sqlite3_prepare_v3(db->sql,
                                       "INSERT OR REPLACE INTO corpus_fp(rowid, exact, ntokens, minhash) "
                                       "VALUES (?, ?, ?, ?)",
                                       -1, SQLITE_PREPARE_PERSISTENT, &c->ins_fp, NULL) != SQLITE_OK)
    return KH_EDB;
  sqlite3_stmt *st = c->ins_fp;
  int rc = 0;
  for (size_t i = 0; i < c->nfps && !rc; i++) {
    const kh_fingerprint *fp = &c->fps[i].fp;
    unsigned char blob[KH_MINHASH_K * 4];
    for (unsigned k = 0; k < KH_MINHASH_K; k++)
      for (unsigned b = 0; b < 4; b++) blob[4 * k + b] = (unsigned char)(fp->minhash[k] >> (8 * b));
    sqlite3_bind_int64(st, 1, c->fps[i].rowid);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)fp->exact);
    sqlite3_bind_int64(st, 3, fp->ntokens);
    sqlite3_bind_blob(st, 4, blob, sizeof blob, SQLITE_STATIC);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : KH_EDB;
    sqlite3_reset(st);
  }
  c->nfps = 0;
  return rc;
}

/* Sort the batch's LSH rows as kh__lsh_cmp does.  An ingest adds them in
** rowid order: then a stable radix sort (LSD: the key's 8 bytes, then the
** epoch's) gives that order without comparisons (qsort was 1.6% of the
** writer thread at 100k, perf); otherwise, or without memory, qsort. */
static void sort_bands(corpus *c) {
  size_t n = c->nbands;
  kh__band_row *a = c->bands;
  int ordered = n >= 1024;
  for (size_t i = 1; ordered && i < n; i++) ordered = a[i - 1].rowid <= a[i].rowid;
  int64_t e0 = a[0].rowid >> KH__LSH_EPOCH_SHIFT, span = ordered ? (a[n - 1].rowid >> KH__LSH_EPOCH_SHIFT) - e0 : 0;
  if (ordered && span < 65536 && n > c->capbands2) {
    kh__band_row *b = kh__realloc(c->bands2, c->capbands * sizeof *b);
    if (b) {
      c->bands2 = b;
      c->capbands2 = c->capbands;
    }
  }
  if (!ordered || span >= 65536 || n > c->capbands2) {
    qsort(a, n, sizeof *a, kh__lsh_cmp);
    return;
  }
  kh__band_row *b = c->bands2;
  int passes = 8 + (span > 0) + (span > 255);
  for (int p = 0; p < passes; p++) {
    size_t cnt[256] = {0};
#define KH__BAND_BYTE(r) \
  (p < 8 ? (unsigned)((uint64_t)(r).key >> (8 * p)) & 255u \
         : (unsigned)((uint64_t)(((r).rowid >> KH__LSH_EPOCH_SHIFT) - e0) >> (8 * (p - 8))) & 255u)
    for (size_t i = 0; i < n; i++) cnt[KH__BAND_BYTE(a[i])]++;
    size_t at = 0;
    for (int k = 0; k < 256; k++) {
      size_t m = cnt[k];
      cnt[k] = at;
      at += m;
    }
    for (size_t i = 0; i < n; i++) b[cnt[KH__BAND_BYTE(a[i])]++] = a[i];
#undef KH__BAND_BYTE
    kh__band_row *t = a;
    a = b;
    b = t;
  }
  if (a != c->bands) { /* an odd number of passes: the result is in the scratch */
    c->bands2 = c->bands;
    c->bands = a;
    size_t cap = c->capbands2;
    c->capbands2 = c->capbands;
    c->capbands = cap;
  }
}

/* Write the batch's LSH rows (lsh.c: the parts of their blocks), then
** merge the groups of epochs that became complete. */
static int flush_bands(corpus *c, kh_db *db) {
  int rc = 0;
  int64_t top = c->top_rowid ? c->top_rowid >> KH__LSH_EPOCH_SHIFT : -1;
  if (c->nbands) {
    sort_bands(c);
    rc = kh__lsh_put(db->sql, c->bands, c->nbands);
    c->nbands = 0;
  }
  c->top_rowid = 0;
  double t0 = c->timing ? thread_cpu() : 0;
  if (!rc && top >= KH__LSH_FANOUT) rc = kh__lsh_merge(db->sql, top, NULL);
  if (c->timing) c->cpu[2] += thread_cpu() - t0;
  return rc;
}

static corpus *attached(kh_db *db);

int kh__grow_buf(void **p, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return 0;
  size_t c = *cap ? *cap : 256;
  while (c < need) c *= 2;
  void *q = kh__realloc(*p, c * elem);
  if (!q) return KH_ENOMEM;
  *p = q;
  *cap = c;
  return 0;
}

/* The tokens the store cached for text t[0..n), if it holds that text. */
static const kh__tokcache *cached(kh_db *db, int i, const char *t, size_t n) {
  const kh__tokcache *c = &db->cache[i];
  return c->len == n && (n == 0 || c->text == t) ? c : NULL;
}

/* Token hashes of the body (or the title without one) into h, and the term
** counts of title (each word weighing title_weight) and body into tv
** (merged: sorted by term), from the store's token caches: the tokens are
** the ones kh__tokens would give (kh_tokenize, flags 0, colocated
** alternatives skipped), so nothing is tokenized again.  h and tv hold
** title->n + body->n entries.  Pure: also run on the ingest worker. */
static void tokens_to(double title_weight, const kh__tokcache *title, const kh__tokcache *body, uint64_t *h,
                      uint32_t *nh, kh__tv *tv, size_t *ntv) {
  size_t n = 0;
  uint32_t k = 0;
  const kh__tokcache *fpc = body->len ? body : title; /* as fp_text */
  for (int f = 0; f < 2; f++) {
    const kh__tokcache *tc = f ? body : title;
    float w = f ? 1.0f : (float)title_weight;
    for (size_t i = 0; i < tc->n; i++) {
      const kh__tokrec *r = &tc->v[i];
      if (r->flags & KH_TOKF_COLOC) continue;
      const char *norm = tc->norms.data + r->off;
      uint64_t hv = kh__hash_bytes(norm, r->len);
      if (tc == fpc) h[k++] = hv;
      /* a word's stopword flag is the tokenizer's (kh_is_stopword of this form) */
      if (r->len > 2 && !(r->kind == KH_TOK_WORD ? r->flags & KH_TOKF_STOP : kh_is_stopword(norm, r->len)))
        tv[n++] = (kh__tv){hv, w};
    }
  }
  *nh = k;
  *ntv = kh__tv_merge(tv, n);
}

static int from_cache(corpus *c, const kh__tokcache *title, const kh__tokcache *body) {
  size_t need = title->n + body->n + 1;
  size_t caph = c->caph;
  if (kh__grow_buf((void **)&c->tv, &c->captv, need, sizeof *c->tv) ||
      kh__grow_buf((void **)&c->h, &caph, need, sizeof *c->h))
    return KH_ENOMEM;
  c->caph = (uint32_t)caph;
  tokens_to(kh__stories_title_weight(c->stories), title, body, c->h, &c->nh, c->tv, &c->ntv);
  return 0;
}

/* What the ingest worker computes for one article (on_prepare): its
** fingerprint and its merged term counts, tv[0..ntv) after the struct. */
typedef struct prepared {
  kh_fingerprint fp;
  kh__story_change *ch; /* the story assignment made on the worker (on_ordered) */
  size_t ntv;
  kh__tv tv[];
} prepared;

/* The hook's pure per-article work, on the ingest worker thread: the same
** fingerprint and term counts on_put computes from the store's token
** caches (NULL when on_put must do it itself: too many tokens, or no
** memory).  Reads only the stories' options, set at attach time. */
static void *on_prepare(void *ctx, const kh_article *a, const kh__tokcache *tc) {
  corpus *c = ctx;
  (void)a;
  size_t need = tc[0].n + tc[1].n + 1;
  if (tc[0].n + tc[1].n >= KH__CORPUS_MAX_TOKENS) return NULL;
  prepared *p = kh__malloc(sizeof *p + need * sizeof(kh__tv));
  uint64_t *h = kh__malloc(need * sizeof *h);
  if (!p || !h) {
    kh__free(p);
    kh__free(h);
    return NULL;
  }
  p->ch = NULL;
  kh__tokseq seq = {0};
  seq.h = h;
  tokens_to(kh__stories_title_weight(c->stories), &tc[0], &tc[1], h, &seq.n, p->tv, &p->ntv);
  kh__fingerprint_seq(&seq, &p->fp);
  kh__free(h);
  return p;
}

static void on_drop(void *ctx, void *prep) {
  (void)ctx;
  if (prep) kh__story_change_free(((prepared *)prep)->ch);
  kh__free(prep);
}

/* ---- stories assigned ahead (story_write.c: kh__story_ahead) ---- */

/* Writer: the worker assigns no more; the log's changes go into the open
** batch (write) or are dropped (rollback), and the stories are read again
** from the database by the next kh__story_add. */
static int ahead_stop(corpus *c, kh_db *db, int write) {
  pthread_mutex_lock(&c->amu);
  c->wstop = 1;
  pthread_mutex_unlock(&c->amu);
  int rc = write ? kh__story_log_flush(c->log, db) : 0;
  kh__story_log_clear(c->log);
  kh__stories_ahead_end(c->stories);
  c->ahead = 0;
  c->stopped_at = c->expect + 1;
  return rc;
}

/* Writer: log the worker's change for article rowid when it is the next
** article's (*used = 1); otherwise stop assigning ahead. */
static int take_change(corpus *c, kh_db *db, int64_t rowid, prepared *p, int *used) {
  int rc = 0;
  *used = 0;
  if (db->batch == 0) { /* a batch starts: did another writer change the stories meanwhile? */
    int64_t stored = kh__stories_stored_ndocs(db, &rc);
    if (rc) return rc;
    if (stored != c->ndocs_db) return ahead_stop(c, db, 1);
  }
  if (!p->ch || kh__story_change_seq(p->ch) != c->expect + 1) return ahead_stop(c, db, 1);
  rc = kh__story_log_add(c->log, rowid, p->ch);
  p->ch = NULL;
  if (rc) return rc;
  c->expect++;
  c->nahead++;
  *used = 1;
  return 0;
}

/* Writer: before assigning here, no change may wait in the log (ahead mode
** over, or the ingest's last batch). */
static int sync_ready(corpus *c, kh_db *db) {
  if (c->ahead) return ahead_stop(c, db, 1);
  return kh__story_log_flush(c->log, db);
}

/* Writer, before the ingest worker starts: assign ahead if the stories allow. */
static int on_begin(void *ctx, kh_db *db) {
  corpus *c = ctx;
  if (!c->amu_ok || c->ahead) return KH_EINVAL;
  if (!c->log && kh__story_log_new(&c->log)) return KH_ENOMEM;
  int64_t nd;
  if (kh__story_log_flush(c->log, db) || kh__stories_ahead_begin(c->stories, db, &nd)) return KH_EINVAL;
  c->expect = c->ndocs_db = nd;
  c->wstop = 0;
  c->ahead = 1;
  c->nahead = c->stopped_at = 0;
  return 0;
}

/* Worker, in input order: assign the article; its change rides in prep. */
static void on_ordered(void *ctx, void *prep, const kh_article *a) {
  corpus *c = ctx;
  prepared *p = prep;
  pthread_mutex_lock(&c->amu);
  if (!c->wstop && kh__story_ahead(c->stories, a, p->tv, p->ntv, &p->ch)) c->wstop = 1;
  pthread_mutex_unlock(&c->amu);
}

/* Writer, once the worker stopped: the log keeps the open batch's changes
** for its flush. */
static void on_end(void *ctx, kh_db *db) {
  corpus *c = ctx;
  (void)db;
  const char *w = getenv("KHABAR_INGEST_WAITS");
  if (w && *w == '1') {
    if (c->stopped_at)
      fprintf(stderr, "ingest stories: %lld articles assigned on the worker, then on the writer from article %lld\n",
              (long long)c->nahead, (long long)c->stopped_at);
    else
      fprintf(stderr, "ingest stories: %lld articles assigned on the worker\n", (long long)c->nahead);
  }
  if (c->ahead) {
    c->wstop = 1;
    kh__stories_ahead_end(c->stories);
    c->ahead = 0;
  }
}

static int story_add(corpus *c, kh_db *db, int64_t rowid, const kh_article *a, kh__tv *tv, size_t ntv) {
  if (!c->timing) return kh__story_add(c->stories, db, rowid, a, tv, ntv);
  double t0 = thread_cpu();
  int rc = kh__story_add(c->stories, db, rowid, a, tv, ntv);
  c->cpu[0] += thread_cpu() - t0;
  return rc;
}

/* The put hook: fingerprint, bands, story. */
static int on_put(void *ctx, kh_db *db, int64_t rowid, const kh_article *a) {
  corpus *c = ctx;
  kh_fingerprint fp;
  int rc;
  double t0 = c->timing ? thread_cpu() : 0;
  prepared *p = kh__db_take_prepared(db);
  if (p) { /* the worker did the pure part (on_prepare), and maybe the story (on_ordered) */
    c->prepared++;
    rc = put_fp(c, rowid, &p->fp);
    if (c->timing) c->cpu[1] += thread_cpu() - t0;
    int used = 0;
    if (!rc && c->ahead) rc = take_change(c, db, rowid, p, &used);
    if (!rc && !used) rc = sync_ready(c, db);
    if (!rc && !used) rc = story_add(c, db, rowid, a, p->tv, p->ntv);
    on_drop(c, p);
    return rc;
  }
  if ((rc = sync_ready(c, db))) return rc;
  const kh__tokcache *tt = cached(db, 0, a->title, a->title_len), *tb = cached(db, 1, a->body, a->body_len);
  if (tt && tb && (tt->n + tb->n) < KH__CORPUS_MAX_TOKENS) {
    if ((rc = from_cache(c, tt, tb))) return rc;
    kh__tokseq seq = {0};
    seq.h = c->h;
    seq.n = c->nh;
    kh__fingerprint_seq(&seq, &fp);
    if ((rc = put_fp(c, rowid, &fp))) return rc;
    if (c->timing) c->cpu[1] += thread_cpu() - t0;
    return story_add(c, db, rowid, a, c->tv, c->ntv);
  }
  const char *t;
  size_t n;
  kh__fp_text(a->title, a->title_len, a->body, a->body_len, &t, &n);
  rc = kh_fingerprint_text(t, n, &fp);
  if (!rc) rc = put_fp(c, rowid, &fp);
  if (c->timing) c->cpu[1] += thread_cpu() - t0;
  if (!rc) rc = story_add(c, db, rowid, a, NULL, 0);
  return rc;
}

static int on_flush(void *ctx, kh_db *db) {
  corpus *c = ctx;
  double t0 = c->timing ? thread_cpu() : 0;
  int rc = flush_fps(c, db);
  int rb = flush_bands(c, db);
  double t1 = c->timing ? thread_cpu() : 0;
  int rl = kh__story_log_flush(c->log, db);
  if (!rl && c->ahead) c->ndocs_db = c->expect;
  int rs = c->ahead ? 0 : kh__stories_flush(c->stories, db); /* the worker's while ahead */
  if (rl) rs = rl;
  if (c->timing) {
    c->cpu[1] += t1 - t0;
    c->cpu[0] += thread_cpu() - t1;
  }
  return rc ? rc : rb ? rb : rs;
}

static void on_discard(void *ctx) {
  corpus *c = ctx;
  c->nbands = c->nfps = 0;
  c->top_rowid = 0;
  if (c->ahead) ahead_stop(c, NULL, 0);
  kh__story_log_clear(c->log);
  kh__stories_discard(c->stories);
}

static void on_release(void *ctx) {
  corpus *c = ctx;
  sqlite3_finalize(c->ins_fp);
  kh__stories_free(c->stories);
  kh__story_log_free(c->log);
  if (c->amu_ok) pthread_mutex_destroy(&c->amu);
  kh__free(c->bands);
  kh__free(c->bands2);
  kh__free(c->fps);
  kh__free(c->tv);
  kh__free(c->h);
  kh__free(c);
}

/* KHABAR_INGEST_MEM: the sizes of the hook's memory (writer thread; the
** stories under amu, the worker may be assigning). */
static void on_mem(void *ctx, FILE *f) {
  corpus *c = ctx;
  fprintf(f, " corpus: fps %.1f bands %.1f tv %.1f", c->capfps * sizeof *c->fps / 1e6,
          (c->capbands + c->capbands2) * sizeof *c->bands / 1e6, (c->captv * sizeof *c->tv + c->caph * sizeof *c->h) / 1e6);
  kh__story_log_mem(c->log, f);
  if (c->amu_ok) pthread_mutex_lock(&c->amu);
  kh__stories_mem(c->stories, f);
  if (c->amu_ok) pthread_mutex_unlock(&c->amu);
}

static const kh__hook_ops corpus_ops = {on_flush, on_discard, on_release, on_prepare, on_drop, on_mem};
static const kh__hook_order corpus_order = {on_begin, on_ordered, on_end};

int kh_corpus_attach_opts(kh_db *db, const kh_story_opts *o) {
  if (!db) return KH_EINVAL;
  for (int i = 0; i < db->nhooks; i++)
    if (db->hooks[i].fn == on_put) return 0;
  /* the corpus tables are written at random places once a batch (df,
  ** story rows, LSH keys): a page cache of at least 32 MB keeps their pages
  ** (the working state itself is in memory, story.c); kh_db_open's larger
  ** one is kept (it was lowered to 32 MB here before) */
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(db->sql, "PRAGMA cache_size", -1, &q, NULL) != SQLITE_OK) return KH_EDB;
  int64_t cs = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
  sqlite3_finalize(q);
  if ((cs >= 0 ? cs * 4 : -cs) < 32768 && kh__db_exec(db, "PRAGMA cache_size = -32768")) return KH_EDB;
  corpus *c = kh__calloc(1, sizeof *c);
  if (!c) return KH_ENOMEM;
  int rc = kh__stories_new(o, &c->stories);
  c->amu_ok = pthread_mutex_init(&c->amu, NULL) == 0;
  if (!rc) rc = kh__db_on_put_ops(db, on_put, &corpus_ops, c);
  if (!rc) rc = kh__db_hook_order(db, on_put, &corpus_order);
  if (rc) {
    kh__stories_free(c->stories);
    if (c->amu_ok) pthread_mutex_destroy(&c->amu);
    kh__free(c);
  }
  return rc;
}

int kh_corpus_attach(kh_db *db) { return kh_corpus_attach_opts(db, NULL); }

int kh__corpus_timing(kh_db *db, int on, double cpu[3]) {
  corpus *c = db ? attached(db) : NULL;
  if (!c) return KH_EINVAL;
  c->timing = on;
  if (cpu) memcpy(cpu, c->cpu, sizeof c->cpu);
  return 0;
}

void kh__corpus_ahead(kh_db *db, int64_t out[2]) {
  corpus *c = db ? attached(db) : NULL;
  out[0] = c ? c->nahead : -1;
  out[1] = c ? c->stopped_at : -1;
}

int64_t kh__corpus_prepared(kh_db *db) {
  corpus *c = db ? attached(db) : NULL;
  return c ? c->prepared : -1;
}

const char *kh__col_text(sqlite3_stmt *st, int i, size_t *n) {
  const char *s = (const char *)sqlite3_column_text(st, i);
  *n = s ? (size_t)sqlite3_column_bytes(st, i) : 0;
  return s;
}

static corpus *attached(kh_db *db) {
  for (int i = 0; i < db->nhooks; i++)
    if (db->hooks[i].fn == on_put) return db->hooks[i].ctx;
  return NULL;
}

int kh_corpus_update(kh_db *db, int64_t *added) {
  if (added) *added = 0;
  if (!db) return KH_EINVAL;
  if (!attached(db)) { /* the hook stays attached (its state is needed) */
    int ra = kh_corpus_attach(db);
    if (ra) return ra;
  }
  corpus *c = attached(db);
  int rc = 0;
  int64_t after = 0;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db->sql,
                         "SELECT rowid, id, source, published, title, body FROM article "
                         "WHERE rowid > ? AND rowid NOT IN (SELECT rowid FROM corpus_fp) "
                         "ORDER BY rowid LIMIT " KH__STRX(KH_DB_BATCH),
                         -1, &st, NULL) != SQLITE_OK)
    return KH_EDB;
  /* one batch at a time, so the batch state stays small */
  for (int more = 1; more && !rc;) {
    more = 0;
    if ((rc = kh__db_begin(db))) break;
    sqlite3_bind_int64(st, 1, after);
    while (!rc && sqlite3_step(st) == SQLITE_ROW) {
      kh_article a = {0};
      int64_t rowid = sqlite3_column_int64(st, 0);
      a.id = kh__col_text(st, 1, &a.id_len);
      a.source = kh__col_text(st, 2, &a.source_len);
      a.published = kh__col_text(st, 3, &a.published_len);
      a.title = kh__col_text(st, 4, &a.title_len);
      a.body = kh__col_text(st, 5, &a.body_len);
      rc = on_put(c, db, rowid, &a);
      if (!rc && added) (*added)++;
      after = rowid;
      more = 1;
    }
    sqlite3_reset(st);
    if (rc) kh__db_rollback(db);
    else rc = kh_db_commit(db);
  }
  sqlite3_finalize(st);
  return rc;
}
