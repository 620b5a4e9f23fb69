/*
** classify.c — the reuse classifier: features of a scored pair and a
** multinomial logistic regression over them giving ND / PD / WD.
**
** The weights in reuse_model.h were learned on all 600 COUNTER pairs by
** bench/counter_reuse.c (`./build/bench/counter_reuse --write-model
** src/corpus/reuse_model.h`); its 10-fold cross-validation figure is the
** estimate of how well they do (docs/corpus.md).
**
** The features look one way (is x derived from y?): containment of x's
** word 1/2/3-grams in y and of y's in x, passage coverage of x and y,
** sentence alignment of x in y, longest passage over x's length, the log
** length ratio; then content words only: containment of x's distinct
** content words in y and of y's in x, of x's numbers in y, the LCS of the
** content-word sequences over x's and over y's length, and x's clauses
** against y's sentences (mean best share, share of tokens in clauses at
** least half found, share in clauses less than 0.3 found).  The direction
** matters (COUNTER's independent reports are often longer than the wire
** and contain most of its words), so a pair is classified each way
** separately.
**
** reuse_model.h is generated for one feature set: if it was written for
** another (KH__MODEL_NFEAT != KH__NFEAT, only while features are being
** changed and before `make gen`), every pair is labelled ND with uniform
** probabilities, which the COUNTER test in tests/test_corpus.c catches.
*/
#include "corpus.h"

#include <math.h>

#include "reuse_model.h"

void kh__reuse_features(const kh_reuse *r, int b_from_a, double f[KH__NFEAT]) {
  /* x = the text that may be derived, y = its possible source */
  int d = b_from_a ? 1 : 0;
  const double *cx = d ? r->contain_ba : r->contain_ab, *cy = d ? r->contain_ab : r->contain_ba;
  uint32_t nx = d ? r->b_tokens : r->a_tokens, ny = d ? r->a_tokens : r->b_tokens;
  for (unsigned w = 0; w < 3; w++) {
    f[w] = cx[w];
    f[3 + w] = cy[w];
  }
  f[6] = d ? r->coverage_b : r->coverage_a;
  f[7] = d ? r->coverage_a : r->coverage_b;
  f[8] = d ? r->sent_ba : r->sent_ab;
  f[9] = d ? r->sent_high_ba : r->sent_high_ab;
  f[10] = nx ? (double)r->longest / nx : 0.0;
  f[11] = log((1.0 + nx) / (1.0 + ny));
  f[12] = d ? r->words_ba : r->words_ab;
  f[13] = d ? r->words_ab : r->words_ba;
  f[14] = d ? r->numbers_ba : r->numbers_ab;
  f[15] = d ? r->order_ba : r->order_ab;
  f[16] = d ? r->order_ab : r->order_ba;
  f[17] = d ? r->clause_ba : r->clause_ab;
  f[18] = d ? r->clause_high_ba : r->clause_high_ab;
  f[19] = d ? r->clause_new_ba : r->clause_new_ab;
}

#if KH__MODEL_NFEAT == KH__NFEAT
#define MODEL_OK 1
#else
#define MODEL_OK 0 /* stale model: see the header comment */
#endif

/* Class probabilities for one direction; returns the arg max. */
static int classify_dir(const kh_reuse *r, int b_from_a, double prob[3]) {
  double f[KH__NFEAT], z[3] = {0, 0, 0}, zmax = 0;
  kh__reuse_features(r, b_from_a, f);
#if MODEL_OK
  zmax = -INFINITY;
  for (unsigned c = 0; c < 3; c++) {
    z[c] = kh__model_w[c][KH__NFEAT];
    for (unsigned k = 0; k < KH__NFEAT; k++)
      z[c] += kh__model_w[c][k] * (f[k] - kh__model_mean[k]) / kh__model_scale[k];
    if (z[c] > zmax) zmax = z[c];
  }
#endif
  double sum = 0;
  for (unsigned c = 0; c < 3; c++) sum += prob[c] = exp(z[c] - zmax);
  int best = 0;
  for (unsigned c = 0; c < 3; c++) {
    prob[c] /= sum;
    if (prob[c] > prob[best]) best = (int)c;
  }
  return best;
}

int kh__reuse_classify(const kh_reuse *r, int b_from_a, double prob[3]) {
  return classify_dir(r, b_from_a, prob);
}
