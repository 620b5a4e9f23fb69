/*
** tokseq.c — a text as the corpus layer sees it: the 64-bit hashes of its
** normalized tokens, each with its byte span in the original text.
**
**   kh__tokseq s = {0};
**   if (kh__tokseq_build("وزیر اعظم نے کہا", 29, &s) == 0) { s.n == 4 ...; kh__tokseq_free(&s); }
**
** Punctuation is not asked for; colocated alternatives (KH_TOKF_COLOC) are
** skipped so one position gives one hash; fused words arrive split.
*/
#include "corpus.h"

uint64_t kh__hash_bytes(const char *s, size_t n) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < n; i++) {
    h ^= (unsigned char)s[i];
    h *= 0x100000001b3ULL;
  }
  return kh__mix64(h ^ n);
}

typedef struct build_ctx {
  kh__token_sink sink; /* receives each token */
  void *ctx;
  int rc;   /* the sink's error */
  int brk;  /* the next token starts a sentence */
  int clause; /* the next token starts a clause */
  int first;
  unsigned opts;
} build_ctx;

static int grow(kh__tokseq *s) {
  if (s->cap >= KH__CORPUS_MAX_TOKENS) return KH_ETOOBIG;
  uint32_t cap = s->cap ? s->cap * 2 : 256;
  if (cap > KH__CORPUS_MAX_TOKENS) cap = KH__CORPUS_MAX_TOKENS;
  uint64_t *h = kh__realloc(s->h, (size_t)cap * sizeof *h);
  if (!h) return KH_ENOMEM;
  s->h = h;
  uint32_t *st = kh__realloc(s->start, (size_t)cap * sizeof *st);
  if (!st) return KH_ENOMEM;
  s->start = st;
  uint32_t *en = kh__realloc(s->end, (size_t)cap * sizeof *en);
  if (!en) return KH_ENOMEM;
  s->end = en;
  uint8_t *fl = kh__realloc(s->fl, (size_t)cap);
  if (!fl) return KH_ENOMEM;
  s->fl = fl;
  s->cap = cap;
  return 0;
}

static int push(build_ctx *b, const char *norm, size_t n, uint32_t start, uint32_t end, int kind) {
  unsigned fl = b->brk || b->first ? KH__TOK_BRK | KH__TOK_CLAUSE : 0;
  if (b->clause) fl |= KH__TOK_CLAUSE;
  if ((b->opts & KH__TOK_WANTSTOP) && (kh_is_stopword(norm, n) || n <= 2)) fl |= KH__TOK_STOP;
  if (kind == KH_TOK_NUMBER) fl |= KH__TOK_NUM;
  int rc = b->sink(b->ctx, kh__hash_bytes(norm, n), start, end, fl);
  b->brk = b->first = b->clause = 0;
  if (rc) {
    b->rc = rc;
    return 1;
  }
  return 0;
}

/* Bytes of punctuation at norm[i]: ASCII punctuation (except . , between
** digits), Urdu/Arabic ۔ ، ؛ ؟ ٪ ٫ ٬, quotes, dashes, ellipsis; else 0.
** Byte comparisons only: this runs on every byte of every token. */
static size_t punct_at(const char *s, size_t i, size_t n) {
  const unsigned char *u = (const unsigned char *)s;
  unsigned char c = u[i];
  if (c < 0x80) {
    if (!((c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
          (c >= 0x7B && c <= 0x7E)))
      return 0;
    if ((c == '.' || c == ',') && i > 0 && i + 1 < n && s[i - 1] >= '0' && s[i - 1] <= '9' &&
        s[i + 1] >= '0' && s[i + 1] <= '9')
      return 0;
    return 1;
  }
  if (i + 1 >= n) return 0;
  unsigned char d = u[i + 1];
  switch (c) {
  case 0xD8: return d == 0x8C || d == 0x9B || d == 0x9F ? 2 : 0;   /* ، ؛ ؟ */
  case 0xD9: return d == 0xAA || d == 0xAB || d == 0xAC ? 2 : 0;   /* ٪ ٫ ٬ */
  case 0xDB: return d == 0x94 ? 2 : 0;                             /* ۔ */
  case 0xC2: return d == 0xAB || d == 0xBB ? 2 : 0;                /* « » */
  case 0xE2:                                                       /* ‘ ’ “ ” – — … */
    if (i + 2 < n && d == 0x80) {
      unsigned char e = u[i + 2];
      return e == 0x98 || e == 0x99 || e == 0x9C || e == 0x9D || e == 0x93 || e == 0x94 || e == 0xA6 ? 3 : 0;
    }
    return 0;
  case 0xEF: /* ﴾ ﴿ */
    return i + 2 < n && d == 0xB4 && (u[i + 2] == 0xBE || u[i + 2] == 0xBF) ? 3 : 0;
  default: return 0;
  }
}

/* 1 if the punctuation at s[0..n) ends a sentence. */
static int ends_sentence(const char *s, size_t n) {
  const unsigned char *u = (const unsigned char *)s;
  if (n == 1) return s[0] == '.' || s[0] == '!' || s[0] == '?';
  if (n != 2) return 0;
  return (u[0] == 0xDB && u[1] == 0x94) /* ۔ */ || (u[0] == 0xD8 && u[1] == 0x9F); /* ؟ */
}

/* 1 if the punctuation at s[0..n) ends a clause: ، ؛ , ; : */
static int ends_clause(const char *s, size_t n) {
  const unsigned char *u = (const unsigned char *)s;
  if (n == 1) return s[0] == ',' || s[0] == ';' || s[0] == ':';
  return n == 2 && u[0] == 0xD8 && (u[1] == 0x8C || u[1] == 0x9B); /* ، ؛ */
}

/* One token of the text layer.  Punctuation tokens (asked for only when
** sentence starts are wanted) are dropped after marking a sentence end;
** the text layer already splits punctuation off words (ہے۔ہم -> ہے ۔ ہم). */
static int on_token(void *ctx, const kh_token *t) {
  build_ctx *b = ctx;
  if (t->flags & KH_TOKF_COLOC) return 0;
  if (t->kind == KH_TOK_PUNCT) {
    for (size_t i = 0; i < t->norm_len;) {
      size_t p = punct_at(t->norm, i, t->norm_len);
      if (!p) p = 1;
      if (ends_sentence(t->norm + i, p)) b->brk = 1;
      if (ends_clause(t->norm + i, p)) b->clause = 1;
      i += p;
    }
    return 0;
  }
  return push(b, t->norm, t->norm_len, t->start, t->end, t->kind);
}

int kh__tokens(const char *text, size_t len, unsigned opts, kh__token_sink sink, void *ctx) {
  if (len > KH_MAX_TEXT) return KH_ETOOBIG;
  build_ctx b = {sink, ctx, 0, 0, 0, 1, opts};
  int rc = kh_tokenize(text, len, (opts & KH__TOK_WANTBRK) ? KH_TOKENIZE_PUNCT : 0, on_token, &b);
  if (b.rc) return b.rc;
  return rc > 0 ? KH_EINVAL : rc;
}

static int seq_sink(void *ctx, uint64_t h, uint32_t start, uint32_t end, unsigned fl) {
  kh__tokseq *s = ctx;
  if (s->n == s->cap) {
    int rc = grow(s);
    if (rc) return rc;
  }
  s->h[s->n] = h;
  s->start[s->n] = start;
  s->end[s->n] = end;
  s->fl[s->n] = (uint8_t)fl;
  s->n++;
  return 0;
}

int kh__tokseq_build(const char *text, size_t len, kh__tokseq *seq) {
  memset(seq, 0, sizeof *seq);
  int rc = kh__tokens(text, len, KH__TOK_WANTBRK | KH__TOK_WANTSTOP, seq_sink, seq);
  if (rc) kh__tokseq_free(seq);
  return rc;
}

void kh__tokseq_free(kh__tokseq *seq) {
  kh__free(seq->h);
  kh__free(seq->start);
  kh__free(seq->end);
  kh__free(seq->fl);
  memset(seq, 0, sizeof *seq);
}
