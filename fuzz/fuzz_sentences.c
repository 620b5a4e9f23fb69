/*
** fuzz_sentences.c — libFuzzer target for kh_sentences.
**
**   make fuzz && ./build/fuzz/fuzz_sentences fuzz/corpus/sentences
**
** Any bytes in; checks that every span is inside the input, non-empty,
** after the previous one (ordered, not overlapping) and trimmed, and that a
** callback's non-zero return stops the split and is returned.
*/
#include "khabar.h"

#include <stdlib.h>
#include <string.h>

typedef struct state {
  const uint8_t *data;
  size_t size;
  size_t prev;
  size_t count;
  size_t stop_at; /* return 1 at this span (0 = never) */
} state;

static int is_space(uint8_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static int check(void *ctx, size_t start, size_t end) {
  state *s = ctx;
  if (start < s->prev || end <= start || end > s->size) abort();
  if (is_space(s->data[start]) || is_space(s->data[end - 1])) abort();
  s->prev = end;
  s->count++;
  if (s->stop_at && s->count == s->stop_at) return 1;
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  state s = {data, size, 0, 0, 0};
  if (kh_sentences((const char *)data, size, check, &s) != 0) abort();
  if (s.count > 1) {
    size_t total = s.count;
    state t = {data, size, 0, 0, total / 2 + 1};
    if (kh_sentences((const char *)data, size, check, &t) != 1) abort();
    if (t.count != total / 2 + 1) abort();
  }
  return 0;
}
