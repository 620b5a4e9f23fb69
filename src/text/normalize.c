/* PLACEHOLDER: being replaced by the normalization work (issue 2). */
#include "../core/core.h"
int kh_normalize(const char *in, size_t len, char **out, size_t *outlen, kh_norm_stats *stats) {
  kh__buf b = {0};
  int rc = 0;
  kh_norm_stats st = {0};
  for (size_t i = 0; i < len;) {
    uint32_t cp;
    int n = kh_utf8_decode(in + i, len - i, &cp);
    if (cp == 0xFFFD && n == 1) {
      if (!st.bad_bytes++) st.first_bad = i;
    }
    kh__buf_appendcp(&b, cp, &rc);
    i += (size_t)n;
  }
  *out = kh__buf_detach(&b, outlen, &rc);
  if (rc) kh__buf_free(&b);
  if (stats) *stats = st;
  return rc;
}
