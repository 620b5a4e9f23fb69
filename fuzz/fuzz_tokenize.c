/*
** fuzz_tokenize.c — libFuzzer target for kh_tokenize under every flag
** combination: tokens come in order, inside the input, with a non-empty
** normalized form of at most KH_MAX_TOKEN bytes.
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  unsigned flags = size ? data[0] & 0x0F : 0;
  chk c = {size, 0};
  if (kh_tokenize((const char *)data, size, flags, cb, &c) != 0) abort();
  return 0;
}
