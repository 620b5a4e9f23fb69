/* PLACEHOLDER: being replaced by the romanization work (issue 2). */
#include "../core/core.h"
int kh_romanize(const char *in, size_t len, char **out, size_t *outlen) {
  *out = kh__strndup(in, len); if (!*out) return KH_ENOMEM; *outlen = len; return 0;
}
int kh_skeleton(const char *in, size_t len, char **out, size_t *outlen) { return kh_romanize(in, len, out, outlen); }
