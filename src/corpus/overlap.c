/*
** overlap.c — content-word overlap of two texts for the reuse classifier:
** containment of the distinct content words (stopwords out, numbers in)
** both ways, containment of the distinct numbers both ways, and the
** longest common subsequence of the two content-word sequences (a rewrite
** keeps the wire's facts in the wire's order; an independent report of
** the same event reorders them).
**
**   kh__overlap_stats o;
**   kh__overlap(&a, &b, &o);   // o.words_ab, o.numbers_ab, o.order_ab, ...
**
** The LCS is the two-row dynamic programme over at most KH__LCS_MAX
** content words of each text (the first ones), so its cost is bounded.
*/
#include "corpus.h"

#include <stdlib.h>

static int cmp_u64(const void *x, const void *y) {
  uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
  return a < b ? -1 : a > b;
}

static int is_content(const kh__tokseq *q, uint32_t i) {
  return !(q->fl[i] & KH__TOK_STOP) || (q->fl[i] & KH__TOK_NUM);
}

/* The distinct hashes of q's content words (or, with numbers set, of its
** numbers), sorted, into v (room for q->n); returns how many. */
static uint32_t distinct(const kh__tokseq *q, int numbers, uint64_t *v) {
  uint32_t n = 0, m = 0;
  for (uint32_t i = 0; i < q->n; i++)
    if (numbers ? (q->fl[i] & KH__TOK_NUM) != 0 : is_content(q, i)) v[n++] = q->h[i];
  qsort(v, n, sizeof *v, cmp_u64);
  for (uint32_t k = 0; k < n; k++)
    if (m == 0 || v[m - 1] != v[k]) v[m++] = v[k];
  return m;
}

/* Content-word sequence of q (at most KH__LCS_MAX) into v; returns its length. */
static uint32_t content_seq(const kh__tokseq *q, uint64_t *v) {
  uint32_t n = 0;
  for (uint32_t i = 0; i < q->n && n < KH__LCS_MAX; i++)
    if (is_content(q, i)) v[n++] = q->h[i];
  return n;
}

/* Length of the longest common subsequence of x[0..nx) and y[0..ny);
** row has room for ny + 1 values.  Symmetric in its result. */
static uint32_t lcs(const uint64_t *x, uint32_t nx, const uint64_t *y, uint32_t ny, uint32_t *row) {
  memset(row, 0, ((size_t)ny + 1) * sizeof *row);
  for (uint32_t i = 0; i < nx; i++) {
    uint32_t diag = 0; /* row[j] of the previous i */
    for (uint32_t j = 0; j < ny; j++) {
      uint32_t up = row[j + 1];
      uint32_t v = x[i] == y[j] ? diag + 1 : (up > row[j] ? up : row[j]);
      diag = up;
      row[j + 1] = v;
    }
  }
  return row[ny];
}

static double ratio(uint32_t num, uint32_t den) { return den ? (double)num / den : 0.0; }

int kh__overlap(const kh__tokseq *a, const kh__tokseq *b, kh__overlap_stats *st) {
  memset(st, 0, sizeof *st);
  if (!a->n || !b->n) return 0;
  uint64_t *va = kh__malloc((size_t)a->n * sizeof *va), *vb = kh__malloc((size_t)b->n * sizeof *vb);
  uint32_t *row = kh__malloc(((size_t)(b->n < KH__LCS_MAX ? b->n : KH__LCS_MAX) + 1) * sizeof *row);
  if (!va || !vb || !row) {
    kh__free(va);
    kh__free(vb);
    kh__free(row);
    return KH_ENOMEM;
  }
  uint32_t na = distinct(a, 0, va), nb = distinct(b, 0, vb), c = kh__sorted_common(va, na, vb, nb);
  st->words_ab = ratio(c, na);
  st->words_ba = ratio(c, nb);
  na = distinct(a, 1, va);
  nb = distinct(b, 1, vb);
  c = kh__sorted_common(va, na, vb, nb);
  st->numbers_ab = ratio(c, na);
  st->numbers_ba = ratio(c, nb);
  na = content_seq(a, va);
  nb = content_seq(b, vb);
  /* the same DP whichever text comes first: LCS length is symmetric */
  uint32_t l = lcs(va, na, vb, nb, row);
  st->order_ab = ratio(l, na);
  st->order_ba = ratio(l, nb);
  kh__free(va);
  kh__free(vb);
  kh__free(row);
  return 0;
}
