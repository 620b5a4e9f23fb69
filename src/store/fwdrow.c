/*
** fwdrow.c — the bytes of a forward row (champ.c's search_fwd.terms): an
** article's (term hash, d) pairs, d = 4·tf(title) + tf(body), looked up by
** hash when a query checks an AND or scores a candidate without FTS5.
**
** Four layouts, told apart by the blob: an even length is the oldest (8
** bytes a pair, hash32 and d, no layout byte); an odd length starts with a
** layout byte:
**   1 narrow  per pair the low 24 bits of hash32 (3 bytes) and d (1 byte)
**   2 wide    per pair hash32 and d (4 bytes each)
**   3 packed  (written since stop 22) the low 24 bits of hash32, sorted and
**             distinct, as an Elias-Fano sequence, and d as a 2-bit code:
**
**     byte 3, n (LEB128), l (one byte: low bits a value), then four parts,
**     each from a byte boundary, bits least significant first:
**       low    n·l bits: the low l bits of each value, in order
**       upper  n + (2^24 >> l) + 1 bits: value i sets bit (v_i >> l) + i
**       codes  n·2 bits: d = 1, 2, 4 as 0, 1, 2; 3 = d in the escapes
**       escapes  d (LEB128) of every pair coded 3, in order
**     and a zero byte at the end if the length would be even.
**
**   With l = floor(log2(2^24 / n)) the upper part holds at most 3n + 1
**   bits, so a pair costs about l + 2.5 + 2 bits: 174 pairs (a recombined
**   news article) take ~455 bytes against 697 narrow.  A lookup finds the
**   run of values with the wanted high part by counting zeros in the upper
**   part (a popcount a word) and compares their low bits: no decoding of
**   the row, as the binary search of the older layouts.
*/
#include "store.h"

#include <string.h>

#define FWD_BITS 24 /* bits of hash32 kept by the narrow and packed layouts */

static int low_width(size_t n) {
  int l = 0;
  while (l < FWD_BITS && ((size_t)1 << (FWD_BITS - l - 1)) >= n) l++;
  return l; /* the largest l with 2^(24-l) >= n, i.e. floor(log2(2^24 / n)) */
}

/* OR v (< 2^w, w <= 24) into the zeroed bits p[off .. off + w): a byte at
** a time, never past the last byte the bits reach. */
static void put_bits(unsigned char *p, size_t off, uint32_t v, int w) {
  uint64_t x = (uint64_t)v << (off & 7);
  unsigned char *q = p + (off >> 3);
  for (size_t j = 0, nb = ((off & 7) + (size_t)w + 7) >> 3; j < nb; j++) q[j] |= (unsigned char)(x >> (8 * j));
}

/* Bits p[off .. off + w) (w <= 24) as a value, reading only their bytes. */
static uint32_t get_bits(const unsigned char *p, size_t off, int w) {
  const unsigned char *q = p + (off >> 3);
  uint64_t x = 0;
  for (size_t j = 0, nb = ((off & 7) + (size_t)w + 7) >> 3; j < nb; j++) x |= (uint64_t)q[j] << (8 * j);
  return (uint32_t)(x >> (off & 7)) & (uint32_t)((1ull << w) - 1);
}

size_t kh__fwd_pack_max(size_t n) { return 16 + 3 * n + (3 * n + 1) / 8 + 1 + n / 4 + 1 + 5 * n + 1; }

size_t kh__fwd_pack(unsigned char *out, const uint32_t *hd, size_t n) {
  int l = low_width(n ? n : 1);
  size_t hi = ((size_t)1 << FWD_BITS) >> l; /* high parts 0 .. hi - 1 */
  size_t len = 0, nup = n + hi + 1;
  out[len++] = 3;
  len += kh__put_var(out + len, (uint32_t)n);
  out[len++] = (unsigned char)l;
  size_t low = len, up = low + (n * (size_t)l + 7) / 8, codes = up + (nup + 7) / 8, esc = codes + (2 * n + 7) / 8;
  memset(out + low, 0, esc - low);
  len = esc;
  for (size_t i = 0; i < n; i++) {
    uint32_t x = hd[2 * i] & ((1u << FWD_BITS) - 1), d = hd[2 * i + 1];
    put_bits(out + low, i * (size_t)l, x & ((1u << l) - 1), l);
    size_t b = (x >> l) + i;
    out[up + (b >> 3)] |= (unsigned char)(1u << (b & 7));
    uint32_t c = d == 1 ? 0 : d == 2 ? 1 : d == 4 ? 2 : 3;
    put_bits(out + codes, 2 * i, c, 2);
    if (c == 3) len += kh__put_var(out + len, d);
  }
  if (len % 2 == 0) out[len++] = 0;
  return len;
}

/* d of value k (its low 24 bits) in a packed row, or -1. */
static int32_t packed_find(const unsigned char *p, size_t nb, uint32_t k) {
  const unsigned char *end = p + nb;
  uint32_t n32 = 0;
  const unsigned char *q = kh__get_var(p + 1, end, &n32);
  if (!q || q >= end || n32 > nb * 8) return -1;
  size_t n = n32, i = (size_t)(q - p);
  int l = p[i++];
  if (l > FWD_BITS) return -1;
  size_t hi = ((size_t)1 << FWD_BITS) >> l, nup = n + hi + 1;
  size_t low = i, up = low + (n * (size_t)l + 7) / 8, codes = up + (nup + 7) / 8, esc = codes + (2 * n + 7) / 8;
  if (esc > nb) return -1;
  k &= (1u << FWD_BITS) - 1;
  size_t h = k >> l;
  uint32_t lo = k & ((1u << l) - 1);
  /* the position after the h-th zero of the upper part (0 when h = 0) */
  size_t pos = 0, zeros = 0;
  if (h) {
    const unsigned char *u = p + up;
    size_t nbytes = (nup + 7) / 8, j = 0;
    for (; j + 8 <= nbytes; j += 8) { /* a word at a time while the h-th zero is further on */
      uint64_t w;
      memcpy(&w, u + j, 8);
      size_t z = 64 - (size_t)__builtin_popcountll(w);
      if (zeros + z >= h) break;
      zeros += z;
    }
    for (pos = j * 8; pos < nup; pos++)
      if (!(u[pos >> 3] >> (pos & 7) & 1) && ++zeros == h) break;
    if (pos >= nup) return -1;
    pos++;
  }
  /* the ones from there are the values with high part h: value index pos - h */
  for (; pos < nup && (p[up + (pos >> 3)] >> (pos & 7) & 1); pos++) {
    size_t idx = pos - h;
    if (idx >= n) return -1;
    uint32_t x = get_bits(p + low, idx * (size_t)l, l);
    if (x < lo) continue;
    if (x > lo) return -1;
    uint32_t c = get_bits(p + codes, 2 * idx, 2);
    if (c < 3) return (int32_t)(1u << c); /* 1, 2, 4 */
    size_t before = 0; /* pairs coded 3 before this one: their escapes come first */
    for (size_t m = 0; m < idx; m++) before += get_bits(p + codes, 2 * m, 2) == 3;
    const unsigned char *e = p + esc;
    uint32_t dv = 0;
    for (size_t m = 0; m <= before && e; m++) e = kh__get_var(e, end, &dv);
    return !e || dv < 1 || dv > INT32_MAX ? -1 : (int32_t)dv;
  }
  return -1;
}

static uint32_t le(const unsigned char *p, int n) {
  uint32_t v = 0;
  for (int j = 0; j < n; j++) v |= (uint32_t)p[j] << (8 * j);
  return v;
}

/* d (>= 1) of hash k in a row of any layout, or -1. */
int32_t kh__fwd_find(const unsigned char *p, size_t nb, uint32_t k) {
  int hb = 4, db_ = 4; /* bytes of hash and d per pair */
  if (nb % 2) {
    if (p[0] == 3) return packed_find(p, nb, k);
    if (p[0] == 1) hb = 3, db_ = 1, k &= 0xFFFFFF;
    else if (p[0] != 2) return -1;
    p++, nb--;
  }
  size_t w = (size_t)(hb + db_), lo = 0, hi = nb / w;
  while (lo < hi) {
    size_t m = (lo + hi) / 2;
    uint32_t h = le(p + m * w, hb);
    if (h == k) { /* a d is >= 1 (a damaged row may hold anything) */
      uint32_t d = le(p + m * w + hb, db_);
      return d >= 1 && d <= INT32_MAX ? (int32_t)d : -1;
    }
    if (h < k) lo = m + 1;
    else hi = m;
  }
  return -1;
}
