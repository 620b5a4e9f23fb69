/*
** passages.c — the passages two texts share, by greedy string tiling
** (Wise 1993) over token hashes: find every maximal common run of at least
** minlen tokens, then take the longest first, trimming any run that
** overlaps one already taken, so no token belongs to two tiles.
**
**   kh_passage *t; size_t n;
**   kh__tile(&a, &b, KH_PASSAGE_MIN, &t, &n);   // token indexes, a's order
**
** Maximal runs come from an index of b's minlen-grams (chained hash table),
** so the cost is linear in the texts plus the matches found; the total
** work and the number of runs are capped (KH__PASSAGE_WORK, KH__PASSAGE_MAX)
** so a text repeating one phrase thousands of times stays cheap.
*/
#include "corpus.h"

#include <stdlib.h>

typedef struct run {
  uint32_t i, j, len; /* a[i..i+len) == b[j..j+len) */
} run;

/* max-heap on (len desc, i asc, j asc): deterministic order */
static int run_before(const run *x, const run *y) {
  if (x->len != y->len) return x->len > y->len;
  if (x->i != y->i) return x->i < y->i;
  return x->j < y->j;
}

static void heap_push(run *h, size_t *n, run r) {
  size_t k = (*n)++;
  while (k > 0) {
    size_t p = (k - 1) / 2;
    if (!run_before(&r, &h[p])) break;
    h[k] = h[p];
    k = p;
  }
  h[k] = r;
}

static run heap_pop(run *h, size_t *n) {
  run top = h[0], last = h[--*n];
  size_t k = 0;
  for (;;) {
    size_t c = 2 * k + 1;
    if (c >= *n) break;
    if (c + 1 < *n && run_before(&h[c + 1], &h[c])) c++;
    if (!run_before(&h[c], &last)) break;
    h[k] = h[c];
    k = c;
  }
  if (*n) h[k] = last;
  return top;
}

/* All left- and right-maximal common runs of >= minlen tokens. */
static int find_runs(const kh__tokseq *a, const kh__tokseq *b, unsigned minlen, run **out,
                     size_t *nout) {
  *out = NULL;
  *nout = 0;
  uint32_t nb = b->n - minlen + 1, na = a->n - minlen + 1;
  uint32_t size = 16;
  while (size < 2 * nb) size *= 2;
  int32_t *head = kh__malloc(size * sizeof *head);
  int32_t *next = kh__malloc(nb * sizeof *next);
  uint64_t *gb = kh__malloc(nb * sizeof *gb);
  size_t cap = 64, n = 0;
  run *runs = kh__malloc(cap * sizeof *runs);
  int rc = 0;
  if (!head || !next || !gb || !runs) {
    rc = KH_ENOMEM;
    goto done;
  }
  for (uint32_t k = 0; k < size; k++) head[k] = -1;
  for (uint32_t j = nb; j-- > 0;) { /* chains in ascending j */
    gb[j] = kh__ngram_hash(b->h + j, minlen);
    uint32_t slot = (uint32_t)(gb[j] & (size - 1));
    next[j] = head[slot];
    head[slot] = (int32_t)j;
  }
  size_t work = 0;
  for (uint32_t i = 0; i < na && work < KH__PASSAGE_WORK; i++) {
    uint64_t g = kh__ngram_hash(a->h + i, minlen);
    for (int32_t jj = head[g & (size - 1)]; jj >= 0 && work < KH__PASSAGE_WORK; jj = next[jj]) {
      uint32_t j = (uint32_t)jj;
      work++;
      if (gb[j] != g) continue;
      if (i > 0 && j > 0 && a->h[i - 1] == b->h[j - 1]) continue; /* not left-maximal */
      uint32_t len = 0;
      while (i + len < a->n && j + len < b->n && a->h[i + len] == b->h[j + len]) len++;
      work += len;
      if (len < minlen) continue; /* hash collision */
      if (n == cap) {
        if (cap >= KH__PASSAGE_WORK) break;
        run *p = kh__realloc(runs, 2 * cap * sizeof *runs);
        if (!p) {
          rc = KH_ENOMEM;
          goto done;
        }
        runs = p;
        cap *= 2;
      }
      runs[n++] = (run){i, j, len};
    }
  }
done:
  kh__free(head);
  kh__free(next);
  kh__free(gb);
  if (rc) {
    kh__free(runs);
    return rc;
  }
  *out = runs;
  *nout = n;
  return 0;
}

static int cmp_tile(const void *x, const void *y) {
  const kh_passage *p = x, *q = y;
  if (p->a_start != q->a_start) return p->a_start < q->a_start ? -1 : 1;
  return p->b_start < q->b_start ? -1 : p->b_start > q->b_start;
}

int kh__tile(const kh__tokseq *a, const kh__tokseq *b, unsigned minlen, kh_passage **out,
             size_t *nout) {
  *out = NULL;
  *nout = 0;
  if (minlen == 0) minlen = 1;
  if (a->n < minlen || b->n < minlen) return 0;
  run *heap;
  size_t nh;
  int rc = find_runs(a, b, minlen, &heap, &nh);
  if (rc) return rc;
  /* heapify by pushing in place */
  size_t m = 0;
  for (size_t k = 0; k < nh; k++) heap_push(heap, &m, heap[k]);
  unsigned char *ma = kh__calloc(a->n, 1), *mb = kh__calloc(b->n, 1);
  kh_passage *tiles = kh__malloc(KH__PASSAGE_MAX * sizeof *tiles);
  size_t nt = 0;
  if (!ma || !mb || !tiles) {
    rc = KH_ENOMEM;
    goto done;
  }
  while (m > 0 && nt < KH__PASSAGE_MAX) {
    run r = heap_pop(heap, &m);
    /* longest sub-run whose tokens are free in both texts */
    uint32_t best = 0, best_at = 0, cur = 0;
    for (uint32_t x = 0; x < r.len; x++) {
      if (!ma[r.i + x] && !mb[r.j + x]) {
        cur++;
        if (cur > best) {
          best = cur;
          best_at = x + 1 - cur;
        }
      } else {
        cur = 0;
      }
    }
    if (best == r.len) {
      memset(ma + r.i, 1, r.len);
      memset(mb + r.j, 1, r.len);
      tiles[nt++] = (kh_passage){r.i, r.i + r.len, r.j, r.j + r.len, r.len};
    } else if (best >= minlen) {
      heap_push(heap, &m, (run){r.i + best_at, r.j + best_at, best});
    }
  }
  qsort(tiles, nt, sizeof *tiles, cmp_tile);
done:
  kh__free(heap);
  kh__free(ma);
  kh__free(mb);
  if (rc) {
    kh__free(tiles);
    return rc;
  }
  *out = tiles;
  *nout = nt;
  return 0;
}
