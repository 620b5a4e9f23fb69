/*
** fuzz_fwdrow.c — libFuzzer target for the forward-row reader and writer
** (src/store/fwdrow.c).  A row comes from the database file, so any bytes
** must read as a d or -1, never out of bounds; and any set of pairs packed
** must read back, each value its d and a value not in the set -1.
**
**   input: 3 bytes of a key, then the row's bytes (read as any layout);
**          the same bytes, 4 a pair (24-bit value, then d from one byte),
**          are packed and read back
**   make fuzz && ./build/fuzz/fuzz_fwdrow fuzz/corpus/fwdrow
*/
#include "../src/store/store.h"

#include <stdlib.h>
#include <string.h>

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 3) return 0;
  uint32_t key = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16;
  unsigned char *row = malloc(size - 3 + 1); /* its own allocation: reads past it are caught */
  if (!row) return 0;
  memcpy(row, data + 3, size - 3);
  int32_t d = kh__fwd_find(row, size - 3, key);
  if (d < -1 || d == 0) abort(); /* a d is >= 1 */
  free(row);

  size_t n = size / 4;
  uint32_t *v = malloc((n + 1) * sizeof *v), *hd = malloc((2 * n + 1) * sizeof *hd);
  unsigned char *out = malloc(kh__fwd_pack_max(n));
  if (!v || !hd || !out) abort();
  for (size_t i = 0; i < n; i++) v[i] = (uint32_t)data[4 * i] | (uint32_t)data[4 * i + 1] << 8 | (uint32_t)data[4 * i + 2] << 16;
  qsort(v, n, sizeof *v, cmp_u32);
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (!m || v[i] != v[m - 1]) v[m++] = v[i];
  for (size_t i = 0; i < m; i++) {
    uint32_t b = data[(i * 4 + 3) % size];
    hd[2 * i] = v[i] | (uint32_t)b << 24; /* the high byte is ignored by the layout */
    hd[2 * i + 1] = b ? b : 70000;        /* escapes: 3, 5 .. 255 and a large d */
  }
  size_t len = kh__fwd_pack(out, hd, m);
  if (len > kh__fwd_pack_max(m) || len % 2 == 0 || out[0] != 3) abort();
  for (size_t i = 0; i < m; i++) {
    if (kh__fwd_find(out, len, hd[2 * i]) != (int32_t)hd[2 * i + 1]) abort();
    uint32_t x = (v[i] + 1) & 0xFFFFFF; /* absent unless it is the next value */
    if ((i + 1 == m || v[i + 1] != x) && (i != m - 1 || m == 0 || v[0] != x) && kh__fwd_find(out, len, x) != -1) abort();
  }
  if (!m && kh__fwd_find(out, len, key) != -1) abort();
  free(v);
  free(hd);
  free(out);
  return 0;
}
