/*
** fuzz_tokenize.c — libFuzzer target for kh_tokenize under every flag
** combination: tokens come in order, inside the input, with a non-empty
** normalized form of at most KH_MAX_TOKEN bytes.  And the search property:
** the normalized forms, written out with spaces and tokenized again (as
** FTS5 does with a query khabar has rewritten), give the same forms.
**
**   make fuzz && ./build/fuzz/fuzz_tokenize fuzz/corpus/tokenize
*/
#include "khabar.h"

#include <stdlib.h>
#include <string.h>

typedef struct chk {
  size_t len, last_start;
} chk;

static int cb(void *ctx, const kh_token *t) {
  chk *c = ctx;
  if (t->start >= t->end || t->end > c->len) abort();
  if (t->norm_len == 0 || t->norm_len > KH_MAX_TOKEN) abort();
  if (t->start < c->last_start) abort();
  if (t->kind < KH_TOK_WORD || t->kind > KH_TOK_PUNCT) abort();
  volatile char x = t->norm[t->norm_len - 1]; /* readable */
  (void)x;
  c->last_start = t->start;
  return 0;
}

typedef struct forms {
  char *s;
  size_t n, cap;
} forms;

static int collect(void *ctx, const kh_token *t) {
  forms *f = ctx;
  if (f->n + t->norm_len + 2 > f->cap) {
    f->cap = (f->n + t->norm_len + 2) * 2;
    f->s = realloc(f->s, f->cap);
    if (!f->s) abort();
  }
  memcpy(f->s + f->n, t->norm, t->norm_len);
  f->n += t->norm_len;
  f->s[f->n++] = ' ';
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  unsigned flags = size ? data[0] & 0x0F : 0;
  chk c = {size, 0};
  if (kh_tokenize((const char *)data, size, flags, cb, &c) != 0) abort();
  /* search mode (no flags): forms are a fixed point of tokenization */
  forms a = {0}, b = {0};
  if (kh_tokenize((const char *)data, size, 0, collect, &a) != 0) abort();
  if (kh_tokenize(a.s ? a.s : "", a.n, 0, collect, &b) != 0) abort();
  if (a.n != b.n || (a.n && memcmp(a.s, b.s, a.n) != 0)) abort();
  free(a.s);
  free(b.s);
  return 0;
}
