/*
** fuzz_reuse.c — libFuzzer target for the corpus layer's pure functions:
** kh_reuse_compare (n-gram sets, greedy string tiling, sentence alignment,
** the classifier), kh_fingerprint_text and kh_summarize.
**
**   make fuzz && ./build/fuzz/fuzz_reuse fuzz/corpus/reuse
**
** The input is split at its first 0x00 byte (or in the middle) into texts
** a and b.  Checks: every passage lies inside both texts, has at least
** KH_PASSAGE_MIN tokens, passages are disjoint and in a's order; scores
** are in [0, 1]; compare(a, b) and compare(b, a) agree with the roles
** swapped; a text compared with itself has resemblance 1 unless empty;
** summary spans are inside the text and ordered.
*/
#include "khabar.h"

#include <stdlib.h>
#include <string.h>

static void in01(double x) {
  if (!(x >= 0.0 && x <= 1.0)) abort();
}

typedef struct sum_state {
  size_t size, prev;
} sum_state;

static int on_span(void *ctx, size_t start, size_t end) {
  sum_state *s = ctx;
  if (start < s->prev || end < start || end > s->size) abort();
  s->prev = end;
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *p = (const char *)data;
  const char *z = memchr(p, 0, size);
  size_t na = z ? (size_t)(z - p) : size / 2;
  const char *b = z ? z + 1 : p + na;
  size_t nb = size - (size_t)(b - p);
  kh_reuse_text *ta = NULL, *tb = NULL;
  if (kh_reuse_text_new(p, na, &ta) || kh_reuse_text_new(b, nb, &tb)) abort();
  kh_reuse r, s;
  if (kh_reuse_compare(ta, tb, &r) || kh_reuse_compare(tb, ta, &s)) abort();
  in01(r.resemblance);
  in01(r.containment_ab);
  in01(r.containment_ba);
  in01(r.coverage_a);
  in01(r.coverage_b);
  in01(r.sent_ab);
  in01(r.sent_ba);
  in01(r.words_ab);
  in01(r.words_ba);
  in01(r.numbers_ab);
  in01(r.order_ab);
  in01(r.order_ba);
  in01(r.clause_ab);
  in01(r.clause_high_ab);
  in01(r.clause_new_ab);
  if (r.clause_high_ab + r.clause_new_ab > 1.0 + 1e-9) abort();
  if (r.words_ab != s.words_ba || r.order_ab != s.order_ba || r.numbers_ab != s.numbers_ba) abort();
  if (r.clause_ab != s.clause_ba || r.clause_new_ab != s.clause_new_ba) abort();
  if (r.containment_ab != s.containment_ba || r.resemblance != s.resemblance) abort();
  if (r.label != s.label_rev || r.label_rev != s.label) abort();
  for (size_t k = 0; k < r.npassages; k++) {
    const kh_passage *q = &r.passages[k];
    if (q->a_end > na || q->b_end > nb || q->a_start >= q->a_end || q->b_start >= q->b_end) abort();
    if (q->ntokens < KH_PASSAGE_MIN) abort();
    if (k && q->a_start < r.passages[k - 1].a_end) abort();
  }
  kh_reuse_clear(&r);
  kh_reuse_clear(&s);
  if (kh_reuse_compare(ta, ta, &r)) abort();
  if (kh_reuse_text_ntokens(ta) >= 3 && r.resemblance != 1.0) abort();
  kh_reuse_clear(&r);
  kh_reuse_text_free(ta);
  kh_reuse_text_free(tb);
  kh_fingerprint fa, fb;
  if (kh_fingerprint_text(p, na, &fa) || kh_fingerprint_text(b, nb, &fb)) abort();
  in01(kh_fingerprint_similarity(&fa, &fb));
  if (fa.ntokens && kh_fingerprint_similarity(&fa, &fa) != 1.0) abort();
  sum_state ss = {size, 0};
  if (kh_summarize(p, size, 3, on_span, &ss)) abort();
  return 0;
}
