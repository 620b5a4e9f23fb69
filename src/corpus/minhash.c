/*
** minhash.c — fingerprints of one text: the exact key, MinHash over word
** shingles, and the LSH band keys (public API in khabar.h, corpus section).
**
**   kh_fingerprint fp;
**   kh_fingerprint_text(body, len, &fp);      // streaming: no allocation
**   uint64_t bands[KH_LSH_BANDS]; kh_fingerprint_bands(&fp, bands);
**
** Hash function k of a shingle hash x (folded to 32 bits, x32) is
** v = a_k * x32 + b_k (mod 2^32, odd a_k), then v ^= v >> 16: one
** multiply-add and a shift per function in 32-bit lanes, which the
** compiler vectorizes; the shingle hash itself is already well mixed.  The a_k, b_k come from splitmix64 with a fixed seed,
** so fingerprints are the same on every machine and in every release that
** keeps KH_MINHASH_K and KH_SHINGLE_W.
*/
#include "corpus.h"

_Static_assert(KH_LSH_BANDS * KH_LSH_ROWS == KH_MINHASH_K, "bands x rows must cover the signature");

typedef struct mh_state {
  uint32_t a[KH_MINHASH_K]; /* multipliers (odd) */
  uint32_t b[KH_MINHASH_K]; /* offsets */
  uint64_t last[KH_SHINGLE_W]; /* the last KH_SHINGLE_W token hashes */
  uint64_t exact;           /* running hash of the token stream */
  uint32_t n;               /* tokens seen */
  kh_fingerprint *fp;
} mh_state;

static uint64_t splitmix64(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

static void mh_init(mh_state *st, kh_fingerprint *fp) {
  uint64_t seed = 0x6b686162617221ULL; /* "khabar!" */
  for (unsigned k = 0; k < KH_MINHASH_K; k++) {
    st->a[k] = (uint32_t)splitmix64(&seed) | 1u;
    st->b[k] = (uint32_t)splitmix64(&seed);
  }
  st->exact = 0x243F6A8885A308D3ULL;
  st->n = 0;
  st->fp = fp;
  memset(fp, 0, sizeof *fp);
  memset(fp->minhash, 0xff, sizeof fp->minhash);
}

#if defined(__GNUC__) || defined(__clang__)
/* 8 x 32-bit lanes (GCC/Clang vector extension); on x86-64 compiled twice,
** for AVX2 and for the baseline, the better picked at load time. */
typedef uint32_t v4u __attribute__((vector_size(32)));

#if defined(__x86_64__) && defined(__linux__) && !defined(__SANITIZE_ADDRESS__) && \
    !defined(__clang__)
__attribute__((target_clones("avx2", "default")))
#endif
static void mh_shingle(mh_state *st, uint64_t x) {
  uint32_t *mh = st->fp->minhash;
  uint32_t x32 = (uint32_t)(x ^ (x >> 32));
  v4u xv = {x32, x32, x32, x32, x32, x32, x32, x32};
  for (unsigned k = 0; k < KH_MINHASH_K; k += 8) {
    v4u a, b, m;
    memcpy(&a, st->a + k, sizeof a);
    memcpy(&b, st->b + k, sizeof b);
    memcpy(&m, mh + k, sizeof m);
    v4u v = a * xv + b;
    v ^= v >> 16;
    v4u lt = (v4u)(v < m); /* all ones where v < m */
    m = (v & lt) | (m & ~lt);
    memcpy(mh + k, &m, sizeof m);
  }
}
_Static_assert(KH_MINHASH_K % 8 == 0, "signature length must be a multiple of 8");
#else
static void mh_shingle(mh_state *st, uint64_t x) {
  uint32_t *mh = st->fp->minhash;
  uint32_t x32 = (uint32_t)(x ^ (x >> 32));
  for (unsigned k = 0; k < KH_MINHASH_K; k++) {
    uint32_t v = st->a[k] * x32 + st->b[k];
    v ^= v >> 16;
    mh[k] = v < mh[k] ? v : mh[k];
  }
}
#endif

static void mh_token(mh_state *st, uint64_t h) {
  st->exact = (st->exact ^ h) * 0x100000001b3ULL;
  st->exact = (st->exact << 31) | (st->exact >> 33);
  if (KH_SHINGLE_W > 1) memmove(st->last, st->last + 1, (KH_SHINGLE_W - 1) * sizeof(uint64_t));
  st->last[KH_SHINGLE_W - 1] = h;
  st->n++;
  if (st->n >= KH_SHINGLE_W) mh_shingle(st, kh__ngram_hash(st->last, KH_SHINGLE_W));
}

static void mh_finish(mh_state *st) {
  kh_fingerprint *fp = st->fp;
  fp->ntokens = st->n;
  if (st->n == 0) return;
  /* a text shorter than one shingle is one shingle of all its tokens */
  if (st->n < KH_SHINGLE_W) mh_shingle(st, kh__ngram_hash(st->last + (KH_SHINGLE_W - st->n), st->n));
  uint64_t e = kh__mix64(st->exact ^ ((uint64_t)st->n << 1));
  fp->exact = e ? e : 1;
}

void kh__fingerprint_seq(const kh__tokseq *seq, kh_fingerprint *fp) {
  mh_state st;
  mh_init(&st, fp);
  for (uint32_t i = 0; i < seq->n; i++) mh_token(&st, seq->h[i]);
  mh_finish(&st);
}

static int on_token(void *ctx, uint64_t h, uint32_t start, uint32_t end, unsigned fl) {
  mh_token(ctx, h);
  return 0;
}

int kh_fingerprint_text(const char *text, size_t len, kh_fingerprint *fp) {
  if (!fp || (!text && len)) return KH_EINVAL;
  mh_state st;
  mh_init(&st, fp);
  int rc = kh__tokens(text ? text : "", len, 0, on_token, &st);
  if (rc) {
    mh_init(&st, fp);
    return rc;
  }
  mh_finish(&st);
  return 0;
}

double kh_fingerprint_similarity(const kh_fingerprint *a, const kh_fingerprint *b) {
  if (!a || !b || !a->ntokens || !b->ntokens) return 0.0;
  unsigned eq = 0;
  for (unsigned k = 0; k < KH_MINHASH_K; k++) eq += a->minhash[k] == b->minhash[k];
  return (double)eq / KH_MINHASH_K;
}

void kh_fingerprint_bands(const kh_fingerprint *fp, uint64_t bands[KH_LSH_BANDS]) {
  for (unsigned i = 0; i < KH_LSH_BANDS; i++) {
    uint64_t x = 0x9E3779B97F4A7C15ULL * (i + 1);
    for (unsigned r = 0; r < KH_LSH_ROWS; r++)
      x = kh__mix64(x ^ fp->minhash[i * KH_LSH_ROWS + r]) + r;
    bands[i] = x;
  }
}
