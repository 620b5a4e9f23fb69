/*
** fts5.c — khabar's Urdu tokenizer for SQLite FTS5.  One function serves
** documents and queries, so whatever form a user types (diacritics, Arabic
** letters, fused or spaced words, Urdu digits) reaches the same index terms
** as the articles did: kh_tokenize's normalized forms, its fused-word splits
** and colocated alternatives (FTS5_TOKEN_COLOCATED), plus, unless 'nostem',
** each word's light stem colocated with it.  Offsets are those of the
** original text, so FTS5's own highlight() and snippet() work too.
**
**   sqlite> .load build/khabar_fts5
**   sqlite> CREATE VIRTUAL TABLE t USING fts5(x, tokenize='khabar');
**   sqlite> SELECT * FROM t WHERE t MATCH 'پاکستان';
*/
#include "store.h"

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
  int ntok;    /* tokens emitted so far */
} emit_ctx;

static int emit(void *ctx, const kh_token *t) {
  emit_ctx *e = ctx;
  int fl = (t->flags & KH_TOKF_COLOC) && e->ntok ? FTS5_TOKEN_COLOCATED : 0;
  int rc = e->xToken(e->fts_ctx, fl, t->norm, (int)t->norm_len, (int)t->start, (int)t->end);
  if (rc) return rc;
  e->ntok++;
  if (e->stem && t->kind == KH_TOK_WORD) {
    char s[KH_MAX_TOKEN + 1];
    int n = kh_stem(t->norm, t->norm_len, s, sizeof s);
    if (n > 0 && ((uint32_t)n != t->norm_len || memcmp(s, t->norm, (size_t)n)))
      rc = e->xToken(e->fts_ctx, FTS5_TOKEN_COLOCATED, s, n, (int)t->start, (int)t->end);
  }
  return rc;
}

static int ktok_tokenize(Fts5Tokenizer *tok, void *pctx, int flags, const char *text, int n,
                         int (*xToken)(void *, int, const char *, int, int, int)) {
  ktok *t = (ktok *)tok;
  unsigned kf = 0;
  emit_ctx e = {pctx, xToken, !(t->opts & KH__FTS_NOSTEM), 0};
  if (t->opts & KH__FTS_NOSPLIT) kf |= KH_TOKENIZE_NOSPLIT;
  if (flags & FTS5_TOKENIZE_PREFIX) { /* a prefix is not a whole word: no split, no stem */
    kf |= KH_TOKENIZE_NOSPLIT;
    e.stem = 0;
  }
  if (n <= 0 || !text) return SQLITE_OK;
  int rc = kh_tokenize(text, (size_t)n, kf, emit, &e);
  if (rc == KH_ENOMEM) return SQLITE_NOMEM;
  if (rc < 0) return SQLITE_ERROR;
  return rc; /* SQLITE_OK or the xToken code (e.g. SQLITE_DONE) */
}

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
  return api->xCreateTokenizer(api, "khabar", NULL, &tk, NULL) == SQLITE_OK ? 0 : KH_EDB;
}
