/*
** fts5.c — khabar's Urdu tokenizer for SQLite FTS5.  One function serves
** documents and queries, so whatever form a user types (diacritics, Arabic
** letters, fused or spaced words, Urdu digits) reaches the same index terms
** as the articles did: kh_tokenize's normalized forms, its fused-word splits
** and colocated alternatives (FTS5_TOKEN_COLOCATED), plus, unless 'nostem',
** each word's light stem colocated with it.  Offsets are those of the
** original text, so FTS5's own highlight() and snippet() work too.
**
** 'stemonly' (khabar's own files since schema step 10): a document word
** whose light stem differs is indexed under the stem alone, at the same
** position, instead of the word and its stem.  Queries are tokenized as
** before (the word and its stem colocated, so either meets the index), and
** a query matches the same articles with the same BM25 terms: every
** position that held the word also held its stem, and FTS5 counts a
** position once.  The index has ~13% fewer instances (16% of the words of
** news text have another stem), which is that much less for FTS5 to hash,
** flush and merge at ingest.  Two exceptions keep the word: a word ending
** in ات (a listed Arabic plural, اطلاعات -> اطلاع) may itself be the stem
** of another word (دیہاتوں -> دیہات -> دیہ: kh_stem is not idempotent
** there), and a query for that word must still find it; and a prefix
** query, whose word is not stemmed, also asks for its stem as a prefix
** (لڑکے* -> لڑکہ*, since لڑکے is indexed as لڑکہ).  What is lost: a prefix
** that ends inside a stripped ending (کتابی* no longer finds کتابیں,
** indexed as کتاب).
**
**   sqlite> .load build/khabar_fts5
**   sqlite> CREATE VIRTUAL TABLE t USING fts5(x, tokenize='khabar');
**   sqlite> SELECT * FROM t WHERE t MATCH 'پاکستان';
*/
#include "store.h"

#include <math.h>

typedef struct ktok {
  int opts; /* KH__FTS_* */
} ktok;

static int ktok_create(void *pctx, const char **argv, int argc, Fts5Tokenizer **out) {
  (void)pctx;
  int opts = 0;
  for (int i = 0; i < argc; i++) {
    if (!sqlite3_stricmp(argv[i], "nostem")) opts |= KH__FTS_NOSTEM;
    else if (!sqlite3_stricmp(argv[i], "stem")) opts &= ~KH__FTS_NOSTEM;
    else if (!sqlite3_stricmp(argv[i], "nosplit")) opts |= KH__FTS_NOSPLIT;
    else if (!sqlite3_stricmp(argv[i], "skel")) opts |= KH__FTS_SKEL;
    else if (!sqlite3_stricmp(argv[i], "noskel")) opts &= ~KH__FTS_SKEL;
    else if (!sqlite3_stricmp(argv[i], "stemonly")) opts |= KH__FTS_STEMONLY;
    else return SQLITE_ERROR;
  }
  ktok *t = kh__malloc(sizeof *t);
  if (!t) return SQLITE_NOMEM;
  t->opts = opts;
  *out = (Fts5Tokenizer *)t;
  return SQLITE_OK;
}

static void ktok_delete(Fts5Tokenizer *t) { kh_free(t); }

typedef struct emit_ctx {
  void *fts_ctx;
  int (*xToken)(void *, int, const char *, int, int, int);
  int stem;    /* add colocated stems */
  int replace; /* the stem in place of the word (documents, 'stemonly') */
  int skel;    /* add colocated consonant skeletons */
  int ntok;    /* tokens emitted so far */
} emit_ctx;

/* Skeletons only for words of 3+ letters (6 bytes) whose key has 3+ letters:
** shorter keys join too many unrelated words (bench/store_counter.c). */
#define SKEL_MIN_BYTES 6
#define SKEL_MIN_KEY 3

/* Emit one token; stem/stem_len is its light stem when already known
** (stem_len 0: none), or stem_len < 0 to compute it here. */
static int emit_stem(emit_ctx *e, const kh_token *t, const char *stem, int stem_len) {
  int fl = (t->flags & KH_TOKF_COLOC) && e->ntok ? FTS5_TOKEN_COLOCATED : 0;
  char s[KH_MAX_TOKEN + 1];
  int n = 0, rc;
  if (e->stem && t->kind == KH_TOK_WORD) {
    n = stem_len;
    if (n < 0) {
      n = kh_stem(t->norm, t->norm_len, s, sizeof s);
      if (n > 0 && (uint32_t)n == t->norm_len && !memcmp(s, t->norm, (size_t)n)) n = 0;
      stem = s;
    }
  }
  /* 'stemonly': the stem alone, unless the word ends in ات (see the header) */
  int alone = n > 0 && e->replace && !(t->norm_len >= 4 && !memcmp(t->norm + t->norm_len - 4, "ات", 4));
  rc = alone ? e->xToken(e->fts_ctx, fl, stem, n, (int)t->start, (int)t->end)
             : e->xToken(e->fts_ctx, fl, t->norm, (int)t->norm_len, (int)t->start, (int)t->end);
  if (rc) return rc;
  e->ntok++;
  if (n > 0 && !alone) rc = e->xToken(e->fts_ctx, FTS5_TOKEN_COLOCATED, stem, n, (int)t->start, (int)t->end);
  if (!rc && e->skel && t->kind == KH_TOK_WORD && !(t->flags & KH_TOKF_COLOC) &&
      t->norm_len >= SKEL_MIN_BYTES) {
    char *k;
    size_t kn;
    int src = kh_skeleton(t->norm, t->norm_len, &k, &kn);
    if (src == KH_ENOMEM) return SQLITE_NOMEM;
    if (src == 0 && kn >= SKEL_MIN_KEY && kn < KH_MAX_TOKEN) {
      char key[KH_MAX_TOKEN + 2];
      key[0] = '~'; /* keys never collide with words */
      memcpy(key + 1, k, kn);
      rc = e->xToken(e->fts_ctx, FTS5_TOKEN_COLOCATED, key, (int)kn + 1, (int)t->start, (int)t->end);
    }
    kh_free(k);
  }
  return rc;
}

static int emit(void *ctx, const kh_token *t) { return emit_stem(ctx, t, NULL, -1); }

static _Thread_local kh__tokcache *g_cache;
static _Thread_local int g_ncache;

void kh__fts5_use_cache(kh__tokcache *c, int n) {
  g_cache = c;
  g_ncache = c ? n : 0;
}

/* Replay cached tokens of this text, if it is one of the cached texts.
** Returns 1 and sets *rc when it did. */
static int replay(emit_ctx *e, const char *text, int n, int *rc) {
  for (int i = 0; i < g_ncache; i++) {
    kh__tokcache *c = &g_cache[i];
    if (!c->text || c->len != (size_t)n || (c->text != text && memcmp(c->text, text, (size_t)n))) continue;
    *rc = 0;
    for (size_t k = 0; k < c->n && !*rc; k++) {
      const kh__tokrec *r = &c->v[k];
      kh_token t = {c->norms.data + r->off, r->len, r->start, r->end, r->kind, r->flags};
      if (c->dict && r->term && r->kind == KH_TOK_WORD && c->dict->v[r->term - 1].stemmed) {
        /* the stem the dictionary computed when the text was cached */
        uint32_t sid = c->dict->v[r->term - 1].stem;
        const kh__term *st = sid ? &c->dict->v[sid - 1] : NULL;
        *rc = emit_stem(e, &t, st ? c->dict->arena.data + st->off : NULL, st ? (int)st->len : 0);
      } else {
        *rc = emit(e, &t);
      }
    }
    return 1;
  }
  return 0;
}

static int ktok_tokenize(Fts5Tokenizer *tok, void *pctx, int flags, const char *text, int n,
                         int (*xToken)(void *, int, const char *, int, int, int)) {
  ktok *t = (ktok *)tok;
  unsigned kf = 0;
  int stem = !(t->opts & KH__FTS_NOSTEM);
  emit_ctx e = {pctx, xToken, stem, stem && (t->opts & KH__FTS_STEMONLY) && !(flags & FTS5_TOKENIZE_QUERY),
                !!(t->opts & KH__FTS_SKEL), 0};
  if (t->opts & KH__FTS_NOSPLIT) kf |= KH_TOKENIZE_NOSPLIT;
  if (flags & FTS5_TOKENIZE_PREFIX) { /* a prefix is not a whole word: no split, no stem */
    kf |= KH_TOKENIZE_NOSPLIT;
    e.stem = stem && (t->opts & KH__FTS_STEMONLY); /* but its stem too, as the index has it */
    e.skel = 0;
  }
  if (n <= 0 || !text) return SQLITE_OK;
  int rc;
  if (g_ncache && kf == 0 && (flags & FTS5_TOKENIZE_DOCUMENT) && replay(&e, text, n, &rc))
    return rc < 0 ? SQLITE_ERROR : rc;
  rc = kh_tokenize(text, (size_t)n, kf, emit, &e);
  if (rc == KH_ENOMEM) return SQLITE_NOMEM;
  if (rc < 0) return SQLITE_ERROR;
  return rc; /* SQLITE_OK or the xToken code (e.g. SQLITE_DONE) */
}

static void bm25_fn(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int nval,
                    sqlite3_value **val);

static fts5_api *get_fts5_api(sqlite3 *db) {
  fts5_api *api = NULL;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) != SQLITE_OK) return NULL;
  sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
  sqlite3_step(st);
  sqlite3_finalize(st);
  return api;
}

int kh_fts5_register(void *sqlite3_db) {
  sqlite3 *db = sqlite3_db;
  if (!db) return KH_EINVAL;
  fts5_api *api = get_fts5_api(db);
  if (!api || api->iVersion < 2) return KH_EDB;
  static fts5_tokenizer tk = {ktok_create, ktok_delete, ktok_tokenize};
  if (api->xCreateTokenizer(api, "khabar", NULL, &tk, NULL) != SQLITE_OK) return KH_EDB;
  if (api->xCreateFunction(api, "khabar_bm25", NULL, bm25_fn, NULL) != SQLITE_OK) return KH_EDB;
  return kh__rerank_register(api);
}

/* ---- khabar_bm25: BM25 with settable k1 and b ----
** rank = 'khabar_bm25(k1, b, w_col0, w_col1, ...)'.  FTS5's built-in bm25()
** fixes k1 = 1.2, b = 0.75; the store's defaults were chosen on COUNTER
** known-item search (bench/store_counter.c).  Same sign convention as bm25():
** lower is better. */

typedef struct bm25_data {
  int nphrase;
  double avgdl;   /* average row length in tokens, all columns */
  double *idf;    /* per phrase */
  double *freq;   /* scratch: weighted occurrences per phrase */
} bm25_data;

static int count_cb(const Fts5ExtensionApi *api, Fts5Context *fts, void *ud) {
  (void)api;
  (void)fts;
  (*(sqlite3_int64 *)ud)++;
  return SQLITE_OK;
}

static int bm25_setup(const Fts5ExtensionApi *api, Fts5Context *fts, bm25_data **out) {
  bm25_data *d = api->xGetAuxdata(fts, 0);
  if (d) {
    *out = d;
    return SQLITE_OK;
  }
  int np = api->xPhraseCount(fts);
  d = sqlite3_malloc64(sizeof *d + sizeof(double) * 2 * (size_t)(np ? np : 1));
  if (!d) return SQLITE_NOMEM;
  memset(d, 0, sizeof *d);
  d->nphrase = np;
  d->idf = (double *)(d + 1);
  d->freq = d->idf + np;
  sqlite3_int64 nrow = 0, ntok = 0;
  int rc = api->xRowCount(fts, &nrow);
  if (rc == SQLITE_OK) rc = api->xColumnTotalSize(fts, -1, &ntok);
  d->avgdl = nrow ? (double)ntok / (double)nrow : 1;
  for (int i = 0; rc == SQLITE_OK && i < np; i++) {
    sqlite3_int64 nhit = 0;
    rc = api->xQueryPhrase(fts, i, &nhit, count_cb);
    double idf = log((double)(nrow - nhit + 0.5) / ((double)nhit + 0.5));
    d->idf[i] = idf > 1e-6 ? idf : 1e-6;
  }
  if (rc == SQLITE_OK) rc = api->xSetAuxdata(fts, d, sqlite3_free);
  if (rc != SQLITE_OK) {
    sqlite3_free(d);
    return rc;
  }
  *out = d;
  return SQLITE_OK;
}

static void bm25_fn(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int nval,
                    sqlite3_value **val) {
  bm25_data *d;
  int rc = bm25_setup(api, fts, &d);
  if (rc != SQLITE_OK) {
    sqlite3_result_error_code(ctx, rc);
    return;
  }
  double k1 = nval > 0 ? sqlite3_value_double(val[0]) : 1.2;
  double b = nval > 1 ? sqlite3_value_double(val[1]) : 0.75;
  memset(d->freq, 0, sizeof(double) * (size_t)d->nphrase);
  int ninst = 0;
  rc = api->xInstCount(fts, &ninst);
  for (int i = 0; rc == SQLITE_OK && i < ninst; i++) {
    int ip, ic, io;
    rc = api->xInst(fts, i, &ip, &ic, &io);
    if (rc == SQLITE_OK) d->freq[ip] += nval > 2 + ic ? sqlite3_value_double(val[2 + ic]) : 1.0;
  }
  int len = 0;
  if (rc == SQLITE_OK) rc = api->xColumnSize(fts, -1, &len);
  if (rc != SQLITE_OK) {
    sqlite3_result_error_code(ctx, rc);
    return;
  }
  double score = 0, norm = k1 * (1 - b + b * (double)len / d->avgdl);
  for (int i = 0; i < d->nphrase; i++)
    score += d->idf[i] * (d->freq[i] * (k1 + 1)) / (d->freq[i] + norm);
  sqlite3_result_double(ctx, -score);
}
