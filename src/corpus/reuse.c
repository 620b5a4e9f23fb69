/*
** reuse.c — how much two texts share: resemblance, containment both ways
** on word 1/2/3-grams, the shared passages with byte offsets in both
** originals, and a COUNTER label (public API in khabar.h).
**
**   kh_reuse_text *a, *b; kh_reuse r;
**   kh_reuse_text_new(wire, wlen, &a); kh_reuse_text_new(paper, plen, &b);
**   kh_reuse_compare(a, b, &r);   // r.label == KH_REUSE_WD, r.passages[...]
**   kh_reuse_clear(&r);
*/
#include "corpus.h"

#include <stdlib.h>

struct kh_reuse_text {
  kh__tokseq seq;       /* token hashes and byte spans */
  kh__ngramset gram[3]; /* distinct word 1-, 2-, 3-grams */
};

int kh_reuse_text_new(const char *text, size_t len, kh_reuse_text **out) {
  if (!out) return KH_EINVAL;
  *out = NULL;
  if (!text && len) return KH_EINVAL;
  kh_reuse_text *t = kh__calloc(1, sizeof *t);
  if (!t) return KH_ENOMEM;
  int rc = kh__tokseq_build(text ? text : "", len, &t->seq);
  for (unsigned w = 1; w <= 3 && !rc; w++) rc = kh__ngramset_build(&t->seq, w, &t->gram[w - 1]);
  if (rc) {
    kh_reuse_text_free(t);
    return rc;
  }
  *out = t;
  return 0;
}

void kh_reuse_text_free(kh_reuse_text *t) {
  if (!t) return;
  kh__tokseq_free(&t->seq);
  for (unsigned w = 0; w < 3; w++) kh__ngramset_free(&t->gram[w]);
  kh__free(t);
}

size_t kh_reuse_text_ntokens(const kh_reuse_text *t) { return t ? t->seq.n : 0; }

const char *kh_reuse_label_name(int label) {
  switch (label) {
  case KH_REUSE_ND: return "ND";
  case KH_REUSE_PD: return "PD";
  case KH_REUSE_WD: return "WD";
  default: return "?";
  }
}

static double ratio(uint32_t num, uint32_t den) { return den ? (double)num / den : 0.0; }

/* A fixed order of two token sequences: by length, then by token hashes. */
static int seq_order(const kh__tokseq *a, const kh__tokseq *b) {
  if (a->n != b->n) return a->n < b->n ? -1 : 1;
  for (uint32_t i = 0; i < a->n; i++)
    if (a->h[i] != b->h[i]) return a->h[i] < b->h[i] ? -1 : 1;
  return 0;
}

static int by_a_start(const void *x, const void *y) {
  const kh_passage *p = x, *q = y;
  return p->a_start < q->a_start ? -1 : p->a_start > q->a_start;
}

int kh_reuse_compare(const kh_reuse_text *a, const kh_reuse_text *b, kh_reuse *r) {
  if (!r) return KH_EINVAL;
  memset(r, 0, sizeof *r);
  if (!a || !b) return KH_EINVAL;
  r->a_tokens = a->seq.n;
  r->b_tokens = b->seq.n;
  for (unsigned w = 0; w < 3; w++) {
    uint32_t na = a->gram[w].n, nb = b->gram[w].n;
    uint32_t c = kh__ngramset_common(&a->gram[w], &b->gram[w]);
    r->jaccard[w] = ratio(c, na + nb - c);
    r->contain_ab[w] = ratio(c, na);
    r->contain_ba[w] = ratio(c, nb);
  }
  r->resemblance = r->jaccard[2];
  r->containment_ab = r->contain_ab[2];
  r->containment_ba = r->contain_ba[2];
  kh__align_stats al;
  int rc = kh__align(&a->seq, &b->seq, &al);
  if (rc) return rc;
  r->sent_ab = al.mean_ab;
  r->sent_ba = al.mean_ba;
  r->sent_high_ab = al.high_ab;
  r->sent_high_ba = al.high_ba;
  r->clause_ab = al.clause_ab;
  r->clause_ba = al.clause_ba;
  r->clause_high_ab = al.clause_high_ab;
  r->clause_high_ba = al.clause_high_ba;
  r->clause_new_ab = al.clause_new_ab;
  r->clause_new_ba = al.clause_new_ba;
  kh__overlap_stats ov;
  rc = kh__overlap(&a->seq, &b->seq, &ov);
  if (rc) return rc;
  r->words_ab = ov.words_ab;
  r->words_ba = ov.words_ba;
  r->numbers_ab = ov.numbers_ab;
  r->numbers_ba = ov.numbers_ba;
  r->order_ab = ov.order_ab;
  r->order_ba = ov.order_ba;
  kh_passage *tiles;
  size_t nt;
  /* greedy tiling depends on which text it scans first: tile in one fixed
  ** order of the two texts, so compare(a, b) and compare(b, a) find the
  ** same passages with the roles swapped */
  int swap = seq_order(&a->seq, &b->seq) > 0;
  rc = swap ? kh__tile(&b->seq, &a->seq, KH_PASSAGE_MIN, &tiles, &nt)
            : kh__tile(&a->seq, &b->seq, KH_PASSAGE_MIN, &tiles, &nt);
  if (rc) return rc;
  if (swap) {
    for (size_t k = 0; k < nt; k++)
      tiles[k] = (kh_passage){tiles[k].b_start, tiles[k].b_end, tiles[k].a_start, tiles[k].a_end,
                              tiles[k].ntokens};
    qsort(tiles, nt, sizeof *tiles, by_a_start); /* passages stay in a's order */
  }
  uint64_t ca = 0, cb = 0;
  for (size_t k = 0; k < nt; k++) {
    kh_passage *p = &tiles[k];
    ca += p->a_end - p->a_start;
    cb += p->b_end - p->b_start;
    if (p->ntokens > r->longest) r->longest = p->ntokens;
    /* token indexes -> byte offsets in the originals */
    uint32_t as = a->seq.start[p->a_start], ae = a->seq.end[p->a_end - 1];
    uint32_t bs = b->seq.start[p->b_start], be = b->seq.end[p->b_end - 1];
    *p = (kh_passage){as, ae, bs, be, p->ntokens};
  }
  r->coverage_a = ratio((uint32_t)ca, r->a_tokens);
  r->coverage_b = ratio((uint32_t)cb, r->b_tokens);
  r->passages = tiles;
  r->npassages = nt;
  r->label = kh__reuse_classify(r, 1, r->prob);
  r->label_rev = kh__reuse_classify(r, 0, r->prob_rev);
  return 0;
}

void kh_reuse_clear(kh_reuse *r) {
  if (!r) return;
  kh__free(r->passages);
  memset(r, 0, sizeof *r);
}
