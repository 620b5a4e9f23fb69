/*
** fused.c — lookups in the generated space-omission and multiword tables
** (fused_tab.h, written by tools/gen_fused.py).  The tables are constant
** open-addressing hash tables, so lookups are O(1) and need no set-up.
**
**   const kh__fused_row *r = kh__fused_find("کیلئے", 10);  // کے + لئے
*/
#include "text.h"
#include "fused_tab.h"

static int key_eq(const char *row, const char *s, size_t n) {
  return strncmp(row, s, n) == 0 && row[n] == '\0';
}

const kh__fused_row *kh__fused_find(const char *norm, size_t len) {
  return kh__fused_find_h(norm, len, kh__hash64(norm, len));
}

const kh__fused_row *kh__fused_find_h(const char *norm, size_t len, uint64_t h) {
  unsigned bit = (unsigned)(h >> 20) & 0xFFFFu;
  if (!(kh__fused_filter[bit >> 6] >> (bit & 63) & 1)) return NULL;
  for (size_t j = h & KH__FUSED_HASH_MASK;; j = (j + 1) & KH__FUSED_HASH_MASK) {
    uint32_t v = kh__fused_hash[j];
    if (!v) return NULL;
    if ((v >> 16) != (uint32_t)(h >> 48)) continue;
    v &= 0xFFFF;
    if (key_eq(kh__fused_rows[v - 1].form, norm, len)) return &kh__fused_rows[v - 1];
  }
}

int kh__mwe_find(const char *norm, size_t len) {
  uint64_t h = kh__hash64(norm, len);
  for (size_t j = h & KH__MWE_HASH_MASK;; j = (j + 1) & KH__MWE_HASH_MASK) {
    uint32_t v = kh__mwe_hash[j];
    if (!v) return 0;
    if ((v >> 16) != (uint32_t)(h >> 48)) continue;
    if (key_eq(kh__mwe_rows[(v & 0xFFFF) - 1], norm, len)) return 1;
  }
}

int kh__mwe_first(const char *norm, size_t len) {
  uint64_t h = kh__hash64(norm, len);
  for (size_t j = h & KH__MWE_FIRST_HASH_MASK;; j = (j + 1) & KH__MWE_FIRST_HASH_MASK) {
    uint32_t v = kh__mwe_first_hash[j];
    if (!v) return 0;
    if ((v >> 16) != (uint32_t)(h >> 48)) continue;
    if (key_eq(kh__mwe_first_rows[(v & 0xFFFF) - 1], norm, len)) return 1;
  }
}
