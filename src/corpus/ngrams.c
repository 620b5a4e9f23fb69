/*
** ngrams.c — sorted, duplicate-free sets of word n-gram hashes, the unit of
** resemblance and containment (|A ∩ B| by one merge of two sorted arrays).
**
**   kh__ngramset s3;
**   kh__ngramset_build(&seq, 3, &s3);   // distinct word trigrams
**   uint32_t common = kh__ngramset_common(&s3, &other3);
**
** A text with fewer than n tokens has the empty n-gram set.
*/
#include "corpus.h"

/* LSD radix sort on 64-bit keys, 16 bits a pass (4 passes). */
static int sort_u64(uint64_t *v, uint32_t n) {
  if (n < 64) {
    for (uint32_t i = 1; i < n; i++) {
      uint64_t x = v[i];
      uint32_t j = i;
      while (j > 0 && v[j - 1] > x) {
        v[j] = v[j - 1];
        j--;
      }
      v[j] = x;
    }
    return 0;
  }
  uint64_t *tmp = kh__malloc((size_t)n * sizeof *tmp);
  uint32_t *cnt = kh__malloc(65536 * sizeof *cnt);
  if (!tmp || !cnt) {
    kh__free(tmp);
    kh__free(cnt);
    return KH_ENOMEM;
  }
  uint64_t *src = v, *dst = tmp;
  for (unsigned shift = 0; shift < 64; shift += 16) {
    memset(cnt, 0, 65536 * sizeof *cnt);
    for (uint32_t i = 0; i < n; i++) cnt[(src[i] >> shift) & 0xffff]++;
    uint32_t sum = 0;
    for (unsigned d = 0; d < 65536; d++) {
      uint32_t c = cnt[d];
      cnt[d] = sum;
      sum += c;
    }
    for (uint32_t i = 0; i < n; i++) dst[cnt[(src[i] >> shift) & 0xffff]++] = src[i];
    uint64_t *t = src;
    src = dst;
    dst = t;
  }
  /* four passes: the result is back in v */
  kh__free(tmp);
  kh__free(cnt);
  return 0;
}

int kh__ngramset_build(const kh__tokseq *seq, unsigned w, kh__ngramset *out) {
  out->v = NULL;
  out->n = 0;
  if (w == 0 || seq->n < w) return 0;
  uint32_t n = seq->n - w + 1;
  uint64_t *v = kh__malloc((size_t)n * sizeof *v);
  if (!v) return KH_ENOMEM;
  for (uint32_t i = 0; i < n; i++) v[i] = kh__ngram_hash(seq->h + i, w);
  int rc = sort_u64(v, n);
  if (rc) {
    kh__free(v);
    return rc;
  }
  uint32_t m = 0;
  for (uint32_t i = 0; i < n; i++)
    if (m == 0 || v[m - 1] != v[i]) v[m++] = v[i];
  out->v = v;
  out->n = m;
  return 0;
}

void kh__ngramset_free(kh__ngramset *s) {
  kh__free(s->v);
  s->v = NULL;
  s->n = 0;
}

uint32_t kh__sorted_common(const uint64_t *a, uint32_t na, const uint64_t *b, uint32_t nb) {
  uint32_t i = 0, j = 0, c = 0;
  while (i < na && j < nb) {
    if (a[i] < b[j]) i++;
    else if (a[i] > b[j]) j++;
    else {
      c++;
      i++;
      j++;
    }
  }
  return c;
}

uint32_t kh__ngramset_common(const kh__ngramset *a, const kh__ngramset *b) {
  return kh__sorted_common(a->v, a->n, b->v, b->n);
}
