/* PLACEHOLDER: being replaced by the stemmer work (issue 2). */
#include "../core/core.h"
int kh_is_stopword(const char *norm, size_t len) { (void)norm; (void)len; return 0; }
int kh_stem(const char *norm, size_t len, char *out, size_t cap) {
  if (len + 1 > cap) return KH_ETOOBIG;
  memcpy(out, norm, len); out[len] = 0; return (int)len;
}
int kh_lemma(const char *norm, size_t len, char *out, size_t cap) { return kh_stem(norm, len, out, cap); }
