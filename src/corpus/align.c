/*
** align.c — sentence alignment between two texts: for each sentence of a,
** the best share of its distinct words found in any one sentence of b.
** A rewrite keeps sentence-level overlap; two independent reports of one
** event share words across the whole text but less within one sentence.
**
**   kh__align_stats s;
**   kh__align(&a, &b, &s);   // s.mean_ab, s.high_ab, s.mean_ba, s.high_ba
**
** The same is done for the clauses of a (split also at ، ؛ , ; :) against
** the sentences of b on content words only (no stopwords; numbers kept):
** a newspaper that rewrites a wire story keeps most of each clause's
** words inside one wire sentence, while material from elsewhere (its own
** reporter, another agency) gives clauses found nowhere (clause_new).
** Papers such as Express run whole paragraphs together with ، so clauses,
** not sentences, are the unit that follows a rewrite.
**
** Units come from the token sequence's KH__TOK_BRK / KH__TOK_CLAUSE marks.
** Cost: one merge of two small sorted arrays per pair of units (capped:
** KH__ALIGN_MAX units of each text are looked at).
*/
#include "corpus.h"

#include <stdlib.h>

typedef struct sents {
  uint32_t *off;  /* sentence k's distinct hashes are pool[off[k]..off[k+1]) */
  uint32_t *ntok; /* tokens (with repeats) of sentence k */
  uint64_t *pool;
  uint32_t n;
} sents;

static int cmp_u64(const void *x, const void *y) {
  uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
  return a < b ? -1 : a > b;
}

static void sents_free(sents *s) {
  kh__free(s->off);
  kh__free(s->ntok);
  kh__free(s->pool);
  memset(s, 0, sizeof *s);
}

/* The units of q that start at tokens flagged `unit` (KH__TOK_BRK or
** KH__TOK_CLAUSE); with content set, stopwords (but not numbers) are left
** out of each unit's set and count. */
static int sents_build(const kh__tokseq *q, unsigned unit, int content, sents *s) {
  memset(s, 0, sizeof *s);
  uint32_t ns = 0;
  for (uint32_t i = 0; i < q->n; i++) ns += (q->fl[i] & unit) || i == 0;
  if (ns > KH__ALIGN_MAX) ns = KH__ALIGN_MAX;
  s->off = kh__malloc((ns + 1) * sizeof *s->off);
  s->ntok = kh__malloc((ns + 1) * sizeof *s->ntok);
  s->pool = kh__malloc(((size_t)q->n + 1) * sizeof *s->pool);
  if (!s->off || !s->ntok || !s->pool) {
    sents_free(s);
    return KH_ENOMEM;
  }
  uint32_t i = 0, used = 0;
  while (i < q->n && s->n < ns) {
    uint32_t j = i + 1;
    while (j < q->n && !(q->fl[j] & unit)) j++;
    uint64_t *v = s->pool + used;
    uint32_t nv = 0;
    for (uint32_t k = i; k < j; k++)
      if (!content || !(q->fl[k] & KH__TOK_STOP) || (q->fl[k] & KH__TOK_NUM)) v[nv++] = q->h[k];
    qsort(v, nv, sizeof *v, cmp_u64);
    uint32_t m = 0;
    for (uint32_t k = 0; k < nv; k++)
      if (m == 0 || v[m - 1] != v[k]) v[m++] = v[k];
    s->off[s->n] = used;
    s->ntok[s->n] = nv;
    used += m;
    s->n++;
    i = j;
  }
  s->off[s->n] = used;
  return 0;
}

/* Best match of each unit of x in a unit of y, aggregated over x's
** tokens: mean, share in units >= 0.5 (high), share in units < 0.3 (low). */
static void one_way(const sents *x, const sents *y, double *mean, double *high, double *low) {
  double sum = 0, hi = 0, lo = 0, tot = 0;
  for (uint32_t k = 0; k < x->n; k++) {
    const uint64_t *a = x->pool + x->off[k];
    uint32_t na = x->off[k + 1] - x->off[k];
    double best = 0;
    for (uint32_t l = 0; l < y->n && na; l++) {
      double c = (double)kh__sorted_common(a, na, y->pool + y->off[l], y->off[l + 1] - y->off[l]) / na;
      if (c > best) best = c;
    }
    sum += best * x->ntok[k];
    hi += best >= 0.5 ? x->ntok[k] : 0;
    lo += best < 0.3 ? x->ntok[k] : 0;
    tot += x->ntok[k];
  }
  *mean = tot ? sum / tot : 0;
  *high = tot ? hi / tot : 0;
  *low = tot ? lo / tot : 0;
}

/* Clauses of x (content words) against sentences of y (content words). */
static int clause_way(const kh__tokseq *x, const kh__tokseq *y, double *mean, double *high,
                      double *low) {
  sents cx, sy;
  int rc = sents_build(x, KH__TOK_CLAUSE, 1, &cx);
  if (rc) return rc;
  rc = sents_build(y, KH__TOK_BRK, 1, &sy);
  if (!rc) one_way(&cx, &sy, mean, high, low);
  sents_free(&cx);
  sents_free(&sy);
  return rc;
}

int kh__align(const kh__tokseq *a, const kh__tokseq *b, kh__align_stats *st) {
  memset(st, 0, sizeof *st);
  if (!a->n || !b->n) return 0;
  sents sa, sb;
  double low;
  int rc = sents_build(a, KH__TOK_BRK, 0, &sa);
  if (rc) return rc;
  rc = sents_build(b, KH__TOK_BRK, 0, &sb);
  if (rc) {
    sents_free(&sa);
    return rc;
  }
  one_way(&sa, &sb, &st->mean_ab, &st->high_ab, &low);
  one_way(&sb, &sa, &st->mean_ba, &st->high_ba, &low);
  sents_free(&sa);
  sents_free(&sb);
  rc = clause_way(a, b, &st->clause_ab, &st->clause_high_ab, &st->clause_new_ab);
  if (!rc) rc = clause_way(b, a, &st->clause_ba, &st->clause_high_ba, &st->clause_new_ba);
  return rc;
}
