/*
** fuzz_normalize.c — libFuzzer target for kh_normalize: any bytes give 0 or
** KH_ETOOBIG, valid UTF-8 out, and normalization is idempotent.
**
**   make fuzz && ./build/fuzz/fuzz_normalize fuzz/corpus/normalize
*/
#include "khabar.h"

#include <stdlib.h>
#include <string.h>

static int valid_utf8(const char *s, size_t n) {
  for (size_t i = 0; i < n;) {
    uint32_t cp;
    int l = kh_utf8_decode(s + i, n - i, &cp);
    if (cp == 0xFFFD && l == 1) return 0;
    i += (size_t)l;
  }
  return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *a = NULL, *b = NULL;
  size_t na, nb;
  kh_norm_stats st;
  int rc = kh_normalize((const char *)data, size, &a, &na, &st);
  if (rc != 0) abort();
  if (!valid_utf8(a, na)) abort();
  if (a[na] != '\0') abort();
  if (st.bad_bytes > size) abort();
  if (kh_normalize(a, na, &b, &nb, NULL) != 0) abort();
  if (nb != na || memcmp(a, b, na) != 0) abort(); /* idempotent */
  kh_free(a);
  kh_free(b);
  return 0;
}
