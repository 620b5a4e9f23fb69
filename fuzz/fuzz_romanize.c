/*
** fuzz_romanize.c — libFuzzer target for kh_romanize, kh_skeleton, kh_stem,
** kh_lemma and kh_is_stopword on arbitrary bytes (broken UTF-8 included).
** Checks that outputs are NUL-terminated, of the length reported, and that
** romanizing is deterministic.
**
**   make fuzz && ./build/fuzz/fuzz_romanize fuzz/corpus/romanize
*/
#include "khabar.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *s = (const char *)data;
  char *a, *b;
  size_t an, bn;
  if (kh_romanize(s, size, &a, &an) == 0) {
    if (strlen(a) != an) abort();
    if (kh_romanize(s, size, &b, &bn) != 0 || bn != an || memcmp(a, b, an)) abort();
    kh_free(b);
    kh_free(a);
  }
  if (kh_skeleton(s, size, &a, &an) == 0) {
    if (strlen(a) != an) abort();
    kh_free(a);
  }
  /* stems and lemmas take one normalized word: feed each space-separated piece */
  char *norm;
  size_t nn;
  if (kh_normalize(s, size, &norm, &nn, NULL) == 0) {
    size_t i = 0;
    while (i < nn) {
      size_t j = i;
      while (j < nn && norm[j] != ' ') j++;
      char out[KH_MAX_TOKEN * 4 + 16];
      int m = kh_stem(norm + i, j - i, out, sizeof out);
      if (m >= 0 && (size_t)m != strlen(out)) abort();
      m = kh_lemma(norm + i, j - i, out, sizeof out);
      if (m >= 0 && (size_t)m != strlen(out)) abort();
      (void)kh_is_stopword(norm + i, j - i);
      i = j + 1;
    }
    kh_free(norm);
  }
  return 0;
}
