/*
** ner.c — the statistical tagger (averaged perceptron over BIO labels).
** PLACEHOLDER until the trained model lands: no model, every token O.
*/
#include "analyze.h"

int kh__ner_load(kh_analyzer *a) {
  a->ner = NULL;
  return 0;
}

void kh__ner_free(kh_analyzer *a) { a->ner = NULL; }

void kh__ner_tag(const kh__doc *d, int32_t t0, int32_t t1, uint8_t *labels) {
  (void)d;
  memset(labels, 0, (size_t)(t1 - t0));
}
