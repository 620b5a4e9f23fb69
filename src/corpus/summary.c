/*
** summary.c — extractive summary of one text: the sentences whose content
** words are most frequent in the whole text (a centroid summary, Radev et
** al. 2004), with a small bonus for the lead, given back in text order.
**
**   kh_summarize(body, len, 3, print_span, body);   // 3 sentence spans
**
** Sentences come from kh_sentences; words from the corpus token stream with
** stopwords dropped.  A sentence's score is the mean document frequency of
** its distinct content words (normalized by the text's top frequency) plus
** KH__LEAD_BONUS for the first sentence; sentences under 5 words are skipped.
*/
#include "corpus.h"

#include <math.h>
#include <stdlib.h>

#define KH__SUM_MAX_SENT 4096
#define KH__LEAD_BONUS 0.10

typedef struct span {
  size_t start, end;
  double score;
  int idx;
} span;

typedef struct sent_ctx {
  span *s;
  int n;
} sent_ctx;

static int on_sentence(void *ctx, size_t start, size_t end) {
  sent_ctx *c = ctx;
  if (c->n >= KH__SUM_MAX_SENT) return 0;
  c->s[c->n++] = (span){start, end, 0, c->n};
  return 0;
}

typedef struct tok_ctx {
  kh__tv *v;
  size_t n, cap;
  int rc;
} tok_ctx;

static int on_tok(void *ctx, uint64_t h, uint32_t start, uint32_t end, unsigned fl) {
  tok_ctx *c = ctx;
  if (fl & KH__TOK_STOP) return 0;
  if (c->n == c->cap) {
    size_t cap = c->cap ? 2 * c->cap : 256;
    if (cap > KH__CORPUS_MAX_TOKENS) return KH_ETOOBIG;
    kh__tv *v = kh__realloc(c->v, cap * sizeof *v);
    if (!v) return KH_ENOMEM;
    c->v = v;
    c->cap = cap;
  }
  c->v[c->n++] = (kh__tv){h, (float)start};
  return 0;
}

static int cmp_u64v(const void *x, const void *y) {
  uint64_t a = ((const kh__tv *)x)->term, b = ((const kh__tv *)y)->term;
  return a < b ? -1 : a > b;
}

static int cmp_score(const void *x, const void *y) {
  const span *a = x, *b = y;
  if (a->score != b->score) return a->score > b->score ? -1 : 1;
  return a->idx - b->idx;
}

static int cmp_idx(const void *x, const void *y) { return ((const span *)x)->idx - ((const span *)y)->idx; }

/* Frequency of term t in the sorted array (binary search for its run). */
static uint32_t freq_of(const kh__tv *sorted, size_t n, uint64_t t) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (sorted[mid].term < t) lo = mid + 1;
    else hi = mid;
  }
  size_t k = lo;
  while (k < n && sorted[k].term == t) k++;
  return (uint32_t)(k - lo);
}

int kh_summarize(const char *text, size_t len, int nsent, kh_span_cb cb, void *ctx) {
  if ((!text && len) || !cb || nsent <= 0) return KH_EINVAL;
  sent_ctx sc = {kh__malloc(KH__SUM_MAX_SENT * sizeof(span)), 0};
  if (!sc.s) return KH_ENOMEM;
  tok_ctx tc = {0};
  kh__tv *sorted = NULL;
  int rc = kh_sentences(text, len, on_sentence, &sc);
  if (!rc) rc = kh__tokens(text, len, KH__TOK_WANTSTOP, on_tok, &tc);
  if (rc) goto out;
  sorted = kh__malloc((tc.n ? tc.n : 1) * sizeof *sorted);
  if (!sorted) {
    rc = KH_ENOMEM;
    goto out;
  }
  memcpy(sorted, tc.v, tc.n * sizeof *sorted);
  qsort(sorted, tc.n, sizeof *sorted, cmp_u64v);
  uint32_t top = 1;
  for (size_t i = 0; i < tc.n; i++) {
    uint32_t f = freq_of(sorted, tc.n, tc.v[i].term);
    if (f > top) top = f;
  }
  /* tokens arrive in text order; walk sentences alongside */
  size_t t = 0;
  for (int k = 0; k < sc.n; k++) {
    span *s = &sc.s[k];
    while (t < tc.n && (size_t)tc.v[t].w < s->start) t++;
    double sum = 0;
    int words = 0;
    while (t < tc.n && (size_t)tc.v[t].w < s->end) {
      sum += (double)freq_of(sorted, tc.n, tc.v[t].term) / top;
      words++;
      t++;
    }
    s->score = words >= 5 ? sum / words : -1.0;
    if (k == 0 && words >= 5) s->score += KH__LEAD_BONUS;
  }
  qsort(sc.s, (size_t)sc.n, sizeof *sc.s, cmp_score);
  int m = nsent < sc.n ? nsent : sc.n;
  while (m > 0 && sc.s[m - 1].score < 0 && m > 1) m--;
  qsort(sc.s, (size_t)m, sizeof *sc.s, cmp_idx);
  for (int k = 0; k < m && !rc; k++) rc = cb(ctx, sc.s[k].start, sc.s[k].end);
out:
  kh__free(sc.s);
  kh__free(tc.v);
  kh__free(sorted);
  return rc;
}
