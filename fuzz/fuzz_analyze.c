/*
** fuzz_analyze.c — libFuzzer target for kh_analyze and kh_analysis_json.
** The input's first line is the title, the rest the body; the analyzer is
** created once.  Checks that every offset stays inside its field.
**
**   make fuzz && ./build/fuzz/fuzz_analyze fuzz/corpus/analyze
*/
#include "khabar.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static kh_analyzer *a;
  if (!a && kh_analyzer_new(0, &a) != 0) abort();
  const char *s = (const char *)data;
  const char *nl = memchr(s, '\n', size);
  size_t tl = nl ? (size_t)(nl - s) : 0;
  kh_article art = {.title = s, .title_len = tl, .body = nl ? nl + 1 : s,
                    .body_len = nl ? size - tl - 1 : size, .published = "2024-07-04", .published_len = 10};
  kh_analysis *r;
  if (kh_analyze(a, &art, 0, &r) != 0) return 0;
  for (size_t i = 0; i < r->n_mentions; i++) {
    const kh_mention *m = &r->mentions[i];
    size_t flen = m->field == KH_FIELD_TITLE ? art.title_len : art.body_len;
    if (m->start >= m->end || m->end > flen || m->entity < 0 || (size_t)m->entity >= r->n_entities) abort();
  }
  for (size_t i = 0; i < r->n_quotes; i++) {
    const kh_quote *q = &r->quotes[i];
    size_t flen = q->field == KH_FIELD_TITLE ? art.title_len : art.body_len;
    if (q->start > q->end || q->end > flen) abort();
  }
  for (size_t i = 0; i < r->n_events; i++)
    for (uint32_t k = 0; k < r->events[i].n_actors; k++)
      if ((size_t)r->events[i].actors[k] >= r->n_entities) abort();
  char *js;
  size_t n;
  if (kh_analysis_json(r, &art, &js, &n) == 0) kh_free(js);
  kh_analysis_free(r);
  return 0;
}
